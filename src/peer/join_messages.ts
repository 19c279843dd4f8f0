/**
 * Wire format of the join handshake (UDP, Punch control port). Every message starts with
 *   "PJ" 0x01 | type u8 | invite id (8 bytes)
 * then: request (1) = ephemeral 32 | sealed static key 48 | sealed card (16 + n);
 * response (2) = ephemeral 32 | sealed card bundle (16 + n); reject (3) = reason u8.
 */
import { fromHex, Reader, toHex, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import { KEY_LEN } from "./identity.ts";
import { AEAD_TAG } from "./peer_crypto.ts";
import type { PeerErrorCode } from "./peer_error.ts";

const MAGIC0 = 0x50, MAGIC1 = 0x4a, VERSION = 1; // "PJ"
/** Message types. */
export const JOIN_REQUEST = 1, JOIN_RESPONSE = 2, JOIN_REJECT = 3;
/** Bytes of the clear header (magic, version, type, id); it is part of the transcript. */
export const HEADER_LEN = 12;
/** Largest message accepted (the payload is one or a few cards). */
export const MAX_JOIN_MESSAGE = 8192;

const REJECT_CODES: readonly PeerErrorCode[] = [
  "unknown-invite",
  "expired",
  "used",
  "auth-failed",
  "bad-card",
  "self",
];

export type JoinMessage =
  | {
    kind: "request";
    id: string;
    header: Uint8Array;
    ephemeral: Uint8Array;
    sealedStatic: Uint8Array;
    sealedPayload: Uint8Array;
  }
  | {
    kind: "response";
    id: string;
    header: Uint8Array;
    ephemeral: Uint8Array;
    sealedPayload: Uint8Array;
  }
  | { kind: "reject"; id: string; code: PeerErrorCode };

/** The clear header of a message of `type` for invite `id`. */
export function joinHeader(type: number, id: string): Uint8Array {
  return new Writer().u8(MAGIC0).u8(MAGIC1).u8(VERSION).u8(type).bytes(fromHex(id)).finish();
}

/** Encode a reject (unauthenticated: a hint for the joiner, see docs/tokens.md). */
export function encodeReject(id: string, code: PeerErrorCode): Uint8Array {
  const i = REJECT_CODES.indexOf(code);
  return new Writer().bytes(joinHeader(JOIN_REJECT, id)).u8(i < 0 ? 0 : i + 1).finish();
}

/**
 * Decode a join message; null when the bytes are not one (other traffic on the port).
 * @example decodeJoinMessage(encodeReject("0011223344556677", "used"))?.kind === "reject"
 */
export function decodeJoinMessage(bytes: Uint8Array): JoinMessage | null {
  if (bytes.length < 2 || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return null;
  if (bytes.length > MAX_JOIN_MESSAGE) {
    throw new ParseError(`Cannot read join message: ${bytes.length} bytes is too large`);
  }
  const r = new Reader(bytes);
  r.skip(2);
  const version = r.u8();
  if (version !== VERSION) {
    throw new ParseError(
      `Cannot read join message: version ${version} is not supported; update Punch on both routers`,
    );
  }
  const type = r.u8();
  const id = toHex(r.take(8));
  const header = bytes.slice(0, HEADER_LEN);
  switch (type) {
    case JOIN_REQUEST: {
      const ephemeral = r.take(KEY_LEN).slice(), sealedStatic = r.take(KEY_LEN + AEAD_TAG).slice();
      r.need(AEAD_TAG);
      return {
        kind: "request",
        id,
        header,
        ephemeral,
        sealedStatic,
        sealedPayload: r.take(r.remaining).slice(),
      };
    }
    case JOIN_RESPONSE: {
      const ephemeral = r.take(KEY_LEN).slice();
      r.need(AEAD_TAG);
      return {
        kind: "response",
        id,
        header,
        ephemeral,
        sealedPayload: r.take(r.remaining).slice(),
      };
    }
    case JOIN_REJECT: {
      const c = r.u8();
      if (r.remaining !== 0) {
        throw new ParseError("Cannot read join reject: unexpected bytes at the end");
      }
      return { kind: "reject", id, code: REJECT_CODES[c - 1] ?? "auth-failed" };
    }
    default:
      throw new ParseError(`Cannot read join message: unknown type ${type}`);
  }
}
