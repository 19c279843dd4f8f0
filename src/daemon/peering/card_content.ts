/**
 * Sans-I/O pieces of peering: our card's content from the router's state, the best endpoint of a
 * peer, and the allowed IPs to route to it (with overlapping subnets explained or left out).
 */
import {
  contains,
  type Endpoint,
  formatCidr,
  ipFamily,
  isPrivateV4,
  networkOf,
  parseCidr,
  parseEndpoint,
} from "../../lib/net.ts";
import { UsageError } from "../../lib/errors.ts";
import {
  checkPeerRoutes,
  encodeNatHint,
  findAddressClashes,
  findOverlaps,
  type Introduction,
  MAX_LIST,
  type NatHint,
  type PeerCard,
  type ReachedPrefix,
  reachedWith,
  type RouteRefusal,
} from "../../peer/mod.ts";
import type { NetcheckReport } from "../../nat/netcheck_report.ts";
import { inboundFrom } from "../../nat/inbound.ts";

/** What our card is made from. */
export interface CardInputs {
  wgPublicKey: string;
  signPublicKey: string;
  name: string;
  listenPort: number;
  wanAddress?: string;
  wanV6: readonly string[];
  report?: NetcheckReport;
  dnsName?: string;
  tunnelAddresses: readonly string[];
  lanSubnets: readonly string[];
  introduces: readonly Introduction[];
  /** Our LAN hosts' public endpoints (LAN assist), so peers open pinholes for them. */
  lanHosts?: readonly { name: string; publicEndpoint: string }[];
}

/**
 * Endpoint candidates, best first: the public IPv4 (netcheck's, else a public WAN address) with
 * the WireGuard listen port, the DNS name, global IPv6, then a private WAN address: a router
 * behind the same upstream NAT reaches us there when the NAT does not hairpin (peers use it only
 * when they share our public address, `rankCandidates`).
 */
export function endpointCandidates(i: CardInputs): string[] {
  const out: string[] = [];
  const add = (host: string) => {
    const e = ipFamily(host) === 6 ? `[${host}]:${i.listenPort}` : `${host}:${i.listenPort}`;
    if (!out.includes(e) && out.length < MAX_LIST) out.push(e);
  };
  // A NAT in front may map the listen port differently; STUN from another socket cannot tell,
  // so the listen port is the best guess (right for port-preserving cone NATs and for no NAT).
  if (i.wanAddress !== undefined && !isPrivateV4(i.wanAddress)) add(i.wanAddress);
  const v4 = i.report?.publicV4?.host;
  if (v4 !== undefined && ipFamily(v4) === 4 && !isPrivateV4(v4)) add(v4);
  if (i.dnsName) add(i.dnsName.toLowerCase());
  for (const v6 of i.wanV6.slice(0, 2)) add(v6);
  if (i.wanAddress !== undefined && isPrivateV4(i.wanAddress)) add(i.wanAddress);
  return out;
}

/**
 * What our card tells about the NAT in front of us, from the netcheck report (undefined while
 * nothing is known): peers use it to ask for a relay at once where no direct path can exist.
 */
export function natHint(i: CardInputs): NatHint | undefined {
  const h: NatHint = {
    mapping: i.report?.mapping ?? "unknown",
    filtering: i.report?.filtering ?? "unknown",
    reachable: inboundFrom(i.wanAddress, i.report) === "reachable",
  };
  return encodeNatHint(h) === 0 ? undefined : h;
}

/** Our card's fields (without seq/issuedAt), to compare with the last signed one. */
export function cardBody(i: CardInputs): Omit<PeerCard, "seq" | "issuedAt"> {
  const nat = natHint(i);
  return {
    wgPublicKey: i.wgPublicKey,
    signPublicKey: i.signPublicKey,
    name: i.name,
    endpoints: endpointCandidates(i),
    tunnelAddresses: [...i.tunnelAddresses].slice(0, MAX_LIST),
    lanSubnets: [...i.lanSubnets].slice(0, MAX_LIST),
    introduces: [...i.introduces].slice(0, MAX_LIST),
    ...(i.lanHosts?.length ? { lanHosts: [...i.lanHosts].slice(0, MAX_LIST) } : {}),
    ...(nat ? { nat } : {}),
  };
}

/** True when two cards say the same thing (ignoring seq and issuedAt). */
export function sameBody(a: Omit<PeerCard, "seq" | "issuedAt">, b: PeerCard): boolean {
  const key = (c: Omit<PeerCard, "seq" | "issuedAt">) =>
    JSON.stringify([
      c.wgPublicKey,
      c.signPublicKey,
      c.name,
      c.endpoints,
      c.tunnelAddresses,
      c.lanSubnets,
      c.introduces ?? [],
      c.lanHosts ?? [],
      c.nat ? encodeNatHint(c.nat) : 0,
    ]);
  return key(a) === key(b);
}

/**
 * The endpoint to configure for a peer: first public IPv4 literal, else a DNS name, else IPv6.
 * Never a private IPv4: that one is only for a router behind the same NAT (the path chooser's).
 */
