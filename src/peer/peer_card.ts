/**
 * Peer cards: a router's signed, sequence-numbered description of itself. Binary layout (all
 * integers big-endian):
 *   "PC" 0x01 | wg key 32 | sign key 32 | seq u64 | issuedAt u64 (ms) | name | endpoints |
 *   tunnel addresses | LAN subnets | LAN hosts (name, endpoint) | introduces (wg 32, sign 32) |
 *   [NAT hint u8, only when known: `nat_hint.ts`] | Ed25519 signature 64 over "punch card v1\0" + everything before it.
 */
import { ed25519 } from "./ed25519.ts";
import { decodeNatHint, encodeNatHint, type NatHint } from "./nat_hint.ts";
import { toBase64 } from "../lib/base64.ts";
import { concat, equalBytes, Reader, utf8, Writer } from "../lib/bytes.ts";
import { ParseError, UsageError } from "../lib/errors.ts";
import { KEY_LEN, keyFromBase64 } from "./identity.ts";
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

const MAGIC = [0x50, 0x43, 0x01]; // "PC", version 1
const SIG_CONTEXT = utf8.encode("punch card v1\0");
/** Ed25519 signature length. */
export const SIGNATURE_LEN = 64;

/** A host behind the router that Punch exposes for hole punching (issue 5). */
export interface LanHost {
  readonly name: string;
  readonly publicEndpoint: string;
}

/** A peer this router vouches for: it paired with it and saw it prove both keys. */
export interface Introduction {
  readonly wgPublicKey: string;
  readonly signPublicKey: string;
}

/** A router's description of itself (public keys base64 as `wg` prints them). */
export interface PeerCard {
  readonly wgPublicKey: string;
  readonly signPublicKey: string;
  readonly name: string;
  /** Higher replaces lower; see `card_seq.ts` (a stored epoch, a RAM counter). */
  readonly seq: number;
  /** HOST:PORT candidates for the WireGuard endpoint. */
  readonly endpoints: readonly string[];
  readonly tunnelAddresses: readonly string[];
  readonly lanSubnets: readonly string[];
  readonly lanHosts?: readonly LanHost[];
  /** Peers this router introduces to the mesh (peer exchange trust, see CardStore). */
  readonly introduces?: readonly Introduction[];
  /** When the card was signed, ms since the epoch (informational; order is by `seq`). */
  readonly issuedAt: number;
  /** The NAT in front of the router, as its netcheck saw it (absent: not known). */
  readonly nat?: NatHint;
}

/** A card together with its exact signed bytes (forward the bytes, never a re-encoding). */
export interface SignedCard {
  readonly card: PeerCard;
  readonly bytes: Uint8Array;
}

function writeU53(w: Writer, n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`Cannot encode card ${what} "${n}": must be a whole number ≥ 0`);
  }
  w.u64(BigInt(n));
}

function readU53(r: Reader, what: string): number {
  const v = r.u64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParseError(`Cannot read card: ${what} ${v} is too large`);
  }
  return Number(v);
}

function encodeBody(c: PeerCard): Uint8Array {
  const w = new Writer();
  w.bytes(new Uint8Array(MAGIC));
  w.bytes(keyFromBase64(c.wgPublicKey, "WireGuard public key")).bytes(
    keyFromBase64(c.signPublicKey, "signing public key"),
  );
  writeU53(w, c.seq, "seq");
  writeU53(w, c.issuedAt, "issuedAt");
  writeName(w, c.name, "router name");
  writeList(w, c.endpoints, "endpoints", writeEndpoint);
  writeList(w, c.tunnelAddresses, "tunnel addresses", writeAddress);
  writeList(w, c.lanSubnets, "LAN subnets", writeSubnet);
  writeList(w, c.lanHosts ?? [], "LAN hosts", (w, h) => {
    writeName(w, h.name, "LAN host name");
    writeEndpoint(w, h.publicEndpoint);
  });
  writeList(w, c.introduces ?? [], "introductions", (w, i) => {
    w.bytes(keyFromBase64(i.wgPublicKey, "introduced WireGuard key")).bytes(
      keyFromBase64(i.signPublicKey, "introduced signing key"),
    );
  });
  const hint = c.nat ? encodeNatHint(c.nat) : 0;
  if (hint !== 0) w.u8(hint);
  return w.finish();
}

