/**
 * Peer endpoints given as DNS names (sans-I/O). `wg` would resolve them itself, blocking every
 * change for as long as the system resolver waits; instead punchd resolves them with a timeout
 * (`src/platform/dns_deno.ts`), remembers the answers here, and gives `wg` addresses only. A peer
 * whose name does not resolve keeps its live endpoint (or none) and is reported; the others apply.
 */
import { type Endpoint, formatEndpoint, ipFamily, parseEndpoint } from "../lib/net.ts";
import type { WgDesired } from "./wg_desired.ts";

/** A name that resolved is asked again after this long (the last answer is kept meanwhile). */
export const NAME_REFRESH_MS = 60_000;
/** After a failure, the first retry waits this long, doubling up to `NAME_RETRY_MAX_MS`. */
export const NAME_RETRY_MS = 30_000;
export const NAME_RETRY_MAX_MS = 5 * 60_000;

interface Entry {
  addresses: string[];
  /** When to ask again. */
  refreshAt: number;
  failures: number;
  /** Why there is no address (only while there is none). */
  problem?: string;
}

/** Answers and failures per name, with the retry schedule. */
export class NameCache {
  private readonly entries = new Map<string, Entry>();

  /** Names among `names` to ask about now (new, due for a refresh, or past their retry time). */
  due(names: Iterable<string>, now: number): string[] {
    const out = new Set<string>();
    for (const n of names) {
      const e = this.entries.get(n);
      if (e === undefined || now >= e.refreshAt) out.add(n);
    }
    return [...out];
  }

  /** Record an answer (addresses) or a failure (the reason, one line). */
  record(name: string, result: { addresses: string[] } | { error: string }, now: number): void {
    if ("addresses" in result && result.addresses.length > 0) {
      this.entries.set(name, {
        addresses: [...result.addresses],
        refreshAt: now + NAME_REFRESH_MS,
        failures: 0,
      });
      return;
    }
    const prev = this.entries.get(name);
    const failures = (prev?.failures ?? 0) + 1;
    const refreshAt = now + Math.min(NAME_RETRY_MAX_MS, NAME_RETRY_MS * 2 ** (failures - 1));
    const addresses = prev?.addresses ?? [];
    // A name that answered before keeps its last address; only the refresh is retried.
    this.entries.set(name, {
      addresses,
      refreshAt,
      failures,
      ...(addresses.length === 0
        ? { problem: "error" in result ? result.error : "the name has no address" }
        : {}),
    });
  }

  /** The address to use for a name, or why there is none. */
  lookup(name: string): { address: string } | { problem: string } {
    const e = this.entries.get(name);
    const first = e?.addresses.find((a) => ipFamily(a) === 4) ?? e?.addresses[0];
    if (first !== undefined) return { address: first };
    return { problem: e?.problem ?? "not resolved yet" };
  }

  /** Forget names no peer uses any more. */
  keepOnly(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const n of [...this.entries.keys()]) if (!keep.has(n)) this.entries.delete(n);
  }
}

function split(endpoint: string): Endpoint | null {
  try {
    return parseEndpoint(endpoint);
  } catch {
    return null;
  }
}

/** The DNS names among the desired peers' endpoints. */
export function endpointNames(want: WgDesired): string[] {
  const out = new Set<string>();
  for (const p of want.peers) {
    const host = p.endpoint === undefined ? undefined : split(p.endpoint)?.host;
    if (host !== undefined && ipFamily(host) === null) out.add(host.toLowerCase());
  }
  return [...out];
}

/**
 * `want` with every DNS endpoint replaced by its address from `cache`; a peer whose name has
 * no address loses its endpoint for this pass (WireGuard keeps what it has) and is listed.
 */
export function withResolvedEndpoints(
  want: WgDesired,
  cache: NameCache,
): { want: WgDesired; unresolved: { publicKey: string; endpoint: string; problem: string }[] } {
  const unresolved: { publicKey: string; endpoint: string; problem: string }[] = [];
  const peers = want.peers.map((p) => {
    if (p.endpoint === undefined) return p;
    const e = split(p.endpoint);
    if (e !== null && ipFamily(e.host) !== null) return p;
    const r = e === null ? { problem: "it is not HOST:PORT" } : cache.lookup(e.host.toLowerCase());
    if ("address" in r && e !== null) {
      return { ...p, endpoint: formatEndpoint({ host: r.address, port: e.port }) };
    }
    unresolved.push({
      publicKey: p.publicKey,
      endpoint: p.endpoint,
      problem: "problem" in r ? r.problem : "no address",
    });
    const { endpoint: _drop, ...rest } = p;
    return rest;
  });
  return { want: { ...want, peers }, unresolved };
}
