import { toBase64 } from "../lib/base64.ts";
import type { RouterKeys } from "./identity.ts";
import type { Invite } from "./invite_token.ts";
import { PeerError } from "./peer_error.ts";

/** Throw `PeerError` when the joiner cannot use `invite`: it expired, or this router made it. */
export function checkInviteUsable(keys: RouterKeys, invite: Invite, now: number): void {
  if (now >= invite.expiresAt) {
    throw new PeerError(
      "expired",
      `Invite expired at ${new Date(invite.expiresAt).toISOString()}: ask for a new one`,
    );
  }
  if (
    invite.wgPublicKey === toBase64(keys.wgPublicKey) ||
    invite.signPublicKey === toBase64(keys.signPublicKey)
  ) {
    throw new PeerError(
      "self",
      'This invite was made by this router: run "punchctl join" on the other router',
    );
  }
}
