/** The first hops towards a STUN server (from traceroute) and what they say about CGNAT, sans-I/O. */

import { isCgnatV4, isIPv4, isPrivateV4 } from "../lib/net.ts";

/** How many hops are worth looking at: home modem, carrier NAT, a spare. */
export const MAX_PATH_HOPS = 4;

/**
 * Hop addresses from `traceroute -n` text, indexed by TTL - 1; null where the hop did not answer.
 * @example parseTraceroute(" 1  10.0.5.1  0.1 ms\n 2  *\n") // ["10.0.5.1", null]
 */
export function parseTraceroute(text: string): (string | null)[] {
  const hops: (string | null)[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\d{1,2})\s+(.*)$/.exec(line);
    if (!m) continue;
    const ttl = Number(m[1]);
    if (ttl < 1 || ttl > 64 || ttl !== hops.length + 1) continue;
    const ip = m[2]!.split(/\s+/).find((t) => isIPv4(t)) ?? null;
    hops.push(ip);
  }
  return hops;
}

/** A hop in the RFC 6598 shared space before any public hop: a carrier-grade NAT on the path. */
export interface CgnatHop {
  ttl: number;
  address: string;
}

/**
 * The first hop in 100.64.0.0/10 seen before the path reaches a public address, if any.
 * @example findCgnatHop(["10.0.5.1", "100.64.1.1", "203.0.113.3"]) // { ttl: 2, address: "100.64.1.1" }
 */
export function findCgnatHop(hops: readonly (string | null)[]): CgnatHop | undefined {
  for (let i = 0; i < Math.min(hops.length, MAX_PATH_HOPS); i++) {
    const h = hops[i];
    if (h === null || h === undefined) continue;
    if (isCgnatV4(h)) return { ttl: i + 1, address: h };
    if (!isPrivateV4(h)) return undefined;
  }
  return undefined;
}