export function bestEndpoint(endpoints: readonly string[]): Endpoint | undefined {
  const parsed = endpoints.flatMap((e) => {
    try {
      return [parseEndpoint(e)];
    } catch {
      return [];
    }
  });
  return parsed.find((e) => ipFamily(e.host) === 4 && !isPrivateV4(e.host)) ??
    parsed.find((e) => ipFamily(e.host) === null) ??
    parsed.find((e) => ipFamily(e.host) === 6);
}

/**
 * Where a join request goes: every host of the invite except private IPv4 addresses outside the
 * networks we are on (`reached`: prefixes), which belong to somebody else's network.
 */
export function joinHosts(endpoints: readonly string[], reached: readonly string[]): string[] {
  const nets = reached.flatMap((r) => {
    try {
      const c = parseCidr(r);
      return c.family === 4 && c.prefix > 0 ? [c] : [];
    } catch {
      return [];
    }
  });
  const hosts = endpoints.flatMap((e) => {
    try {
      return [parseEndpoint(e).host];
    } catch {
      return [];
    }
  });
  return [...new Set(hosts)].filter((h) =>
    ipFamily(h) !== 4 || !isPrivateV4(h) || nets.some((n) => contains(n, h))
  );
}

/** A tunnel address as a host route (`10.77.1.2/16` → `10.77.1.2/32`). */
export function hostRoute(address: string): string {
  const c = parseCidr(address);
  return `${c.address}/${c.family === 4 ? 32 : 128}`;
}

/** Allowed IPs for a peer, and the subnets left out because they overlap ours. */
export interface RoutePlan {
  allowedIps: string[];
  leftOut: string[];
  explanations: string[];
  /** Prefixes the route policy refused (public, default, or taking over a route we have). */
  refused: RouteRefusal[];
}

/**
 * Plan the routes to a peer. Tunnel-address clashes always refuse; overlapping LAN subnets
 * refuse unless `allowOverlap`, which leaves them out. Throws `UsageError` with the explanation.
 */
export function planRoutes(
  ours: {
    tunnelAddresses: readonly string[];
    lanSubnets: readonly string[];
    /** Subnets already routed to other peers (a mesh member must not steal them). */
    routed?: readonly { peer: string; subnets: readonly string[] }[];
    /** What the router reaches without the tunnel (`SystemBackend.reached`); the peer may not take it. */
    reached?: readonly ReachedPrefix[];
  },
  theirs: {
    name: string;
    tunnelAddresses: readonly string[];
    lanSubnets: readonly string[];
    endpoints?: readonly string[];
  },
  allowOverlap: boolean,
): RoutePlan {
  const who = theirs.name === "" ? "the peer" : `"${theirs.name}"`;
  const clashes = findAddressClashes(ours.tunnelAddresses, theirs.tunnelAddresses);
  if (clashes.length > 0) {
    throw new UsageError(
      `Cannot pair with ${who}: both routers use tunnel address ${clashes.join(", ")}; change ` +
        `one router's address (network.wg0.addresses) and make a new invite`,
    );
  }
  // What a peer may route at all comes first: refused prefixes are not "overlaps" to renumber.
  // Every address the peer may be reached at (a private one too: same upstream network).
  const endpoint = (theirs.endpoints ?? []).flatMap((e) => {
    try {
      return [parseEndpoint(e).host];
    } catch {
      return [];
    }
  });
  const candidates = [
    ...new Set([...theirs.tunnelAddresses.map(hostRoute), ...theirs.lanSubnets.map(netOf)]),
  ];
  const check = checkPeerRoutes(candidates, reachedWith(ours.reached ?? [], endpoint), theirs.name);
  const refusedSet = new Set(check.refused.map((r) => r.subnet));
  const theirLans = theirs.lanSubnets.filter((s) => !refusedSet.has(netOf(s)));
  const overlaps = [
    ...findOverlaps(ours.lanSubnets, theirLans, who),
    ...findOverlaps(ours.tunnelAddresses.map(netOf), theirLans, who),
    ...(ours.routed ?? []).flatMap((r) =>
      findOverlaps(r.subnets, theirLans, who).map((o) => ({
        ...o,
        explanation: `${who}'s ${o.theirs} overlaps ${o.ours}, which this router already routes ` +
          `to "${r.peer}": one of the two sites must renumber its LAN before both can be reached`,
      }))
    ),
  ];
  if (overlaps.length > 0 && !allowOverlap) {
    throw new UsageError(
      overlaps.map((o) => o.explanation).join("; ") +
        ". To pair anyway without routing those subnets, add --allow-overlap",
    );
  }
  const leftOut = [...new Set(overlaps.map((o) => o.theirs))];
  return {
    allowedIps: check.accepted.filter((s) => !leftOut.includes(s)),
    leftOut,
    explanations: overlaps.map((o) => o.explanation),
    refused: check.refused,
  };
}

function netOf(s: string): string {
  return formatCidr(networkOf(parseCidr(s)));
}
