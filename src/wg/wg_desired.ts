import { formatCidr, networkOf, parseCidr } from "../lib/net.ts";

/** The WireGuard state Punch wants on one interface (no I/O; built from the UCI model). */
export interface WgDesired {
  ifname: string;
  privateKey: string;
  listenPort?: number;
  addresses: string[];
  mtu?: number;
  peers: WgDesiredPeer[];
}

export interface WgDesiredPeer {
  publicKey: string;
  presharedKey?: string;
  allowedIps: string[];
  /** `host:port`; a DNS name is resolved by `wg` when applied. */
  endpoint?: string;
  persistentKeepalive?: number;
  routeAllowedIps: boolean;
}

/** Canonical text of a prefix list as `wg show dump` prints it (network address, sorted). */
export function canonicalAllowedIps(list: readonly string[]): string[] {
  return [...new Set(list.map((s) => formatCidr(networkOf(parseCidr(s)))))].sort();
}

/** Routes the interface needs: allowed IPs of peers with `route_allowed_ips`, minus default-less duplicates. */
export function desiredRoutes(d: WgDesired): string[] {
  return canonicalAllowedIps(d.peers.filter((p) => p.routeAllowedIps).flatMap((p) => p.allowedIps));
}
