/**
 * Which of a peer's endpoint candidates to try, best first, and when to move on (sans-I/O).
 * Moving changes the WireGuard endpoint only: sessions and keys stay.
 */
import {
  contains,
  formatEndpoint,
  ipFamily,
  isPrivateV4,
  parseCidr,
  parseEndpoint,
} from "../lib/net.ts";

const ULA = parseCidr("fc00::/7");

/** Private or shared (CGNAT) IPv4, or IPv6 unique-local: an address only a local network has. */
function isLocalAddress(host: string, fam: 4 | 6): boolean {
  return fam === 4 ? isPrivateV4(host) : contains(ULA, host);
}

/**
 * Best first: a private address on a network we reach without the internet (same LAN, or same
 * upstream network behind one NAT), IPv6 (no NAT), public IPv4.
 */
export type CandidateKind = "same-lan" | "ipv6" | "ipv4";

export interface Candidate {
  /** `host:port` or `[v6]:port`, as WireGuard takes it. */
  endpoint: string;
  kind: CandidateKind;
}

export interface RankContext {
  /** Prefixes this router reaches without the internet (connected subnets, routes; no default). */
  ownSubnets: readonly string[];
  /** This router has a global IPv6 address (else IPv6 candidates are useless). */
  haveV6: boolean;
  /**
   * Our public IPv4 (netcheck), if known. A peer's private address counts only when the peer's
   * public IPv4 is the same: both behind one NAT. Two homes whose modems both hand out
   * 192.168.1.0/24 are not one network.
   */
  publicV4?: string | undefined;
}

/** The public IPv4 literals among endpoints (no private, CGNAT or names), in order. */
export function publicV4s(endpoints: readonly string[]): string[] {
  return endpoints.flatMap((e) => {
    try {
      const { host } = parseEndpoint(e);
      return ipFamily(host) === 4 && !isPrivateV4(host) ? [host] : [];
    } catch {
      return [];
    }
  });
}

const ORDER: Record<CandidateKind, number> = { "same-lan": 0, ipv6: 1, ipv4: 2 };

/**
 * A card's endpoints as candidates, best first (stable within a kind). DNS names are left out:
 * the configured endpoint covers them.
 * @example rankCandidates(["203.0.113.20:51820", "[2001:db8::20]:51820"], { ownSubnets: [], haveV6: true })
 * // [{ endpoint: "[2001:db8::20]:51820", kind: "ipv6" }, { endpoint: "203.0.113.20:51820", kind: "ipv4" }]
 */
export function rankCandidates(endpoints: readonly string[], ctx: RankContext): Candidate[] {
  const subnets = ctx.ownSubnets.flatMap((s) => {
    try {
      const c = parseCidr(s);
      return c.prefix === 0 ? [] : [c];
    } catch {
      return [];
    }
  });
  const out: Candidate[] = [];
  const theirPublic = publicV4s(endpoints);
  const oneUpstream = theirPublic.length === 0 ||
    (ctx.publicV4 !== undefined && theirPublic.includes(ctx.publicV4));
  for (const e of endpoints) {
    let ep;
    try {
      ep = parseEndpoint(e);
    } catch {
      continue;
    }
    const fam = ipFamily(ep.host);
    if (fam === null) continue;
    const endpoint = formatEndpoint(ep);
    if (out.some((c) => c.endpoint === endpoint)) continue;
    // A public address in our WAN subnet is not "same LAN": it may be the peer's NAT, which filters.
    if (isLocalAddress(ep.host, fam)) {
      // Only a network we are on, behind the same public address; elsewhere it is not theirs.
      const ours = subnets.some((s) => s.family === fam && contains(s, ep.host));
      if (ours && oneUpstream) out.push({ endpoint, kind: "same-lan" });
      continue;
    }
    if (fam === 6 && ctx.haveV6) out.push({ endpoint, kind: "ipv6" });
    else if (fam === 4) out.push({ endpoint, kind: "ipv4" });
  }
  return out.map((c, i) => ({ c, i }))
    .sort((x, y) => ORDER[x.c.kind] - ORDER[y.c.kind] || x.i - y.i)
    .map((x) => x.c);
}

/** Move to the next candidate when the current one gives no handshake for this long. */
export const SWITCH_AFTER_MS = 5000;
/**
 * A handshake older than this means the path died: with traffic (Punch's keepalive) WireGuard
 * renews the session every 120 s, and gives up retrying a little after.
 */
export const DEAD_AFTER_MS = 150_000;

interface PeerState {
  sig: string;
  /** -1: leave the endpoint as it is (the tunnel worked when we first saw it). */
  index: number;
  since: number;
}

/** What the chooser needs about one peer, each pass. */
export interface ChoiceInput {
  publicKey: string;
  candidates: readonly Candidate[];
  /** Latest handshake (ms since the epoch; 0 = never). */
  latestHandshakeMs: number;
  /** Where WireGuard sends now (`wg show` endpoint), if anywhere. */
  liveEndpoint?: string | undefined;
}

/** Per-peer candidate cursor, in RAM. */
export class PathChooser {
  private readonly peers = new Map<string, PeerState>();

  constructor(private readonly switchAfterMs = SWITCH_AFTER_MS) {}

  /**
   * The candidate to use now, or undefined to leave the endpoint alone (no candidates, or a
   * working tunnel found on first sight on an endpoint that is not a candidate).
   */
  step(i: ChoiceInput, nowMs: number): Candidate | undefined {
    const n = i.candidates.length;
    if (n === 0) {
      this.peers.delete(i.publicKey);
      return undefined;
    }
    const alive = i.latestHandshakeMs > 0 && nowMs - i.latestHandshakeMs < DEAD_AFTER_MS;
    const sig = i.candidates.map((c) => c.endpoint).join(" ");
    let s = this.peers.get(i.publicKey);
    if (s === undefined || s.sig !== sig) {
      // New peer or new candidates: a working tunnel stays where it is, otherwise start at the best.
      const live = i.candidates.findIndex((c) => c.endpoint === i.liveEndpoint);
      s = { sig, index: alive ? live : 0, since: nowMs };
      this.peers.set(i.publicKey, s);
    }
    if (!alive && nowMs - s.since >= this.switchAfterMs) {
      s.index = (s.index + 1) % n;
      s.since = nowMs;
    }
    return s.index < 0 ? undefined : i.candidates[s.index];
  }

  /** Whether `publicKey` has a cursor already. */
  knows(publicKey: string): boolean {
    return this.peers.has(publicKey);
  }

  /** Forget peers not in `keys`. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of this.peers.keys()) if (!keys.has(k)) this.peers.delete(k);
  }
}
