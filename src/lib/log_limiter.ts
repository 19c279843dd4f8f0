/**
 * Sans-I/O: at most one log line per kind and interval for events a stranger can cause at will
 * (bad packets), with a counter of every event for `status`.
 */
export class LogLimiter {
  private kinds = new Map<string, { total: number; suppressed: number; loggedAt: number }>();

  constructor(readonly intervalMs = 60_000) {}

  /**
   * Count one event of `kind`; the line to log now (with how many were left out since the last
   * one), or undefined when a line of this kind was logged less than an interval ago.
   * @example new LogLimiter().note("join", "Bad join", 0) // "Bad join"
   */
  note(kind: string, message: string, now: number): string | undefined {
    const k = this.kinds.get(kind) ?? { total: 0, suppressed: 0, loggedAt: -Infinity };
    this.kinds.set(kind, k);
    k.total++;
    if (now - k.loggedAt < this.intervalMs) {
      k.suppressed++;
      return undefined;
    }
    const more = k.suppressed;
    k.suppressed = 0;
    k.loggedAt = now;
    return more > 0 ? `${message} (and ${more} more like it not logged)` : message;
  }

  /** Events counted per kind since start. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.kinds].map(([k, v]) => [k, v.total]));
  }
}