/**
 * Sign a card with the router's Ed25519 seed; `card.signPublicKey` must be that seed's key.
 * @example const sc = signCard(card, keys.signSeed); decodeCard(sc.bytes).card.seq === card.seq
 */
export function signCard(card: PeerCard, signSeed: Uint8Array): SignedCard {
  const body = encodeBody(card);
  if (
    !equalBytes(
      ed25519.getPublicKey(signSeed),
      keyFromBase64(card.signPublicKey, "signing public key"),
    )
  ) {
    throw new UsageError("Cannot sign card: its signPublicKey is not this router's signing key");
  }
  const sig = ed25519.sign(concat([SIG_CONTEXT, body]), signSeed);
  return decodeCard(concat([body, sig]));
}

/** Decode a signed card without checking the signature (`verifyCard` checks it). */
export function decodeCard(bytes: Uint8Array): SignedCard {
  const r = new Reader(bytes);
  const magic = r.take(3);
  if (magic[0] !== MAGIC[0] || magic[1] !== MAGIC[1]) {
    throw new ParseError("Cannot read peer card: wrong magic");
  }
  if (magic[2] !== MAGIC[2]) {
    throw new ParseError(
      `Cannot read peer card: version ${magic[2]} is not supported; update Punch`,
    );
  }
  const wg = toBase64(readBytes(r, KEY_LEN)), sign = toBase64(readBytes(r, KEY_LEN));
  const seq = readU53(r, "seq"), issuedAt = readU53(r, "issuedAt");
  const name = readName(r, "router name");
  const endpoints = readList(r, "endpoints", readEndpoint);
  const tunnelAddresses = readList(r, "tunnel addresses", readAddress);
  const lanSubnets = readList(r, "LAN subnets", readSubnet);
  const lanHosts = readList(
    r,
    "LAN hosts",
    (r) => ({ name: readName(r, "LAN host name"), publicEndpoint: readEndpoint(r) }),
  );
  const introduces = readList(r, "introductions", (r) => ({
    wgPublicKey: toBase64(readBytes(r, KEY_LEN)),
    signPublicKey: toBase64(readBytes(r, KEY_LEN)),
  }));
  // Cards from before the hint end here; a hint byte of 0 is not canonical (caught below).
  const nat = r.remaining > SIGNATURE_LEN ? decodeNatHint(r.u8()) : undefined;
  r.take(SIGNATURE_LEN);
  expectEnd(r, "peer card");
  const card: PeerCard = {
    wgPublicKey: wg,
    signPublicKey: sign,
    name,
    seq,
    endpoints,
    tunnelAddresses,
    lanSubnets,
    ...(lanHosts.length > 0 ? { lanHosts } : {}),
    ...(introduces.length > 0 ? { introduces } : {}),
    issuedAt,
    ...(nat !== undefined ? { nat } : {}),
  };
  let again: Uint8Array | null;
  try {
    again = encodeBody(card);
  } catch {
    again = null;
  }
  if (again === null || !equalBytes(again, bytes.subarray(0, bytes.length - SIGNATURE_LEN))) {
    throw new ParseError("Cannot read peer card: not in canonical form");
  }
  return { card, bytes: bytes.slice() };
}

/** Decode a card and check its Ed25519 signature; throws `RangeError`/`ParseError` otherwise. */
export function verifyCard(input: Uint8Array | SignedCard): SignedCard {
  const sc = decodeCard(input instanceof Uint8Array ? input : input.bytes);
  const body = sc.bytes.subarray(0, sc.bytes.length - SIGNATURE_LEN);
  const sig = sc.bytes.subarray(sc.bytes.length - SIGNATURE_LEN);
  let ok = false;
  try {
    ok = ed25519.verify(
      sig,
      concat([SIG_CONTEXT, body]),
      keyFromBase64(sc.card.signPublicKey, "signing key"),
      { zip215: false },
    );
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ParseError(
      `Peer card of "${sc.card.name}" has a bad signature: it was altered or forged; it is ignored`,
    );
  }
  return sc;
}
