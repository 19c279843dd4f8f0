/**
 * Invite tokens: `punch1-` + URL-safe base64 of a compact binary record that names the inviter's
 * keys and addresses and carries a 128-bit one-time secret. See docs/tokens.md for the layout and
 * the security argument.
 */
import { ed25519 } from "./ed25519.ts";
import { fromBase64Url, toBase64, toBase64Url } from "../lib/base64.ts";
import { concat, Reader, toHex, utf8, Writer } from "../lib/bytes.ts";
import { ParseError, UsageError } from "../lib/errors.ts";
import { KEY_LEN, keyFromBase64, type Random } from "./identity.ts";
import { derive, hash, mac, macEqual } from "./peer_crypto.ts";
import { PeerError } from "./peer_error.ts";
import {
  expectEnd,
  readAddress,
  readBytes,
  readEndpoint,
  readList,
  readName,
  readSubnet,
  writeAddress,
  writeEndpoint,
  writeList,
  writeName,
  writeSubnet,
} from "./wire_fields.ts";

/** Text that starts every invite token (format version 1). */
export const INVITE_PREFIX = "punch1-";
/** Text that starts every reply token, so each can be told from the other. */
export const REPLY_PREFIX = "punch1r-";
/** Bytes of the one-time secret. */
export const INVITE_SECRET_LEN = 16;
/** Bytes of the token's integrity tag. */
export const INVITE_MAC_LEN = 8;
/** Default lifetime of an invite. */
export const DEFAULT_INVITE_TTL_MS = 24 * 3600 * 1000;
const MIN_BYTES = INVITE_SECRET_LEN + 2 * KEY_LEN + 4 + 2 + 4 + INVITE_MAC_LEN;

/** What an invite says about the inviter (all public). */
export interface InviteContent {
  /** Inviter's WireGuard public key (base64). */
  readonly wgPublicKey: string;
  /** Inviter's Ed25519 public key (base64). */
  readonly signPublicKey: string;
  readonly name: string;
  /** End of validity, ms since the epoch (whole seconds on the wire). */
  readonly expiresAt: number;
  /** UDP port of the inviter's join listener on its endpoint hosts; 0 = not reachable, use a reply. */
  readonly controlPort: number;
  /** WireGuard endpoint candidates, HOST:PORT. */
  readonly endpoints: readonly string[];
  readonly tunnelAddresses: readonly string[];
  readonly lanSubnets: readonly string[];
}

/** A decoded (or freshly made) invite. */
export interface Invite extends InviteContent {
  /** The one-time secret: whoever holds it may join once. */
  readonly secret: Uint8Array;
  /** Public handle of the invite (hex), derived from the secret; the inviter's store is keyed by it. */
  readonly id: string;
  /** SHA-256 over the whole binary token; both handshake sides mix it in, so an altered token fails. */
  readonly tokenHash: Uint8Array;
  /** The token text. */
  readonly token: string;
}

/** Public handle of an invite secret. */
export function inviteIdOf(secret: Uint8Array): string {
  return toHex(derive(secret, undefined, "punch invite id v1", 8));
}

function macKey(secret: Uint8Array): Uint8Array {
  return derive(secret, undefined, "punch invite mac v1", 32);
}

/**
 * Encode an invite with a given secret.
 * @example encodeInvite(content, secret).token // "punch1-q83v..."
 */
export function encodeInvite(c: InviteContent, secret: Uint8Array): Invite {
  if (secret.length !== INVITE_SECRET_LEN) {
    throw new RangeError(`Need ${INVITE_SECRET_LEN} secret bytes for an invite`);
  }
  const expires = Math.floor(c.expiresAt / 1000);
  if (!(expires >= 0 && expires <= 0xffffffff)) {
    throw new UsageError(`Cannot encode invite expiry ${c.expiresAt}`);
  }
  if (!Number.isInteger(c.controlPort) || c.controlPort < 0 || c.controlPort > 65535) {
    throw new UsageError(`Cannot encode control port "${c.controlPort}": must be 0..65535`);
  }
  const w = new Writer();
  w.bytes(secret).bytes(keyFromBase64(c.wgPublicKey, "WireGuard public key"));
  w.bytes(keyFromBase64(c.signPublicKey, "signing public key"));
  w.u32(expires).u16(c.controlPort);
  writeName(w, c.name, "router name");
  writeList(w, c.endpoints, "endpoints", writeEndpoint);
  writeList(w, c.tunnelAddresses, "tunnel addresses", writeAddress);
  writeList(w, c.lanSubnets, "LAN subnets", writeSubnet);
  const body = w.finish();
  const bytes = concat([
    body,
    mac(macKey(secret), concat([utf8.encode(INVITE_PREFIX), body]), INVITE_MAC_LEN),
  ]);
  return decodeInvite(INVITE_PREFIX + toBase64Url(bytes));
}

