/**
 * Kernel forwarding for the relay (sans-I/O: nftables text and counter parsing). For an
 * allocation whose two sides are learned (A on our port Pa, B on our port Pb), packets
 * A → relay:Pa become relay:Pb → B, and B → relay:Pb become relay:Pa → A (DNAT in prerouting,
 * SNAT in postrouting, conntrack does the replies). A filter chain rate-limits and counts each
 * direction. WireGuard stays end to end: the relay never holds the pair's keys.
 */
import type { Allocation } from "./relay_alloc.ts";

/** Table of its own: a fw4 reload leaves it alone; replaced whole in one nft transaction. */
export const RELAY_TABLE = "ip punch_relay";
/** Packets per second per direction above which the relay drops (a WireGuard link at ~1 Gbit/s). */
export const RELAY_RATE_PPS = 100_000;

interface Flow {
  from: { host: string; port: number };
  to: { host: string; port: number };
}

/** Both directions of a learned allocation, after DNAT (what the forward chain sees). */
export function relayFlows(x: Allocation): Flow[] {
  const a = x.a.learned, b = x.b.learned;
  if (!a || !b) return [];
  return [{ from: a, to: b }, { from: b, to: a }];
}

function match(f: Flow): string {
  return `ip saddr ${f.from.host} udp sport ${f.from.port} ip daddr ${f.to.host} udp dport ${f.to.port}`;
}

/** The whole relay table for these allocations (only those with both sides learned). */
export function relayTableScript(relayAddress: string, allocs: readonly Allocation[]): string {
  const pre: string[] = [], post: string[] = [], fwd: string[] = [];
  for (const x of allocs) {
    const a = x.a.learned, b = x.b.learned;
    if (!a || !b) continue;
    pre.push(
      `ip saddr ${a.host} udp sport ${a.port} udp dport ${x.a.port} dnat to ${b.host}:${b.port}`,
      `ip saddr ${b.host} udp sport ${b.port} udp dport ${x.b.port} dnat to ${a.host}:${a.port}`,
    );
    post.push(
      `ip daddr ${b.host} udp dport ${b.port} ct original proto-dst ${x.a.port} snat to ${relayAddress}:${x.b.port}`,
      `ip daddr ${a.host} udp dport ${a.port} ct original proto-dst ${x.b.port} snat to ${relayAddress}:${x.a.port}`,
    );
    for (const f of relayFlows(x)) {
      fwd.push(
        `${
          match(f)
        } limit rate over ${RELAY_RATE_PPS}/second burst 10000 packets counter drop comment "relay ${x.id} over limit"`,
        `${match(f)} counter comment "relay ${x.id}"`,
      );
    }
  }
  const chain = (
    name: string,
    hook: string,
    rules: string[],
  ) => [
    `  chain ${name} {`,
    `    type ${hook}; policy accept;`,
    ...rules.map((r) => `    ${r}`),
    "  }",
  ];
  return [
    // Create-then-delete makes the script work whether the table exists or not.
    `table ${RELAY_TABLE} {}`,
    `delete table ${RELAY_TABLE}`,
    `table ${RELAY_TABLE} {`,
    ...chain("prerouting", "nat hook prerouting priority dstnat - 5", pre),
    ...chain("postrouting", "nat hook postrouting priority srcnat - 5", post),
    ...chain("forward", "filter hook forward priority filter - 5", fwd),
    "}",
    "",
  ].join("\n");
}

/** fw4 rules: WAN input to the allocated ports (learning), forward of the relayed flows. */
export function relayFirewall(
  allocs: readonly Allocation[],
): { input: string[]; forward: string[] } {
  const ports = allocs.flatMap((x) => (x.kernel ? [] : [x.a.port, x.b.port])).sort((p, q) => p - q);
  return {
    input: ports.length ? [`udp dport { ${ports.join(", ")} } counter accept`] : [],
    forward: allocs.flatMap((x) =>
      x.kernel ? relayFlows(x).map((f) => `${match(f)} counter accept`) : []
    ),
  };
}

/** Packets and bytes per allocation id from `nft list table ip punch_relay` (forward chain). */
export function parseRelayCounters(
  listing: string,
): Map<number, { packets: number; bytes: number }> {
  const out = new Map<number, { packets: number; bytes: number }>();
  for (const line of listing.split("\n")) {
    const m = /counter packets (\d+) bytes (\d+) comment "relay (\d+)"/.exec(line);
    if (!m) continue;
    const id = Number(m[3]);
    const cur = out.get(id) ?? { packets: 0, bytes: 0 };
    out.set(id, { packets: cur.packets + Number(m[1]), bytes: cur.bytes + Number(m[2]) });
  }
  return out;
}
