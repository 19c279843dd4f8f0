import { toBase64Url } from "../src/lib/base64.ts";

/** A one-shot message (and values to show again) carried across a POST-redirect-GET. */
export interface Flash {
  kind: "ok" | "error";
  message: string;
  values?: Record<string, string>;
}

export interface Session {
  id: string;
  user: string;
  /** Session-bound CSRF token, sent back in every form as `_csrf`. */
  csrf: string;
  created: number;
  lastSeen: number;
  flash: Flash | null;
}

export interface SessionOptions {
  now: () => number;
  random: (n: number) => Uint8Array;
  /** Idle time after which a session ends (default 30 min). */
  idleMs?: number;
  /** Lifetime regardless of activity (default 12 h). */
  maxAgeMs?: number;
  /** Most sessions kept; the least recently used goes first (default 32). */
  maxSessions?: number;
}

const ID_BYTES = 32;

/** Server-side sessions keyed by a random 32-byte id; bounded, idle and absolute expiry. */
export class SessionStore {
  readonly #byId = new Map<string, Session>();
  readonly #o: Required<SessionOptions>;

  constructor(o: SessionOptions) {
    this.#o = { idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000, maxSessions: 32, ...o };
  }

  get size(): number {
    return this.#byId.size;
  }

  create(user: string): Session {
    this.#sweep();
    while (this.#byId.size >= this.#o.maxSessions) {
      const oldest = this.#byId.keys().next().value;
      if (oldest === undefined) break;
      this.#byId.delete(oldest);
    }
    const now = this.#o.now();
    const s: Session = {
      id: toBase64Url(this.#o.random(ID_BYTES)),
      user,
      csrf: toBase64Url(this.#o.random(ID_BYTES)),
      created: now,
      lastSeen: now,
      flash: null,
    };
    this.#byId.set(s.id, s);
    return s;
  }

  /** The live session for `id`, marked as used now; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (id === undefined) return null;
    const s = this.#byId.get(id);
    if (!s) return null;
    const now = this.#o.now();
    if (this.#expired(s, now)) {
      this.#byId.delete(id);
      return null;
    }
    s.lastSeen = now;
    this.#byId.delete(id); // re-insert to keep the map in least-recently-used order
    this.#byId.set(id, s);
    return s;
  }

  delete(id: string): void {
    this.#byId.delete(id);
  }

  #expired(s: Session, now: number): boolean {
    return now - s.lastSeen > this.#o.idleMs || now - s.created > this.#o.maxAgeMs;
  }

  #sweep(): void {
    const now = this.#o.now();
    for (const [id, s] of this.#byId) if (this.#expired(s, now)) this.#byId.delete(id);
  }
}
