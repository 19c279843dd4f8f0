/**
 * The one-step join: joiner → inviter request, inviter → joiner response, both sans-I/O.
 * A Noise-IKpsk-like exchange (see docs/tokens.md): the token secret is mixed in first, the
 * joiner's ephemeral key meets the inviter's static WireGuard key (es), then the joiner's static
 * WireGuard key meets it (ss, proving the joiner holds its private key); the response adds ee and
 * se, so only the inviter (holder of its WireGuard private key) can produce it and it is forward
 * secret. Payloads are signed cards, so both Ed25519 keys are bound to the proven X25519 keys.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { fromBase64, toBase64 } from "../lib/base64.ts";
import { concat, equalBytes } from "../lib/bytes.ts";
import { errorMessage } from "../lib/errors.ts";
import { decodeCardBundle, encodeCardBundle } from "./card_bundle.ts";
import { dh, KEY_LEN, type Random, type RouterKeys } from "./identity.ts";
import type { Invite } from "./invite_token.ts";
import type { InviteRecord, InviteStore } from "./invite_store.ts";
import {
  decodeJoinMessage,
  encodeReject,
  JOIN_REQUEST,
  JOIN_RESPONSE,
  joinHeader,
  MAX_JOIN_MESSAGE,
} from "./join_messages.ts";
import { type SignedCard, verifyCard } from "./peer_card.ts";
import { hash, SymmetricState } from "./peer_crypto.ts";
import { PeerError, type PeerErrorCode } from "./peer_error.ts";
import { checkInviteUsable } from "./invite_usable.ts";

/** How long after success an identical (retransmitted) request still gets the cached response. */
export const RETRANSMIT_WINDOW_MS = 120_000;
/**
 * Retransmits answered per invite when the cached response is larger than the request (anyone
 * who saw the request can replay it from a spoofed source: the answer must not amplify).
 */
export const LARGER_REPLAY_ANSWERS = 2;

const PROTOCOL = "punch-join-v1 X25519 ChaChaPoly SHA256 psk0";

/** Joiner's in-memory state between `startJoin` and `finishJoin` (holds secrets: never persist or log). */
export interface JoinState {
  readonly invite: Invite;
  readonly request: Uint8Array;
  readonly ss: SymmetricState;
  readonly ephemeralPrivate: Uint8Array;
  readonly keys: RouterKeys;
}

function initial(tokenHash: Uint8Array, secret: Uint8Array): SymmetricState {
  const ss = SymmetricState.start(PROTOCOL);
  ss.mixHash(tokenHash);
  ss.mixKey(secret);
  return ss;
}

function mustDh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const s = dh(priv, pub);
  if (s === null) {
    throw new PeerError("auth-failed", "Join failed: a peer offered an unusable X25519 key");
  }
  return s;
}

/**
 * Build the join request for `invite` (send it to an inviter endpoint host on `invite.controlPort`,
 * resend the same bytes on a timer until `finishJoin` returns a result).
 */
export function startJoin(
  keys: RouterKeys,
  invite: Invite,
  ownCard: SignedCard,
  now: number,
  rand: Random,
): { state: JoinState; request: Uint8Array } {
  checkInviteUsable(keys, invite, now);
  if (
    ownCard.card.wgPublicKey !== toBase64(keys.wgPublicKey) ||
    ownCard.card.signPublicKey !== toBase64(keys.signPublicKey)
  ) {
    throw new PeerError(
      "bad-card",
      "Cannot join: our own card does not carry this router's keys; sign a fresh card",
    );
  }
  const inviterWg = fromBase64(invite.wgPublicKey);
  const ephemeralPrivate = rand(KEY_LEN).slice(0, KEY_LEN);
  const ephemeral = x25519.getPublicKey(ephemeralPrivate);
  const ss = initial(invite.tokenHash, invite.secret);
  const header = joinHeader(JOIN_REQUEST, invite.id);
  ss.mixHash(header);
  ss.mixHash(ephemeral);
  const sealedStatic = ss.seal(ss.mixKey(mustDh(ephemeralPrivate, inviterWg)), keys.wgPublicKey);
  const sealedPayload = ss.seal(ss.mixKey(mustDh(keys.wgPrivateKey, inviterWg)), ownCard.bytes);
  const request = concat([header, ephemeral, sealedStatic, sealedPayload]);
  return { state: { invite, request, ss, ephemeralPrivate, keys }, request };
}

