/** Mapping lifetime estimate from RESPONSE-PORT probes after idle waits (RFC 5780 §4.6), sans-I/O. */

/** Default idle waits (ms); each is a separate mapping probed once. */
export const DEFAULT_LIFETIME_WAITS_MS = [5_000, 15_000, 30_000, 60_000, 120_000];
/** Upper bounds: the probe never waits longer than this, nor runs more samples. */
export const MAX_LIFETIME_WAIT_MS = 600_000;
export const MAX_LIFETIME_SAMPLES = 8;

/** What one sample saw: the mapping still delivered a reply after `waitMs` idle, or not. */
export interface LifetimeSample {
  waitMs: number;
  /** null when the sample could not run (no mapping, or the server refused RESPONSE-PORT). */
  alive: boolean | null;
}

/** Bounds on how long an idle UDP mapping survives. */
export interface MappingLifetime {
  /** The mapping was still alive after this long idle. */
  atLeastMs?: number;
  /** The mapping was gone after this long idle. */
  atMostMs?: number;
}

/**
 * The waits to probe: sorted, unique, positive, capped in value and count.
 * @example lifetimeWaits([30_000, 5_000], 20_000) // [5000]
 */
export function lifetimeWaits(
  waits: readonly number[] = DEFAULT_LIFETIME_WAITS_MS,
  maxMs = MAX_LIFETIME_WAIT_MS,
): number[] {
  const cap = Math.min(maxMs, MAX_LIFETIME_WAIT_MS);
  return [...new Set(waits.filter((w) => Number.isFinite(w) && w > 0 && w <= cap).map(Math.round))]
    .sort((a, b) => a - b)
    .slice(0, MAX_LIFETIME_SAMPLES);
}

/**
 * Bounds from samples: at least the longest wait that survived below the shortest that died.
 * @example estimateLifetime([{ waitMs: 5000, alive: true }, { waitMs: 30000, alive: false }]) // { atLeastMs: 5000, atMostMs: 30000 }
 */
export function estimateLifetime(
  samples: readonly LifetimeSample[],
): { lifetime?: MappingLifetime; notes: string[] } {
  const done = samples.filter((s) => s.alive !== null);
  if (done.length === 0) {
    return {
      notes: [
        "Mapping lifetime not measured: the STUN server must support RESPONSE-PORT (RFC 5780)",
      ],
    };
  }
  const dead = done.filter((s) => !s.alive).map((s) => s.waitMs);
  const atMost = dead.length > 0 ? Math.min(...dead) : undefined;
  const alive = done.filter((s) => s.alive && (atMost === undefined || s.waitMs < atMost)).map((
    s,
  ) => s.waitMs);
  const lifetime: MappingLifetime = {};
  if (alive.length > 0) lifetime.atLeastMs = Math.max(...alive);
  if (atMost !== undefined) lifetime.atMostMs = atMost;
  const notes = done.some((s) => s.alive && atMost !== undefined && s.waitMs > atMost)
    ? ["Mapping lifetime samples disagree (a longer wait survived): the estimate is rough"]
    : [];
  return { lifetime, notes };
}
