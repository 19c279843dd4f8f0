/**
 * Peer names in the router's DNS: the hosts file punchd keeps for dnsmasq, pure. Each enabled
 * peer with a name and this router itself resolve as `NAME.<domain>` to their tunnel addresses
 * (the host addresses among a peer's allowed IPs that lie in the interface's own prefixes).
 */
import { type Cidr, contains, parseCidr } from "../lib/net.ts";
import type { WgInterfaceModel } from "../uci/mod.ts";

/** A name as one DNS label: lowercase letters, digits and `-`, at most 63; null when none is left. */
export function dnsLabel(name: string): string | null {
  const l = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63)
    .replace(/-+$/, "");
  return l === "" ? null : l;
}

function hostAddress(allowed: string): string | null {
  try {
    const c = parseCidr(allowed);
    return c.prefix === (c.family === 4 ? 32 : 128) ? c.address : null;
  } catch {
    return null;
  }
}

/** `[address, fqdn]` lines for dnsmasq: this router first, then the peers; first name wins. */
export function dnsHostEntries(
  model: WgInterfaceModel,
  selfName: string,
  domain: string,
): [string, string][] {
  const nets: Cidr[] = model.addresses.flatMap((a) => {
    try {
      return [parseCidr(a)];
    } catch {
      return [];
    }
  });
  const out: [string, string][] = [];
  const taken = new Set<string>();
  const add = (name: string, addresses: string[]) => {
    const label = dnsLabel(name);
    if (label === null || taken.has(label) || addresses.length === 0) return;
    taken.add(label);
    for (const a of addresses) out.push([a, `${label}.${domain}`]);
  };
  add(selfName, model.addresses.map((a) => a.split("/")[0]!).filter((a) => a !== ""));
  for (const p of model.peers) {
    if (p.disabled) continue;
    const name = p.description || (p.anonymous ? "" : p.name);
    const mine = p.allowedIps.map(hostAddress).filter((a): a is string =>
      a !== null && nets.some((n) => contains(n, a))
    );
    add(name, mine);
  }
  return out;
}

/** The hosts file's text (a comment, then `ADDRESS NAME` lines). */
export function dnsHostsFile(entries: readonly [string, string][]): string {
  return [
    "# Punch: paired routers by name (written by punchd, kept in RAM; see docs/config.md dns_domain)",
    ...entries.map(([a, n]) => `${a} ${n}`),
    "",
  ].join("\n");
}
