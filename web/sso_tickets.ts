import { toBase64Url } from "../src/lib/base64.ts";

/** A ticket as `punch web_ticket` hands it out. */
export interface IssuedTicket {
  ticket: string;
  /** Seconds it stays valid. */
  expiresIn: number;
}

export interface TicketOptions {
  now: () => number;
  random: (n: number) => Uint8Array;
  /** How long a ticket stays valid (default 30 s). */
  ttlMs?: number;
  /** Most tickets kept; issuing one more drops the oldest (default 8). */
  maxTickets?: number;
}

const TICKET_BYTES = 32;

/**
 * Single sign-on tickets from LuCI into the web UI: random (32 bytes), short-lived, single use,
 * kept in RAM only and bounded in number. `punch web_ticket` (rpcd write ACL) issues one;
 * GET /sso redeems it into a normal session.
 */
export class TicketStore {
  readonly #byTicket = new Map<string, { user: string; expiresAt: number }>();
  readonly #o: Required<TicketOptions>;

  constructor(o: TicketOptions) {
    this.#o = { ttlMs: 30_000, maxTickets: 8, ...o };
  }

  get size(): number {
    return this.#byTicket.size;
  }

  issue(user: string): IssuedTicket {
    this.#sweep();
    while (this.#byTicket.size >= this.#o.maxTickets) {
      const oldest = this.#byTicket.keys().next().value;
      if (oldest === undefined) break;
      this.#byTicket.delete(oldest);
    }
    const ticket = toBase64Url(this.#o.random(TICKET_BYTES));
    this.#byTicket.set(ticket, { user, expiresAt: this.#o.now() + this.#o.ttlMs });
    return { ticket, expiresIn: Math.round(this.#o.ttlMs / 1000) };
  }

  /** The user the ticket was issued for, once; null when unknown, used or expired. */
  redeem(ticket: string | undefined): string | null {
    if (ticket === undefined || ticket === "") return null;
    const t = this.#byTicket.get(ticket);
    if (!t) return null;
    this.#byTicket.delete(ticket);
    return this.#o.now() <= t.expiresAt ? t.user : null;
  }

  #sweep(): void {
    const now = this.#o.now();
    for (const [k, t] of this.#byTicket) if (now > t.expiresAt) this.#byTicket.delete(k);
  }
}
