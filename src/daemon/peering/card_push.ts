/** Sans-I/O: where our cards go, how they are packed into datagrams, and who may send us some. */
import { encodeCardBundle, type SignedCard } from "../../peer/mod.ts";
import { bestEndpoint } from "./card_content.ts";
import type { PairedPeer } from "./peering_state.ts";

/** Largest card-bundle datagram (fits any path MTU, also inside the tunnel). */
export const BUNDLE_BYTES = 1200;

export interface PushTarget {
  host: string;
  port: number;
}

const hostOf = (address: string) => address.split("/")[0]!;

/**
 * Every peer's tunnel address and best public endpoint, on its control port (known from its
 * invite, else `defaultPort`): the tunnel while it is up, the endpoint when it is not.
 */
export function pushTargets(
  cards: readonly SignedCard[],
  paired: readonly PairedPeer[],
  defaultPort: number,
): PushTarget[] {
  const out = new Map<string, PushTarget>();
  const add = (wg: string, tunnel: readonly string[], endpoints: readonly string[]) => {
    const port = paired.find((p) => p.wgPublicKey === wg)?.controlPort ?? defaultPort;
    const t = tunnel[0];
    if (t !== undefined) out.set(`${hostOf(t)}:${port}`, { host: hostOf(t), port });
    const e = bestEndpoint(endpoints);
    if (e !== undefined) out.set(`${e.host}:${port}`, { host: e.host, port });
  };
  for (const c of cards) add(c.card.wgPublicKey, c.card.tunnelAddresses, c.card.endpoints);
  for (const p of paired) {
    if (cards.some((c) => c.card.wgPublicKey === p.wgPublicKey)) continue;
    add(p.wgPublicKey, p.tunnel ?? [], p.endpoints ?? []);
  }
  return [...out.values()];
}

/** Our card first, then every card we hold, in bundles of at most `BUNDLE_BYTES`. */
export function packBundles(own: SignedCard, cards: readonly SignedCard[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: SignedCard[] = [own];
  let size = 4 + own.bytes.length;
  for (const c of cards) {
    if (size + c.bytes.length + 2 > BUNDLE_BYTES && cur.length > 0) {
      out.push(encodeCardBundle(cur));
      cur = [];
      size = 4;
    }
    cur.push(c);
    size += c.bytes.length + 2;
  }
  if (cur.length > 0) out.push(encodeCardBundle(cur));
  return out;
}

/** True when `host` is a peer's tunnel address (WireGuard authenticated the datagram's source). */
export function isTunnelSource(
  host: string,
  cards: readonly SignedCard[],
  paired: readonly PairedPeer[],
): boolean {
  return cards.some((c) => c.card.tunnelAddresses.some((t) => hostOf(t) === host)) ||
    paired.some((p) => p.tunnel?.some((t) => hostOf(t) === host) ?? false);
}
