/** Netcheck runner: probes STUN servers over UDP and returns a `NetcheckReport` (needs --unstable-net). */

import { errorMessage } from "../lib/errors.ts";
import { type Endpoint, ipFamily, isIPv4, isPrivateV4, parseEndpoint } from "../lib/net.ts";
import type { RetransmitPolicy } from "../stun/stun_client.ts";
import type { StunFields } from "../stun/stun_codec.ts";
import { DEFAULT_STUN_PORT } from "../stun/stun_constants.ts";
import { StunSocket } from "../stun/stun_client_deno.ts";
import type { ProbeOutcome } from "./nat_classify.ts";
import {
  assembleReport,
  type NetcheckObservations,
  type ServerProbe,
} from "./netcheck_assemble.ts";
import type { NetcheckReport } from "./netcheck_report.ts";
import { globalV6 } from "./ipv6_check.ts";
import { tracePath } from "./path_probe_deno.ts";
import { probeMappingLifetime } from "./mapping_lifetime_deno.ts";

/** Options for `runNetcheck`. */
export interface NetcheckOptions {
  /** STUN servers as "host:port" (port defaults to 3478); names are resolved to A and AAAA. */
  servers: string[];
  /** The router's IPv4 WAN address, from netifd/UCI. */
  wanAddress?: string;
  /** IPv6 addresses on WAN ("addr" or "addr/len"). */
  wanV6?: string[];
  /** Local UDP port to probe from (e.g. the WireGuard port); falls back to a free port when taken. */
  localPort?: number;
  /**
   * A UDP port the router's firewall admits from WAN and nothing holds on IPv6 (Punch's control
   * port, which listens on IPv4 only): the IPv6 inbound test listens there on the first global WAN
   * address, so `ipv6.inbound` says whether a peer reaches an admitted port (the WireGuard port is
   * admitted the same way). Without it the test uses a fresh port the router's own firewall rejects.
   */
  inboundPortV6?: number;
  /** Per-probe time budget in ms (default 2000, bounded to 200..30000). */
  timeoutMs?: number;
  /**
   * Look at the first hops (traceroute) for carrier-grade NAT behind a private WAN (default true;
   * only runs when the WAN address is private or unknown).
   */
  tracePath?: boolean;
  /**
   * Also estimate the idle mapping lifetime with these waits (ms, e.g. [5000, 30000, 120000]);
   * makes the run last as long as the longest wait. Off by default.
   */
  lifetimeWaitsMs?: number[];
}

const MAX_SERVERS = 16;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

interface Target {
  server: string;
  address: Endpoint;
  family: 4 | 6;
}

interface Probe {
  outcome: ProbeOutcome;
  rttMs?: number;
  otherAddress?: Endpoint;
}

async function probe(
  sock: StunSocket,
  to: Endpoint,
  fields: StunFields,
  policy: Partial<RetransmitPolicy>,
): Promise<Probe> {
  const r = await sock.request(to, fields, policy);
  if (!r.ok) {
    return {
      outcome: r.error.startsWith("No response")
        ? { kind: "silent" }
        : { kind: "failed", error: r.error },
    };
  }
  const m = r.message;
  if (m.class === "error") return { outcome: { kind: "refused", code: m.error?.code ?? 0 } };
  const mapped = m.xorMappedAddress ?? m.mappedAddress;
  const p: Probe = {
    outcome: { kind: "answered", from: r.from, ...(mapped ? { mapped } : {}) },
    rttMs: r.rttMs,
  };
  if (m.otherAddress) p.otherAddress = m.otherAddress;
  return p;
}

