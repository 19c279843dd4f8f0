// Deterministic routers, cards and randomness for the peer tests and vectors.
import { sha256 } from "@noble/hashes/sha2.js";
import { toBase64 } from "../../src/lib/base64.ts";
import { concat, utf8 } from "../../src/lib/bytes.ts";
import { type Random, type RouterKeys, routerKeys } from "../../src/peer/identity.ts";
import { type PeerCard, signCard, type SignedCard } from "../../src/peer/peer_card.ts";

/** Same seed, same bytes: a counter-mode SHA-256 stream. */
export function seededRandom(seed: string): Random {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = sha256(
        concat([utf8.encode(seed), new Uint8Array([counter >> 8, counter & 255])]),
      );
      counter++;
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}

export interface TestRouter {
  readonly keys: RouterKeys;
  readonly wg: string;
  readonly sign: string;
  readonly card: PeerCard;
  readonly signed: SignedCard;
}

/** Noon UTC, 25 Nov 2026: the fixed "now" of the tests. */
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

export function makeRouter(name: string, extra: Partial<PeerCard> = {}): TestRouter {
  const rand = seededRandom(`router ${name}`);
  const wgPriv = rand(32);
  wgPriv[0]! &= 248;
  wgPriv[31]! = (wgPriv[31]! & 127) | 64;
  const keys = routerKeys(toBase64(wgPriv), toBase64(rand(32)));
  const wg = toBase64(keys.wgPublicKey), sign = toBase64(keys.signPublicKey);
  const n = name.length;
  const card: PeerCard = {
    wgPublicKey: wg,
    signPublicKey: sign,
    name,
    seq: 1,
    endpoints: [`198.51.100.${n}:51820`, `[2001:db8::${n}]:51820`],
    tunnelAddresses: [`10.77.0.${n}/16`],
    lanSubnets: [`192.168.${n}.0/24`],
    issuedAt: NOW - 60_000,
    ...extra,
  };
  return { keys, wg, sign, card, signed: signCard(card, keys.signSeed) };
}

/** Flip one bit of byte `i` (a copy). */
export function flip(b: Uint8Array, i: number, bit = 1): Uint8Array {
  const c = b.slice();
  c[i]! ^= bit;
  return c;
}

/** Run `f` and return the error's class name ("ok" when it returns). */
export function outcome(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as Error).name;
  }
}
