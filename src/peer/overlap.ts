import { type Cidr, formatCidr, networkOf, overlaps, parseCidr } from "../lib/net.ts";

/** One clash between our subnets and a peer's, with a sentence for the user. */
export interface Overlap {
  readonly ours: string;
  readonly theirs: string;
  readonly explanation: string;
}

function tryCidr(s: string): Cidr | null {
  try {
    return networkOf(parseCidr(s));
  } catch {
    return null;
  }
}

/**
 * Subnets of ours that share addresses with the peer's (LAN subnets, or tunnel addresses), each
 * explained; unparsable entries are skipped (the card codecs have already validated them).
 * @example findOverlaps(["192.168.1.0/24"], ["192.168.1.0/24"], "berlin")[0]?.ours === "192.168.1.0/24"
 */
export function findOverlaps(
  ours: readonly string[],
  theirs: readonly string[],
  peerName = "the peer",
): Overlap[] {
  const out: Overlap[] = [];
  for (const a of ours) {
    const ca = tryCidr(a);
    if (ca === null) continue;
    for (const b of theirs) {
      const cb = tryCidr(b);
      if (cb === null || !overlaps(ca, cb)) continue;
      const [o, t] = [formatCidr(ca), formatCidr(cb)];
      const what = o === t
        ? `This router and ${peerName} both use ${o}`
        : `${peerName}'s ${t} overlaps this router's ${o}`;
      out.push({
        ours: o,
        theirs: t,
        explanation:
          `${what}: an address in it could be a host on either side, so routing it through the ` +
          `tunnel would cut off local hosts. Renumber one of the LANs (for example to a free 192.168.x.0/24) or leave that subnet out of the peering`,
      });
    }
  }
  return out;
}

/**
 * Tunnel addresses claimed by both routers (same host address, prefix ignored), e.g. both on
 * 10.77.0.1: one of them must pick another address before the peering can work.
 * @example findAddressClashes(["10.77.0.1/16"], ["10.77.0.1/16"]) // ["10.77.0.1"]
 */
export function findAddressClashes(ours: readonly string[], theirs: readonly string[]): string[] {
  const host = (s: string): string | null => {
    try {
      return parseCidr(s).address;
    } catch {
      return null;
    }
  };
  const mine = new Set(ours.map(host).filter((x): x is string => x !== null));
  return [...new Set(theirs.map(host).filter((x): x is string => x !== null && mine.has(x)))];
}