async function resolveTargets(
  servers: string[],
  timeoutMs: number,
  failed: ServerProbe[],
): Promise<Target[]> {
  const out: Target[] = [];
  for (const server of servers.slice(0, MAX_SERVERS)) {
    let ep: Endpoint;
    try {
      ep = parseEndpoint(server, DEFAULT_STUN_PORT);
    } catch (e) {
      failed.push({
        server,
        address: { host: server, port: 0 },
        family: 4,
        outcome: { kind: "failed", error: errorMessage(e) },
      });
      continue;
    }
    const fam = ipFamily(ep.host);
    if (fam !== null) {
      out.push({ server, address: ep, family: fam });
      continue;
    }
    const found: Target[] = [];
    for (const [type, family] of [["A", 4], ["AAAA", 6]] as const) {
      try {
        const ips = await Deno.resolveDns(ep.host, type, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (ips[0]) found.push({ server, address: { host: ips[0], port: ep.port }, family });
      } catch { /* no record of this type */ }
    }
    if (found.length === 0) {
      failed.push({
        server,
        address: ep,
        family: 4,
        outcome: { kind: "failed", error: `Cannot resolve "${ep.host}": check the name` },
      });
    }
    out.push(...found);
  }
  return out;
}

function openMain(
  family: 4 | 6,
  localPort: number | undefined,
  notes: string[],
  policy: Partial<RetransmitPolicy>,
): StunSocket {
  const hostname = family === 4 ? "0.0.0.0" : "::";
  if (localPort) {
    try {
      return StunSocket.open({ hostname, port: localPort, policy });
    } catch (e) {
      if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    }
  }
  const s = StunSocket.open({ hostname, port: 0, policy });
  if (localPort && family === 4) {
    notes.push(
      `Port ${localPort} is in use (by WireGuard?), so probes came from port ${s.local.port}; ` +
        "with endpoint-independent mapping and port preservation the WireGuard port most likely maps the same way",
    );
  }
  return s;
}

/**
 * RFC 5780 tests from a fresh socket (the filter has only seen the primary address), bound to
 * `bind` when given and free.
 */
async function filteringTests(
  family: 4 | 6,
  server: Endpoint,
  policy: Partial<RetransmitPolicy>,
  sockets: StunSocket[],
  bind?: { hostname: string; port: number; onFallback: (why: string) => void },
): Promise<NonNullable<NetcheckObservations["filteringV4"]>> {
  let sock: StunSocket | undefined;
  if (bind) {
    try {
      sock = StunSocket.open({ hostname: bind.hostname, port: bind.port, policy });
    } catch (e) {
      bind.onFallback(errorMessage(e));
    }
  }
  sock ??= StunSocket.open({ hostname: family === 4 ? "0.0.0.0" : "::", port: 0, policy });
  sockets.push(sock);
  const base = (await probe(sock, server, {}, policy)).outcome;
  if (base.kind !== "answered") return { base };
  const [both, port] = await Promise.all([
    probe(sock, server, { changeRequest: { changeIp: true, changePort: true } }, policy),
    probe(sock, server, { changeRequest: { changeIp: false, changePort: true } }, policy),
  ]);
  return { base, changeBoth: both.outcome, changePort: port.outcome };
}

interface RunContext {
  opts: NetcheckOptions;
  timeoutMs: number;
  policy: Partial<RetransmitPolicy>;
  sockets: StunSocket[];
  main: Partial<Record<4 | 6, StunSocket>>;
  obs: NetcheckObservations;
}

/** Phase 1: every server in parallel from the main socket of its family. */
async function probeServers(ctx: RunContext, targets: Target[]): Promise<ServerProbe[]> {
  const { opts, policy, main, obs, sockets } = ctx;
  for (const fam of [4, 6] as const) {
    if (!targets.some((t) => t.family === fam)) continue;
    try {
      main[fam] = openMain(fam, opts.localPort, obs.notes, policy);
      sockets.push(main[fam]);
    } catch (e) {
      obs.notes.push(`Cannot open an IPv${fam} UDP socket: ${errorMessage(e)}`);
    }
  }
  if (main[4]) obs.localPortV4 = main[4].local.port;
  return await Promise.all(targets.map(async (t): Promise<ServerProbe> => {
    const sock = main[t.family];
    const p = sock
      ? await probe(sock, t.address, {}, policy)
      : { outcome: { kind: "failed", error: "No socket" } as const };
    return { ...t, ...p };
  }));
}

/** Phase 2: RFC 5780 tests, path, lifetime, IPv6 filtering; all in parallel, each bounded. */
function natTests(ctx: RunContext, probes: ServerProbe[]): Promise<void>[] {
  const { opts, policy, main, obs, sockets, timeoutMs } = ctx;
  // The first server per family that names a distinct OTHER-ADDRESS can run RFC 5780 tests.
  const rfc5780 = (fam: 4 | 6) =>
    probes.find((p) =>
      p.family === fam && p.outcome.kind === "answered" && p.otherAddress &&
      p.otherAddress.host !== p.address.host
    );
  const v4 = rfc5780(4), v6 = rfc5780(6);
  const firstV4 = probes.find((p) => p.family === 4 && p.outcome.kind === "answered");
  const tasks: Promise<void>[] = [];
  const sock4 = main[4];
  if (v4 && sock4) {
    const other = v4.otherAddress!;
    tasks.push(
      Promise.all([
        probe(sock4, { host: other.host, port: v4.address.port }, {}, policy),
        probe(sock4, other, {}, policy),
      ]).then(([altIp, altIpPort]) => {
        obs.mappingTests = { altIp: altIp.outcome, altIpPort: altIpPort.outcome };
      }),
      filteringTests(4, v4.address, policy, sockets).then((f) => void (obs.filteringV4 = f)),
    );
  }
  const wan = opts.wanAddress;
  const needPath = wan === undefined || (isIPv4(wan) && isPrivateV4(wan));
  if (opts.tracePath !== false && needPath && firstV4) {
    tasks.push(
      tracePath(firstV4.address.host, timeoutMs + 1000).then((h) => {
        if (h) obs.pathHops = h;
        else obs.notes.push("No traceroute available: CGNAT behind another NAT cannot be seen");
      }),
    );
  }
  if (opts.lifetimeWaitsMs && opts.lifetimeWaitsMs.length > 0 && firstV4) {
    const server = `${firstV4.address.host}:${firstV4.address.port}`;
    tasks.push(
      probeMappingLifetime({ server, waitsMs: opts.lifetimeWaitsMs, timeoutMs }).then((r) => {
        if (r.lifetime) obs.mappingLifetime = r.lifetime;
        obs.notes.push(...r.notes);
      }),
    );
  }
  if (v6) {
    const local = globalV6(opts.wanV6 ?? [])[0];
    const port = opts.inboundPortV6;
    const bind = local !== undefined && port !== undefined
      ? {
        hostname: local,
        port,
        onFallback: (why: string) => {
          delete obs.inboundPortV6;
          obs.notes.push(
            `Cannot listen on [${local}]:${port} for the IPv6 inbound test (${why}); tested a fresh port instead`,
          );
        },
      }
      : undefined;
    if (bind) obs.inboundPortV6 = bind.port;
    tasks.push(
      filteringTests(6, v6.address, policy, sockets, bind).then((f) => void (obs.filteringV6 = f)),
    );
  }
  return tasks;
}

/**
 * Probe every server, run RFC 5780 mapping and filtering tests where a server allows, decide the verdict.
 * @example const r = await runNetcheck({ servers: ["203.0.113.3:3478"], wanAddress: "192.168.1.2" });
 */
export async function runNetcheck(opts: NetcheckOptions): Promise<NetcheckReport> {
  const checkedAt = Date.now(), t0 = performance.now();
  const timeoutMs = clamp(opts.timeoutMs ?? 2000, 200, 30_000);
  const policy: Partial<RetransmitPolicy> = {
    rtoMs: clamp(timeoutMs / 6, 50, 500),
    deadlineMs: timeoutMs,
  };
  const obs: NetcheckObservations = { checkedAt, durationMs: 0, servers: [], notes: [] };
  if (opts.wanAddress !== undefined) obs.wanAddress = opts.wanAddress;
  if (opts.wanV6 !== undefined) obs.wanV6 = opts.wanV6;
  if (opts.servers.length > MAX_SERVERS) {
    obs.notes.push(`Only the first ${MAX_SERVERS} STUN servers were probed`);
  }
  const ctx: RunContext = { opts, timeoutMs, policy, sockets: [], main: {}, obs };
  try {
    const failed: ServerProbe[] = [];
    const targets = await resolveTargets(opts.servers, timeoutMs, failed);
    const probes = await probeServers(ctx, targets);
    obs.servers = [...probes, ...failed];
    const tasks = natTests(ctx, probes);
    await Promise.all(
      tasks.map((t) =>
        t.catch((e) => void obs.notes.push(`A NAT test failed: ${errorMessage(e)}`))
      ),
    );
  } finally {
    for (const s of ctx.sockets) s.close();
  }
  obs.durationMs = performance.now() - t0;
  return assembleReport(obs);
}
