/** A `wg-quick` configuration for a LAN host that has no WireGuard setup yet. */

import { type Endpoint, formatEndpoint } from "../lib/net.ts";

/** One `[Peer]` section. */
export interface HostConfigPeer {
  readonly publicKey: string;
  readonly endpoint?: Endpoint;
  readonly allowedIps: readonly string[];
  readonly persistentKeepalive?: number;
  readonly presharedKey?: string;
}

/** What goes into the file. */
export interface HostConfig {
  readonly privateKey: string;
  /** Tunnel addresses with prefix, e.g. `10.99.0.2/32`. */
  readonly addresses: readonly string[];
  readonly listenPort?: number;
  readonly dns?: readonly string[];
  readonly mtu?: number;
  readonly peers: readonly HostConfigPeer[];
}

/**
 * The config text as `wg-quick` reads it (`/etc/wireguard/wg0.conf`); the peer's endpoint is
 * the public endpoint Punch published for the remote host.
 * @example renderHostConfig({ privateKey, addresses: ["10.99.0.2/32"], listenPort: 51820, peers: [] })
 */
export function renderHostConfig(c: HostConfig): string {
  const lines = ["[Interface]", `PrivateKey = ${c.privateKey}`];
  if (c.addresses.length > 0) lines.push(`Address = ${c.addresses.join(", ")}`);
  if (c.listenPort !== undefined) lines.push(`ListenPort = ${c.listenPort}`);
  if (c.dns && c.dns.length > 0) lines.push(`DNS = ${c.dns.join(", ")}`);
  if (c.mtu !== undefined) lines.push(`MTU = ${c.mtu}`);
  for (const p of c.peers) {
    lines.push("", "[Peer]", `PublicKey = ${p.publicKey}`);
    if (p.presharedKey !== undefined) lines.push(`PresharedKey = ${p.presharedKey}`);
    lines.push(`AllowedIPs = ${p.allowedIps.join(", ")}`);
    if (p.endpoint) lines.push(`Endpoint = ${formatEndpoint(p.endpoint)}`);
    if (p.persistentKeepalive !== undefined) {
      lines.push(`PersistentKeepalive = ${p.persistentKeepalive}`);
    }
  }
  for (const line of lines) {
    if (/[\r\n]/.test(line)) {
      throw new RangeError(`Cannot write WireGuard config: line break in "${line}"`);
    }
  }
  return lines.join("\n") + "\n";
}
