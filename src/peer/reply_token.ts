/**
 * Reply tokens: the two-step fallback when the inviter cannot be reached. The joiner prints
 * `punch1r-` + URL-safe base64 of
 *   wg key 32 | sign key 32 | name | endpoints | tunnel addresses | LAN subnets | tag 16
 * where tag = HMAC-SHA256(K, "punch1r-" + body) and K = HKDF(secret ‖ X25519(joiner, inviter),
 * salt = token hash). Only a holder of the invite secret AND the joiner's WireGuard private key
 * can make it; the inviter finds the invite by trying each of its records' keys.
 */
import { ed25519 } from "./ed25519.ts";
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from "../lib/base64.ts";
import { concat, Reader, utf8, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import { dh, KEY_LEN, type RouterKeys } from "./identity.ts";
import { cleanToken, type Invite, INVITE_PREFIX, REPLY_PREFIX } from "./invite_token.ts";
import type { InviteRecord, InviteStore } from "./invite_store.ts";
import type { PeerCard } from "./peer_card.ts";
import { derive, mac, macEqual } from "./peer_crypto.ts";
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
import { checkInviteUsable } from "./invite_usable.ts";

/** Bytes of the reply tag. */
export const REPLY_MAC_LEN = 16;
const MIN_BYTES = 2 * KEY_LEN + 4 + REPLY_MAC_LEN;

/** What a reply says about the joiner (all public). */
export interface ReplyContent {
  readonly wgPublicKey: string;
  readonly signPublicKey: string;
  readonly name: string;
  readonly endpoints: readonly string[];
  readonly tunnelAddresses: readonly string[];
  readonly lanSubnets: readonly string[];
}

interface DecodedReply extends ReplyContent {
  readonly signed: Uint8Array;
  readonly tag: Uint8Array;
}

function replyKey(secret: Uint8Array, shared: Uint8Array, tokenHash: Uint8Array): Uint8Array {
  return derive(concat([secret, shared]), tokenHash, "punch reply mac v1", 32);
}

/**
 * Joiner side: the reply token for `invite`, describing this router with `own` (its card).
 * @example makeReplyToken(keys, invite, card, now).startsWith("punch1r-")
 */
export function makeReplyToken(
  keys: RouterKeys,
  invite: Invite,
  own: PeerCard,
  now: number,
): string {
  checkInviteUsable(keys, invite, now);
  const shared = dh(keys.wgPrivateKey, fromBase64(invite.wgPublicKey));
  if (shared === null) {
    throw new PeerError(
      "auth-failed",
      "The invite names an unusable WireGuard key: ask for a new one",
    );
  }
  const w = new Writer().bytes(keys.wgPublicKey).bytes(keys.signPublicKey);
  writeName(w, own.name, "router name");
  writeList(w, own.endpoints, "endpoints", writeEndpoint);
  writeList(w, own.tunnelAddresses, "tunnel addresses", writeAddress);
  writeList(w, own.lanSubnets, "LAN subnets", writeSubnet);
  const body = w.finish();
  const tag = mac(
    replyKey(invite.secret, shared, invite.tokenHash),
    concat([utf8.encode(REPLY_PREFIX), body]),
    REPLY_MAC_LEN,
  );
  return REPLY_PREFIX + toBase64Url(concat([body, tag]));
}

/** Decode a reply token without authenticating it; throws `RangeError` or `ParseError`. */
export function decodeReplyToken(text: string): DecodedReply {
  const token = cleanToken(text);
  if (token.startsWith(INVITE_PREFIX)) {
    throw new ParseError(
      `This is an invite, not a reply: run "punchctl join" with it on the other router`,
    );
  }
  if (!token.startsWith(REPLY_PREFIX)) {
    throw new ParseError(
      `Cannot read reply "${
        token.slice(0, 16)
      }…": it must start with "${REPLY_PREFIX}"; copy the whole token`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(token.slice(REPLY_PREFIX.length));
  } catch {
    throw new ParseError(
      "Cannot read reply: it has characters that are not in a token; copy it again",
    );
  }
  if (bytes.length < MIN_BYTES) {
    throw new RangeError(
      `Cannot read reply: it is cut short (${bytes.length} bytes); copy the whole token`,
    );
  }
  const r = new Reader(bytes.subarray(0, bytes.length - REPLY_MAC_LEN));
  const wg = readBytes(r, KEY_LEN), sign = readBytes(r, KEY_LEN);
  const name = readName(r, "router name");
  const endpoints = readList(r, "endpoints", readEndpoint);
  const tunnelAddresses = readList(r, "tunnel addresses", readAddress);
  const lanSubnets = readList(r, "LAN subnets", readSubnet);
  expectEnd(r, "reply");
  if (!ed25519.utils.isValidPublicKey(sign, false)) {
    throw new ParseError("Cannot read reply: the signing key is not a valid Ed25519 key");
  }
  return {
    wgPublicKey: toBase64(wg),
    signPublicKey: toBase64(sign),
    name,
    endpoints,
    tunnelAddresses,
    lanSubnets,
    signed: concat([utf8.encode(REPLY_PREFIX), bytes.subarray(0, bytes.length - REPLY_MAC_LEN)]),
    tag: bytes.slice(bytes.length - REPLY_MAC_LEN),
  };
}

/**
 * Inviter side: authenticate a reply against our invites and mark its invite used. Pin
 * `joiner.signPublicKey` in the CardStore and add a WireGuard peer from `joiner`; the joiner's
 * signed card follows through the tunnel. Throws `RangeError`/`ParseError` (garbled) or
 * `PeerError` ("unknown-invite" forged/foreign/altered, "used", "expired", "self").
 */
export function acceptReply(
  keys: RouterKeys,
  invites: InviteStore,
  text: string,
  now: number,
): { joiner: ReplyContent; record: InviteRecord } {
  const d = decodeReplyToken(text);
  if (
    d.wgPublicKey === toBase64(keys.wgPublicKey) || d.signPublicKey === toBase64(keys.signPublicKey)
  ) {
    throw new PeerError(
      "self",
      'This reply was made by this router: run "punchctl accept" on the router that made the invite',
    );
  }
  const shared = dh(keys.wgPrivateKey, fromBase64(d.wgPublicKey));
  const rec = shared === null ? undefined : invites.list().find((r) =>
    macEqual(
      mac(
        replyKey(fromBase64(r.secret), shared, fromBase64(r.tokenHash)),
        d.signed,
        REPLY_MAC_LEN,
      ),
      d.tag,
    )
  );
  if (rec === undefined) {
    throw new PeerError(
      "unknown-invite",
      "Reply does not match any invite made by this router: it was altered, answers another router's invite, or its invite was pruned; copy it again or make a new invite",
    );
  }
  if (rec.usedAt !== undefined && rec.usedBy === d.wgPublicKey) {
    throw new PeerError(
      "used",
      `Reply for invite ${rec.id} was already accepted at ${
        new Date(rec.usedAt).toISOString()
      }: nothing to do`,
    );
  }
  invites.checkUsable(rec, now);
  const { signed: _s, tag: _t, ...joiner } = d;
  return { joiner, record: invites.markUsed(rec.id, now, d.wgPublicKey) };
}