/** Make a new invite valid for `ttlMs` from `now`, with a fresh secret from `rand`. */
export function createInvite(
  c: Omit<InviteContent, "expiresAt">,
  now: number,
  rand: Random,
  ttlMs = DEFAULT_INVITE_TTL_MS,
): Invite {
  if (!(ttlMs > 0)) {
    throw new UsageError(
      `Cannot make an invite that expires in "${ttlMs}" ms: give a positive time`,
    );
  }
  return encodeInvite(
    { ...c, expiresAt: now + ttlMs },
    rand(INVITE_SECRET_LEN).slice(0, INVITE_SECRET_LEN),
  );
}

/** Token text without spaces and line breaks (as e-mail or chat may wrap it). */
export function cleanToken(text: string): string {
  return text.replace(/\s+/g, "");
}

/** Decode token text and check its tag; throws `RangeError` (truncated) or `ParseError` (anything else). */
export function decodeInvite(text: string): Invite {
  const token = cleanToken(text);
  if (token.startsWith(REPLY_PREFIX)) {
    throw new ParseError(
      `This is a reply token, not an invite: run "punchctl accept" with it on the router that made the invite`,
    );
  }
  if (!token.startsWith(INVITE_PREFIX)) {
    throw new ParseError(
      `Cannot read invite "${
        token.slice(0, 16)
      }…": it must start with "${INVITE_PREFIX}"; copy the whole token`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(token.slice(INVITE_PREFIX.length));
  } catch {
    throw new ParseError(
      `Cannot read invite: it has characters that are not in a token; copy it again`,
    );
  }
  if (bytes.length < MIN_BYTES) {
    throw new RangeError(
      `Cannot read invite: it is cut short (${bytes.length} bytes); copy the whole token`,
    );
  }
  const body = bytes.subarray(0, bytes.length - INVITE_MAC_LEN);
  const secret = body.slice(0, INVITE_SECRET_LEN);
  const want = mac(macKey(secret), concat([utf8.encode(INVITE_PREFIX), body]), INVITE_MAC_LEN);
  if (!macEqual(want, bytes.subarray(body.length))) {
    throw new ParseError(
      `Invite token is damaged or was altered (its check failed): copy it again, or ask the inviter for a new one`,
    );
  }
  const r = new Reader(body);
  r.skip(INVITE_SECRET_LEN);
  const wg = readBytes(r, KEY_LEN), sign = readBytes(r, KEY_LEN);
  if (!ed25519.utils.isValidPublicKey(sign, false)) {
    throw new ParseError(`Cannot read invite: the signing key is not a valid Ed25519 key`);
  }
  const expiresAt = r.u32() * 1000, controlPort = r.u16();
  const name = readName(r, "router name");
  const endpoints = readList(r, "endpoints", readEndpoint);
  const tunnelAddresses = readList(r, "tunnel addresses", readAddress);
  const lanSubnets = readList(r, "LAN subnets", readSubnet);
  expectEnd(r, "invite");
  return {
    wgPublicKey: toBase64(wg),
    signPublicKey: toBase64(sign),
    name,
    expiresAt,
    controlPort,
    endpoints,
    tunnelAddresses,
    lanSubnets,
    secret,
    id: inviteIdOf(secret),
    tokenHash: hash(utf8.encode("punch invite v1"), bytes),
    token,
  };
}

/** Decode an invite and refuse it when it has expired (`PeerError` "expired"). */
export function parseInvite(text: string, now: number): Invite {
  const inv = decodeInvite(text);
  if (now >= inv.expiresAt) {
    const who = inv.name === "" ? "the inviter" : `"${inv.name}"`;
    throw new PeerError(
      "expired",
      `Invite expired at ${
        new Date(inv.expiresAt).toISOString()
      }: ask ${who} for a new one (punchctl invite)`,
    );
  }
  return inv;
}
