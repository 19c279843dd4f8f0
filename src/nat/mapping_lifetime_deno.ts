/** Mapping lifetime probe (RFC 5780 §4.6): idle a mapping, then ask the server to answer into it. */

import { type Endpoint, parseEndpoint } from "../lib/net.ts";
import type { RetransmitPolicy } from "../stun/stun_client.ts";
import { StunSocket } from "../stun/stun_client_deno.ts";
import { DEFAULT_STUN_PORT } from "../stun/stun_constants.ts";
import {
  estimateLifetime,
  type LifetimeSample,
  lifetimeWaits,
  type MappingLifetime,
} from "./mapping_lifetime.ts";

/** Options for `probeMappingLifetime`. */
export interface LifetimeProbeOptions {
  /** An IPv4 STUN server ("host:port") that honours RESPONSE-PORT (coturn, Punch's own server). */
  server: string;
  /** Idle waits to test (ms); default 5 s..120 s; all run in parallel, so the probe takes the longest. */
  waitsMs?: number[];
  /** Never wait longer than this (ms, default and cap 600 s). */
  maxMs?: number;
  /** Per-request time budget (ms, default 2000). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One sample: socket X gets a mapping, idles `waitMs`, then socket Y asks for a reply to X's port. */
async function sample(
  server: Endpoint,
  waitMs: number,
  policy: Partial<RetransmitPolicy>,
): Promise<LifetimeSample> {
  const x = StunSocket.open({ hostname: "0.0.0.0", policy });
  const y = StunSocket.open({ hostname: "0.0.0.0", policy });
  try {
    const first = await x.request(server);
    const mapped = first.ok
      ? first.message.xorMappedAddress ?? first.message.mappedAddress
      : undefined;
    if (!mapped) return { waitMs, alive: null };
    await sleep(waitMs);
    const r = await x.request(server, { responsePort: mapped.port }, policy, y);
    return { waitMs, alive: r.ok ? r.message.class === "success" : false };
  } finally {
    x.close();
    y.close();
  }
}

/**
 * Estimate how long an idle UDP mapping survives; slow (the longest wait), so run it apart from netcheck.
 * A zero-wait control sample tells a dead mapping from a server that ignores RESPONSE-PORT.
 * @example await probeMappingLifetime({ server: "203.0.113.3:3478", waitsMs: [5000, 30000] })
 */
export async function probeMappingLifetime(
  opts: LifetimeProbeOptions,
): Promise<{ lifetime?: MappingLifetime; notes: string[] }> {
  const server = parseEndpoint(opts.server, DEFAULT_STUN_PORT);
  const timeoutMs = Math.min(30_000, Math.max(200, opts.timeoutMs ?? 2000));
  const policy: Partial<RetransmitPolicy> = {
    rtoMs: Math.min(500, timeoutMs / 6),
    deadlineMs: timeoutMs,
  };
  const waits = lifetimeWaits(opts.waitsMs, opts.maxMs);
  const control = await sample(server, 0, policy);
  if (control.alive !== true) {
    return {
      notes: [
        "Mapping lifetime not measured: the STUN server did not answer a RESPONSE-PORT request",
      ],
    };
  }
  const samples = await Promise.all(waits.map((w) => sample(server, w, policy)));
  return estimateLifetime(samples);
}
