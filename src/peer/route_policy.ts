/**
 * What a peer may route into the tunnel on this router (sans-I/O). A card (or an invite, or a
 * reply token) is signed by the peer, not by the owner: its subnets are routes the peer asks
 * for. Punch takes only private ranges from it, and never one that would take over something the
 * router already reaches (its WAN, its LANs, other connected routes, the way to the peer itself).
 */
import { type Cidr, formatCidr, ipFamily, networkOf, overlaps, parseCidr } from "../lib/net.ts";

/** Ranges a peer may route by default: RFC 1918, the CGNAT/overlay range (RFC 6598), IPv6 ULA. */
export const PEER_ROUTABLE = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
] as const;

/** A prefix the router reaches without the tunnel, and what it is (for the explanation). */
export interface ReachedPrefix {
  readonly prefix: string;
  /** e.g. "the WAN subnet", "the connected route on eth1". */
  readonly what: string;
}

export interface RouteRefusal {
  readonly subnet: string;
  readonly reason: string;
}

export interface RouteCheck {
  /** Canonical network prefixes that may be routed to the peer. */
  readonly accepted: string[];
  readonly refused: RouteRefusal[];
}

function parse(s: string): Cidr | null {
  try {
    return networkOf(parseCidr(s));
  } catch {
    return null;
  }
}

const ROUTABLE = PEER_ROUTABLE.map((s) => parseCidr(s));

/** Whether a whole prefix lies inside one of `PEER_ROUTABLE`. */
export function isPeerRoutable(c: Cidr): boolean {
  return ROUTABLE.some((r) => r.family === c.family && c.prefix >= r.prefix && overlaps(r, c));
}

/**
 * The routes the router already has outside the tunnel, as `ReachedPrefix`es: interface
 * subnets and routes (default routes left out: a default is refused on its own), plus the host
 * routes to the peer's endpoints (one host or several) where they are addresses.
 */
export function reachedWith(
  routes: readonly ReachedPrefix[],
  endpointHost: string | undefined | readonly string[],
): ReachedPrefix[] {
  const out = routes.filter((r) => parse(r.prefix)?.prefix !== 0);
  const hosts = typeof endpointHost === "string" ? [endpointHost] : endpointHost ?? [];
  for (const host of hosts) {
    const fam = ipFamily(host);
    if (fam === null) continue;
    out.push({
      prefix: `${host}/${fam === 4 ? 32 : 128}`,
      what: "the route to the peer's own endpoint",
    });
  }
  return out;
}

/**
 * Check the prefixes a peer's card asks for (host routes to its tunnel addresses and its LAN
 * subnets): only `PEER_ROUTABLE` ranges, never a default route, never overlapping `reached`.
 * @example checkPeerRoutes(["203.0.113.0/24"], [], "b").refused[0]?.reason // "... public ..."
 */
export function checkPeerRoutes(
  subnets: readonly string[],
  reached: readonly ReachedPrefix[],
  peerName: string,
): RouteCheck {
  const accepted: string[] = [];
  const refused: RouteRefusal[] = [];
  const who = peerName === "" ? "the peer" : `"${peerName}"`;
  for (const s of subnets) {
    const c = parse(s);
    if (c === null) {
      refused.push({ subnet: s, reason: `${who} asked to route "${s}", which is not a prefix` });
      continue;
    }
    const text = formatCidr(c);
    if (c.prefix === 0) {
      refused.push({
        subnet: text,
        reason: `${who} asked to route ${text}, a default route: a peer may never take this ` +
          `router's uplink, so it was left out`,
      });
      continue;
    }
    if (!isPeerRoutable(c)) {
      refused.push({
        subnet: text,
        reason: `${who} asked to route ${text}, which is not a private range: Punch routes ` +
          `only ${PEER_ROUTABLE.join(", ")} from peers, so it was left out`,
      });
      continue;
    }
    const hit = reached.find((r) => {
      const rc = parse(r.prefix);
      return rc !== null && overlaps(rc, c);
    });
    if (hit !== undefined) {
      refused.push({
        subnet: text,
        reason: `${who} asked to route ${text}, which overlaps ${hit.what} (${
          formatCidr(parse(hit.prefix)!)
        }): routing it into the tunnel would cut this router off it, so it was left out`,
      });
      continue;
    }
    if (!accepted.includes(text)) accepted.push(text);
  }
  return { accepted, refused };
}

/**
 * Allowed IPs the owner typed for a manual peer (`peer add`): any prefix the owner wants, but
 * never a default route (a full tunnel would carry the tunnel's own packets) nor one that
 * overlaps what the router reaches without the tunnel or holds the peer's endpoint. Returns
 * the first problem as a sentence, or null.
 */
export function manualRouteProblem(
  allowedIps: readonly string[],
  reached: readonly ReachedPrefix[],
): string | null {
  for (const s of allowedIps) {
    const c = parse(s);
    if (c === null) return `"${s}" is not a prefix`;
    const text = formatCidr(c);
    if (c.prefix === 0) {
      return `${text} would replace this router's default route with the tunnel (and removing ` +
        `the peer would leave it without one); Punch does not set up a full tunnel. Give the ` +
        `subnets to reach through this peer instead (for example its LAN, 192.168.2.0/24)`;
    }
    for (const r of reached) {
      const rc = parse(r.prefix);
      if (rc === null || !overlaps(rc, c)) continue;
      const endpoint = r.what === "the route to the peer's own endpoint";
      return endpoint
        ? `${text} holds the peer's own endpoint ${rc.address}: its packets would loop into ` +
          `the tunnel. Leave that address out of --allowed-ips`
        : `${text} overlaps ${r.what} (${formatCidr(rc)}): routing it into the tunnel would cut ` +
          `this router off it. Give a subnet that does not overlap it`;
    }
  }
  return null;
}
