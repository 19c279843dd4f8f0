/**
 * Sans-I/O: nftables text that drops packets arriving on the WAN device with a source address
 * that belongs on the tunnel or the LAN. The control port trusts a peer's tunnel address
 * (WireGuard authenticated it); without this, a stranger on the WAN could claim one.
 */
import { type Cidr, contains, formatCidr, networkOf, overlaps, parseCidr } from "../lib/net.ts";
import { PEER_ROUTABLE } from "../peer/route_policy.ts";

const PRIVATE: Cidr[] = PEER_ROUTABLE.map((p) => parseCidr(p));

/**
 * Prefixes (CIDR, or plain addresses) that must never arrive from the WAN, by family. Only
 * private ones (RFC 1918, CGNAT, ULA) and none holding one of `wanAddresses`: a public prefix
 * routed to an exit peer, or an uplink in a private range, must never cut the router off.
 */
export function spoofPrefixes(
  prefixes: readonly string[],
  wanAddresses: readonly string[] = [],
): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>(), v6 = new Set<string>();
  for (const p of prefixes) {
    let c;
    try {
      c = parseCidr(p.includes("/") ? p : `${p}/${p.includes(":") ? 128 : 32}`);
    } catch {
      continue;
    }
    const inPrivate = PRIVATE.some((r) => r.prefix <= c.prefix && overlaps(r, c));
    if (!inPrivate || wanAddresses.some((w) => contains(c, w))) continue;
    (c.family === 4 ? v4 : v6).add(formatCidr(networkOf(c)));
  }
  return { v4: [...v4].sort(), v6: [...v6].sort() };
}

/**
 * The body of Punch's `antispoof` table, or null when there is nothing to guard (no WAN
 * device, no prefix). Sets use `auto-merge` so overlapping prefixes are fine.
 */
export function antiSpoofNft(
  wanDevice: string | undefined,
  prefixes: readonly string[],
  wanAddresses: readonly string[] = [],
): string | null {
  const { v4, v6 } = spoofPrefixes(prefixes, wanAddresses);
  if (!wanDevice || (v4.length === 0 && v6.length === 0)) return null;
  const dev = JSON.stringify(wanDevice);
  const set = (name: string, type: string, xs: string[]) =>
    `  set ${name} {\n    type ${type}\n    flags interval\n    auto-merge\n` +
    (xs.length > 0 ? `    elements = { ${xs.join(", ")} }\n` : "") + `  }`;
  return [
    set("tunnel4", "ipv4_addr", v4),
    set("tunnel6", "ipv6_addr", v6),
    "  chain prerouting {",
    "    type filter hook prerouting priority raw; policy accept;",
    `    iifname ${dev} ip saddr @tunnel4 counter drop comment "tunnel or LAN source on the WAN"`,
    `    iifname ${dev} ip6 saddr @tunnel6 counter drop comment "tunnel or LAN source on the WAN"`,
    "  }",
  ].join("\n");
}
