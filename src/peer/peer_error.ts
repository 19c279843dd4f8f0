import { UsageError } from "../lib/errors.ts";

/** Why an invite, reply or card was refused; stable strings for the control socket and tests. */
export type PeerErrorCode =
  | "expired" // the invite's lifetime is over
  | "used" // the invite was already redeemed
  | "unknown-invite" // no outstanding invite matches (foreign, forged or pruned)
  | "auth-failed" // a handshake message or reply failed its MAC/AEAD check
  | "self" // the invite or card is this router's own
  | "wrong-peer" // the answer came from keys other than the ones the invite names
  | "bad-card"; // the card inside a handshake is unsigned, invalid or does not match the keys

/** A well-formed invite, reply or handshake message that is not acceptable; `code` says why. */
export class PeerError extends UsageError {
  override name = "PeerError";
  constructor(readonly code: PeerErrorCode, message: string) {
    super(message);
  }
}