/** What the inviter does with a datagram on its control port. */
export type JoinHandled =
  /** New peer: send `reply`; pin `joiner.card.signPublicKey` in the CardStore and offer the card. */
  | { kind: "accepted"; reply: Uint8Array; joiner: SignedCard; record: InviteRecord }
  /** The same request again (our response was lost): send `reply` again, nothing else changes. */
  | { kind: "retransmit"; reply: Uint8Array }
  /** Refused: send `reply` (a small unauthenticated reject), log `message`. */
  | { kind: "rejected"; reply: Uint8Array; code: PeerErrorCode; message: string };

function reject(id: string, code: PeerErrorCode, message: string): JoinHandled {
  return { kind: "rejected", reply: encodeReject(id, code), code, message };
}

/**
 * Inviter side: answer a join request. Returns null for bytes that are not a join request.
 * Throws only `RangeError`/`ParseError` for malformed bytes. Marks the invite used on success.
 * `extraCards` (peer exchange) are added to the response while it stays under `maxBytes`.
 */
export function handleJoinRequest(
  keys: RouterKeys,
  invites: InviteStore,
  ownCard: SignedCard,
  bytes: Uint8Array,
  now: number,
  rand: Random,
  extraCards: readonly SignedCard[] = [],
  maxBytes = 1200,
): JoinHandled | null {
  const m = decodeJoinMessage(bytes);
  if (m === null || m.kind !== "request") return null;
  const rec = invites.get(m.id);
  if (rec === undefined) {
    return reject(
      m.id,
      "unknown-invite",
      `Join request for unknown invite ${m.id}: not made here, or pruned`,
    );
  }
  const reqHash = hash(bytes);
  const recent = rec.usedAt !== undefined && now - rec.usedAt < RETRANSMIT_WINDOW_MS;
  if (
    recent && rec.requestHash !== undefined && rec.reply !== undefined &&
    equalBytes(fromBase64(rec.requestHash), reqHash)
  ) {
    const reply = fromBase64(rec.reply);
    if (reply.length > bytes.length && invites.replayed(m.id) > LARGER_REPLAY_ANSWERS) return null;
    return { kind: "retransmit", reply };
  }
  try {
    invites.checkUsable(rec, now);
  } catch (e) {
    return reject(m.id, (e as PeerError).code, errorMessage(e));
  }
  const ss = initial(fromBase64(rec.tokenHash), fromBase64(rec.secret));
  ss.mixHash(m.header);
  ss.mixHash(m.ephemeral);
  const es = dh(keys.wgPrivateKey, m.ephemeral);
  const joinerWg = es === null ? null : ss.open(ss.mixKey(es), m.sealedStatic);
  const s2 = joinerWg === null ? null : dh(keys.wgPrivateKey, joinerWg);
  const payload = s2 === null ? null : ss.open(ss.mixKey(s2), m.sealedPayload);
  if (joinerWg === null || payload === null) {
    return reject(
      m.id,
      "auth-failed",
      `Join request for invite ${m.id} failed authentication: altered token or forged request`,
    );
  }
  let joiner: SignedCard;
  try {
    joiner = verifyCard(payload);
  } catch (e) {
    return reject(
      m.id,
      "bad-card",
      `Join request for invite ${m.id} carries a bad card: ${errorMessage(e)}`,
    );
  }
  if (joiner.card.wgPublicKey !== toBase64(joinerWg)) {
    return reject(
      m.id,
      "bad-card",
      `Join request for invite ${m.id}: the card's WireGuard key is not the one the joiner proved`,
    );
  }
  if (
    equalBytes(joinerWg, keys.wgPublicKey) ||
    joiner.card.signPublicKey === toBase64(keys.signPublicKey)
  ) {
    return reject(m.id, "self", `Join request for invite ${m.id} came from this router's own keys`);
  }
  const ephemeralPrivate = rand(KEY_LEN).slice(0, KEY_LEN);
  const ephemeral = x25519.getPublicKey(ephemeralPrivate);
  const header = joinHeader(JOIN_RESPONSE, m.id);
  ss.mixHash(header);
  ss.mixHash(ephemeral);
  ss.mixKey(mustDh(ephemeralPrivate, m.ephemeral));
  const key = ss.mixKey(mustDh(ephemeralPrivate, joinerWg));
  const cards: SignedCard[] = [ownCard];
  let size = HEADER_OVERHEAD + ownCard.bytes.length;
  for (const c of extraCards) {
    if (size + c.bytes.length + 2 > Math.min(maxBytes, MAX_JOIN_MESSAGE)) continue;
    cards.push(c);
    size += c.bytes.length + 2;
  }
  const reply = concat([header, ephemeral, ss.seal(key, encodeCardBundle(cards))]);
  const record = invites.markUsed(m.id, now, joiner.card.wgPublicKey, { hash: reqHash, reply });
  return { kind: "accepted", reply, joiner, record };
}

