// A full garbage collection every few minutes, for the long-running daemon.
//
// V8 sizes its old generation for throughput: in an idle punchd nothing makes it collect in full,
// so garbage promoted by the periodic work (reconcile every 10 s, card pushes every 5 min) piles
// up. Measured in the lab (packaged punchd, paired, pushing every 10 s): +2 MB anonymous in 5 min
// with no full collection at all, flat at the live size with one every 30 s (~9 ms each, x86_64).
// The package starts punchd with V8's --expose-gc; without it (source mode) this does nothing.
import type { Timer } from "../lib/timer.ts";

export const HEAP_GC_EVERY_MS = 60_000;

/**
 * V8's "last resort" full collection (what it does before giving up on memory): it compacts and
 * hands freed pages back to the system at once. A plain `gc()` leaves them in V8's page pool,
 * which the single-threaded package never empties: after adding 200 LAN hosts, ~20 MB of heap
 * pages stayed resident with ~6 MB live (scripts/bench load, --trace-gc "pooled: 19.8 MB").
 */
export const HEAP_GC_OPTIONS = { type: "major", execution: "sync", flavor: "last-resort" } as const;

type Gc = (options?: typeof HEAP_GC_OPTIONS) => void;

/** Calls `gc` every `everyMs`; null when there is no gc() to call. */
export function startHeapGc(
  everyMs: number = HEAP_GC_EVERY_MS,
  gc: Gc | undefined = (globalThis as { gc?: Gc }).gc,
): { stop(): void } | null {
  if (typeof gc !== "function") return null;
  const timer: Timer = setInterval(() => gc(HEAP_GC_OPTIONS), everyMs);
  return { stop: () => clearInterval(timer) };
}
