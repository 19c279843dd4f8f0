/** Turn raw netcheck observations into a `NetcheckReport` (classification + verdict), sans-I/O. */

import { type Endpoint, formatEndpoint } from "../lib/net.ts";
import { assessV6 } from "./ipv6_check.ts";
import {
  classifyFiltering,
  classifyMapping,
  type FilteringObservations,
  portPreserved,
  type ProbeOutcome,
} from "./nat_classify.ts";
import type { NetcheckReport, ServerResult } from "./netcheck_report.ts";
import type { MappingLifetime } from "./mapping_lifetime.ts";
import { findCgnatHop } from "./path_hops.ts";
import { decideVerdict } from "./verdict.ts";

/** One server address probed in phase 1 from the main socket of its family. */
export interface ServerProbe {
  /** As configured ("host:port"). */
  server: string;
  address: Endpoint;
  family: 4 | 6;
  outcome: ProbeOutcome;
  rttMs?: number;
  otherAddress?: Endpoint;
}

/** Everything a netcheck run saw. */
export interface NetcheckObservations {
  checkedAt: number;
  durationMs: number;
  wanAddress?: string;
  wanV6?: readonly string[];
  /** Local port of the main IPv4 socket. */
  localPortV4?: number;
  servers: ServerProbe[];
  /** RFC 5780 tests II and III from the main IPv4 socket. */
  mappingTests?: { altIp?: ProbeOutcome; altIpPort?: ProbeOutcome };
  filteringV4?: FilteringObservations;
  filteringV6?: FilteringObservations;
  /** The admitted port the IPv6 filtering test listened on (unset: a fresh port). */
  inboundPortV6?: number;
  /** traceroute hops towards the primary IPv4 server (null: no answer from that hop). */
  pathHops?: (string | null)[];
  mappingLifetime?: MappingLifetime;
  notes: string[];
}

const mappedOf = (o: ProbeOutcome | undefined) => (o?.kind === "answered" ? o.mapped : undefined);

function serverResult(p: ServerProbe): ServerResult {
  const o = p.outcome;
  if (o.kind === "answered") {
    const r: ServerResult = { server: p.server };
    if (p.rttMs !== undefined) r.rttMs = Math.round(p.rttMs * 10) / 10;
    if (o.mapped) r.mapped = formatEndpoint(o.mapped);
    else r.error = "Answered without a mapped address";
    return r;
  }
  const error = o.kind === "silent"
    ? "No response (timed out)"
    : o.kind === "refused"
    ? `Refused with error ${o.code}`
    : o.error;
  return { server: p.server, error };
}

/**
 * Classify and decide: the report `runNetcheck` returns.
 * @example assembleReport(observations).verdict // "double-nat"
 */
export function assembleReport(o: NetcheckObservations): NetcheckReport {
  const notes = [...o.notes];
  const v4 = o.servers.filter((s) => s.family === 4 && mappedOf(s.outcome));
  const v6 = o.servers.filter((s) => s.family === 6 && mappedOf(s.outcome));
  const primary = v4[0];
  const primaryMapped = mappedOf(primary?.outcome);
  const m = classifyMapping({
    ...(primaryMapped ? { primary: primaryMapped } : {}),
    ...(primary ? { primaryServer: primary.address } : {}),
    ...optional("altIp", mappedOf(o.mappingTests?.altIp)),
    ...optional("altIpPort", mappedOf(o.mappingTests?.altIpPort)),
    others: v4.slice(1).map((s) => ({ server: s.address, mapped: mappedOf(s.outcome)! })),
  });
  notes.push(...m.notes);
  const f = o.filteringV4
    ? classifyFiltering(o.filteringV4)
    : { filtering: "unknown" as const, notes: [] };
  if (!o.filteringV4 && primaryMapped) {
    notes.push("Filtering needs a STUN server with two addresses (RFC 5780)");
  }
  notes.push(...f.notes);
  const v6Mapped = mappedOf(v6[0]?.outcome);
  const v6Assess = assessV6({
    wanV6: o.wanV6 ?? [],
    ...optional("mapped", v6Mapped),
    ...optional("changeBoth", o.filteringV6?.changeBoth),
    ...optional("inboundPort", o.inboundPortV6),
  });
  notes.push(...v6Assess.notes);
  const verdict = decideVerdict({
    ...optional("wanAddress", o.wanAddress),
    ...optional("mapped", primaryMapped),
    mapping: m.mapping,
    filtering: f.filtering,
    hasGlobalV6: v6Assess.global.length > 0,
    ...optional("cgnatHop", o.pathHops ? findCgnatHop(o.pathHops) : undefined),
  });
  if (o.pathHops) {
    notes.push(`First hops: ${o.pathHops.map((h) => h ?? "*").join(" → ") || "none answered"}`);
  }
  notes.push(...verdict.notes);
  const report: NetcheckReport = {
    checkedAt: o.checkedAt,
    durationMs: Math.round(o.durationMs),
    verdict: verdict.verdict,
    advice: verdict.advice,
    mapping: m.mapping,
    filtering: f.filtering,
    servers: o.servers.map(serverResult),
    notes,
  };
  if (primaryMapped) report.publicV4 = primaryMapped;
  if (v6Mapped) report.publicV6 = v6Mapped;
  const pp = portPreserved(o.localPortV4, primaryMapped);
  if (pp !== undefined) report.portPreserved = pp;
  if (o.wanAddress !== undefined) report.wanAddress = o.wanAddress;
  if (o.mappingLifetime) report.mappingLifetime = o.mappingLifetime;
  if (o.wanV6 !== undefined || v6Mapped) {
    report.ipv6 = {
      global: v6Assess.global,
      inbound: v6Assess.inbound,
      ...optional("inboundPort", o.filteringV6?.changeBoth ? o.inboundPortV6 : undefined),
    };
  }
  return report;
}

/** `{ [key]: value }` when value is defined (exactOptionalPropertyTypes-friendly spreading). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
