/** Plain-text renderings of control results for punchctl; pure. */

interface PeerLike {
  name: string;
  publicKey: string;
  endpoint?: string;
  liveEndpoint?: string;
  allowedIps: string[];
  handshakeAgeSec?: number;
  rxBytes: number;
  txBytes: number;
  state: string;
  path?: string;
  pathWhy?: string;
  pathSince?: number;
  /** What punchd could not do for this peer (refused routes, an endpoint that does not resolve). */
  problems?: string[];
}

interface StatusLike {
  name?: string;
  interface: string;
  publicKey: string;
  listenPort: number;
  addresses: string[];
  wan?: { address?: string; device?: string };
  peers: PeerLike[];
  warnings: string[];
  netcheck?: { verdict: string; advice: string; publicV4?: { host: string; port: number } };
  lanHosts?: {
    name: string;
    host: string;
    port: number;
    publicEndpoint?: string;
    remotes: string[];
  }[];
  /** This router relaying for members of its mesh (absent when it relays for nobody). */
  relay?: { allocations: RelayAllocationLike[] };
}

export interface RelayAllocationLike {
  a: string;
  b: string;
  ports: number[];
  forwarding: string;
  packets: number;
  bytes: number;
  idleSec: number;
}

/** One line per pair this router relays for. */
export function formatRelay(allocs: readonly RelayAllocationLike[]): string[] {
  return allocs.map((x) =>
    `relaying for ${x.a} ↔ ${x.b}: ports ${x.ports.join("/")}, ${x.forwarding}, ` +
    `${x.packets} packets (${formatBytes(x.bytes)}), idle ${x.idleSec} s`
  );
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) (v /= 1024, i++);
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function formatAge(s: number | undefined): string {
  if (s === undefined) return "never";
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join(
    "\n",
  );
}

export function formatPeers(peers: readonly PeerLike[]): string {
  if (peers.length === 0) {
    return "no peers (add one with: punchctl peer add --public-key KEY --allowed-ips CIDR)";
  }
  const rows = [["NAME", "STATE", "PATH", "ENDPOINT", "HANDSHAKE", "RX", "TX", "ALLOWED IPS"]];
  for (const p of peers) {
    rows.push([
      p.name,
      p.state,
      p.path ?? "-",
      p.liveEndpoint ?? p.endpoint ?? "-",
      formatAge(p.handshakeAgeSec),
      formatBytes(p.rxBytes),
      formatBytes(p.txBytes),
      p.allowedIps.join(","),
    ]);
  }
  return table(rows);
}

export function formatStatus(s: StatusLike): string {
  const lines = [
    `interface:   ${s.interface}${s.name ? ` (router ${s.name})` : ""}`,
    `public key:  ${s.publicKey}`,
    `listen port: ${s.listenPort}`,
    `addresses:   ${s.addresses.join(", ") || "-"}`,
    `wan:         ${s.wan?.address ?? "unknown"}${s.wan?.device ? ` on ${s.wan.device}` : ""}`,
  ];
  if (s.netcheck) {
    const pub = s.netcheck.publicV4
      ? ` ${s.netcheck.publicV4.host}:${s.netcheck.publicV4.port}`
      : "";
    lines.push(`netcheck:    ${s.netcheck.verdict}${pub} — ${s.netcheck.advice}`);
  }
  lines.push("", formatPeers(s.peers));
  for (const p of s.peers) {
    if (p.pathWhy) {
      const since = p.pathSince ? ` (since ${new Date(p.pathSince).toISOString()})` : "";
      lines.push(`path to ${p.name}: ${p.path}${since} — ${p.pathWhy}`);
    }
  }
  for (const h of s.lanHosts ?? []) {
    lines.push(
      `lan host ${h.name}: ${h.host}:${h.port} reachable at ${h.publicEndpoint ?? "?"}` +
        (h.remotes.length
          ? `, pinholes for ${h.remotes.join(", ")}`
          : ", no pinholes yet (punchctl lan list says why)"),
    );
  }
  for (const p of s.peers) {
    for (const x of p.problems ?? []) lines.push(`peer ${p.name}: ${x}`);
  }
  lines.push(...formatRelay(s.relay?.allocations ?? []));
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
