// A full garbage collection every few minutes, for the long-running daemon.
//
// V8 sizes its old generation for throughput: in an idle punchd nothing makes it collect in full,
// so garbage promoted by the periodic work (reconcile every 10 s, card pushes every 5 min) piles
// up. Measured in the lab (packaged punchd, paired, pushing every 10 s): +2 MB anonymous in 5 min
// with no full collection at all, flat at the live size with one every 30 s (~9 ms each, x86_64).
// The package starts punchd with V8's --expose-gc; without it (source mode) this does nothing.
import type { Timer } from "../lib/timer.ts";

export const HEAP_GC_EVERY_MS = 60_000;

/** Calls `gc` every `everyMs`; null when there is no gc() to call. */
export function startHeapGc(
  everyMs: number = HEAP_GC_EVERY_MS,
  gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
): { stop(): void } | null {
  if (typeof gc !== "function") return null;
  const timer: Timer = setInterval(() => gc(), everyMs);
  return { stop: () => clearInterval(timer) };
}