const HEADER_OVERHEAD = 12 + KEY_LEN + 16 + 4 + 2;

/** Joiner side outcome for one received datagram. */
export type JoinFinished =
  /** Paired: pin `inviter.card.signPublicKey`, offer it and each of `cards` to the CardStore. */
  | { kind: "joined"; inviter: SignedCard; cards: Uint8Array[] }
  /** The inviter refused (unauthenticated hint: keep listening until the retry budget ends). */
  | { kind: "rejected"; code: PeerErrorCode; message: string }
  /** A response for our invite that failed authentication (forged, or from another router). */
  | { kind: "invalid"; message: string };

/** Joiner side: consume a datagram; null when it is not about our join. */
export function finishJoin(state: JoinState, bytes: Uint8Array): JoinFinished | null {
  const m = decodeJoinMessage(bytes);
  if (m === null || m.id !== state.invite.id || m.kind === "request") return null;
  if (m.kind === "reject") {
    return { kind: "rejected", code: m.code, message: rejectMessage(m.code, state.invite) };
  }
  const ss = state.ss.copy();
  ss.mixHash(m.header);
  ss.mixHash(m.ephemeral);
  const ee = dh(state.ephemeralPrivate, m.ephemeral), se = dh(state.keys.wgPrivateKey, m.ephemeral);
  if (ee === null || se === null) {
    return { kind: "invalid", message: "Join response carries an unusable X25519 key" };
  }
  ss.mixKey(ee);
  const plain = ss.open(ss.mixKey(se), m.sealedPayload);
  if (plain === null) {
    return {
      kind: "invalid",
      message: "Join response failed authentication: not from the inviter the token names",
    };
  }
  const bundle = decodeCardBundle(plain);
  if (bundle === null || bundle[0] === undefined) {
    return { kind: "invalid", message: "Join response does not carry the inviter's card" };
  }
  let inviter: SignedCard;
  try {
    inviter = verifyCard(bundle[0]);
  } catch (e) {
    return { kind: "invalid", message: `Join response carries a bad card: ${errorMessage(e)}` };
  }
  if (
    inviter.card.wgPublicKey !== state.invite.wgPublicKey ||
    inviter.card.signPublicKey !== state.invite.signPublicKey
  ) {
    return {
      kind: "invalid",
      message: "Join response card does not carry the keys the invite names",
    };
  }
  return { kind: "joined", inviter, cards: bundle.slice(1) };
}

/** What to tell the user for a reject code. */
export function rejectMessage(code: PeerErrorCode, invite: Invite): string {
  const who = invite.name === "" ? "The inviter" : `"${invite.name}"`;
  switch (code) {
    case "expired":
      return `${who} says the invite has expired: ask for a new one (punchctl invite)`;
    case "used":
      return `${who} says the invite was already used or revoked: each invite works once; ask for a new one`;
    case "unknown-invite":
      return `${who} does not know this invite: check you copied the newest token, or ask for a new one`;
    case "auth-failed":
      return `${who} could not authenticate the request: the token was altered; copy it again`;
    case "self":
      return `${who} says this is its own invite: run "punchctl join" on the other router`;
    default:
      return `${who} refused our card: update Punch on both routers and try again`;
  }
}
