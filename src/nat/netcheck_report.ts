/** The netcheck report the daemon stores and prints, and its human text form. */

import type { Endpoint } from "../lib/net.ts";
import { formatEndpoint } from "../lib/net.ts";

/** The router's situation, from best to worst for direct tunnels. */
export type Verdict = "public" | "nat" | "double-nat" | "cgnat" | "hard-nat" | "unknown";

/** RFC 4787 / RFC 5780 §4.3 mapping behaviour. */
export type MappingBehavior =
  | "endpoint-independent"
  | "address-dependent"
  | "address-and-port-dependent"
  | "unknown";

/** RFC 4787 / RFC 5780 §4.4 filtering behaviour. */
export type FilteringBehavior =
  | "endpoint-independent"
  | "address-dependent"
  | "address-and-port-dependent"
  | "unknown";

/** Whether unsolicited inbound UDP reaches the router's global IPv6 address. */
export type InboundV6 = "open" | "filtered" | "unknown";

/** One STUN server's answer (or failure). */
export interface ServerResult {
  server: string;
  rttMs?: number;
  mapped?: string;
  error?: string;
}

/** Result of one netcheck run. */
export interface NetcheckReport {
  /** When the check started (ms since the epoch). */
  checkedAt: number;
  durationMs: number;
  verdict: Verdict;
  advice: string;
  publicV4?: Endpoint;
  publicV6?: Endpoint;
  mapping: MappingBehavior;
  filtering: FilteringBehavior;
  portPreserved?: boolean;
  wanAddress?: string;
  /** Global IPv6 addresses on the WAN (from the caller) and whether inbound UDP to them gets through. */
  ipv6?: {
    global: string[];
    inbound: InboundV6;
    /** The port the inbound test reached or not: one the router's firewall admits (Punch's control port). */
    inboundPort?: number;
  };
  servers: ServerResult[];
  /** How long an idle mapping survived (only when a lifetime probe was asked for). */
  mappingLifetime?: { atLeastMs?: number; atMostMs?: number };
  notes: string[];
}

const VERDICT_TEXT: Record<Verdict, string> = {
  public: "public address (no NAT in front of this router)",
  nat: "behind a NAT",
  "double-nat": "double NAT (another router in front of this one)",
  cgnat: "carrier-grade NAT (the ISP shares one public IPv4 among customers)",
  "hard-nat": "hard NAT (a new public port for every destination)",
  unknown: "unknown",
};

/**
 * Human-readable, multi-line text of a report (pure; no trailing newline).
 * @example console.log(formatNetcheck(report))
 */
export function formatNetcheck(r: NetcheckReport): string {
  const when = new Date(r.checkedAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  const lines = [
    `Verdict:       ${VERDICT_TEXT[r.verdict]}`,
    `Advice:        ${r.advice}`,
    `Public IPv4:   ${
      r.publicV4
        ? formatEndpoint(r.publicV4) +
          (r.portPreserved === undefined
            ? ""
            : r.portPreserved
            ? " (port preserved)"
            : " (port changed)")
        : "none found"
    }`,
    `Public IPv6:   ${r.publicV6 ? formatEndpoint(r.publicV6) : "none found"}`,
  ];
  if (r.wanAddress) lines.push(`WAN address:   ${r.wanAddress}`);
  lines.push(`NAT mapping:   ${r.mapping}`, `NAT filtering: ${r.filtering}`);
  if (r.ipv6) {
    const g = r.ipv6.global.length > 0 ? r.ipv6.global.join(", ") : "none";
    const port = r.ipv6.inboundPort === undefined ? "" : ` to port ${r.ipv6.inboundPort}`;
    lines.push(`IPv6 on WAN:   ${g} (inbound UDP${port} ${r.ipv6.inbound})`);
  }
  const lt = r.mappingLifetime;
  if (lt) {
    const lo = lt.atLeastMs === undefined ? "?" : `${lt.atLeastMs / 1000} s`;
    const hi = lt.atMostMs === undefined ? "longer than tested" : `under ${lt.atMostMs / 1000} s`;
    lines.push(`Idle mapping:  survives at least ${lo}, ${hi}`);
  }
  lines.push(`Checked:       ${when} in ${Math.round(r.durationMs)} ms`, "STUN servers:");
  if (r.servers.length === 0) lines.push("  none configured");
  const width = Math.max(0, ...r.servers.map((s) => s.server.length));
  for (const s of r.servers) {
    const what = s.error !== undefined
      ? `failed: ${s.error}`
      : `${s.rttMs === undefined ? "?" : Math.round(s.rttMs)} ms, sees ${s.mapped ?? "?"}`;
    lines.push(`  ${s.server.padEnd(width)}  ${what}`);
  }
  if (r.notes.length > 0) lines.push("Notes:", ...r.notes.map((n) => `  - ${n}`));
  return lines.join("\n");
}
