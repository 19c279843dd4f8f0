export interface LoginLimiterOptions {
  /** Failures allowed before a client must wait (default 5). */
  freeAttempts?: number;
  /** First wait after the free attempts; doubles with each further failure (default 30 s). */
  baseDelayMs?: number;
  /** Longest wait (default 15 min). */
  maxDelayMs?: number;
  /** Most clients remembered; the least recently seen is forgotten first (default 256). */
  maxClients?: number;
}

interface Entry {
  failures: number;
  last: number;
}

/** Failed-login throttle per client address, in bounded memory. */
export class LoginLimiter {
  readonly #o: Required<LoginLimiterOptions>;
  readonly #clients = new Map<string, Entry>();

  constructor(o: LoginLimiterOptions = {}) {
    this.#o = {
      freeAttempts: 5,
      baseDelayMs: 30_000,
      maxDelayMs: 15 * 60_000,
      maxClients: 256,
      ...o,
    };
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Milliseconds `client` must still wait before trying again; 0 when it may try now. */
  waitMs(client: string, now: number): number {
    const e = this.#clients.get(client);
    if (!e) return 0;
    if (now - e.last > 2 * this.#o.maxDelayMs) {
      this.#clients.delete(client);
      return 0;
    }
    return Math.max(0, e.last + this.#delay(e.failures) - now);
  }

  fail(client: string, now: number): void {
    const e = this.#clients.get(client) ?? { failures: 0, last: now };
    this.#clients.delete(client);
    e.failures++;
    e.last = now;
    this.#clients.set(client, e);
    while (this.#clients.size > this.#o.maxClients) {
      const oldest = this.#clients.keys().next().value;
      if (oldest === undefined) break;
      this.#clients.delete(oldest);
    }
  }

  succeed(client: string): void {
    this.#clients.delete(client);
  }

  #delay(failures: number): number {
    const over = failures - this.#o.freeAttempts;
    if (over < 0) return 0;
    return Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** Math.min(over, 20));
  }
}
