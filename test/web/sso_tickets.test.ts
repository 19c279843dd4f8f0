import { describe, expect, test } from "vitest";
import { TicketStore } from "../../web/sso_tickets.ts";

function store(o: { ttlMs?: number; maxTickets?: number } = {}) {
  let clock = 1_700_000_000_000;
  return {
    tickets: new TicketStore({
      now: () => clock,
      random: (n) => crypto.getRandomValues(new Uint8Array(n)),
      ...o,
    }),
    advance: (ms: number) => (clock += ms),
  };
}

describe("TicketStore", () => {
  test("a ticket is 32 random bytes (base64url), valid 30 s by default, for its user", () => {
    const { tickets } = store();
    const a = tickets.issue("alice");
    const b = tickets.issue("bob");
    expect(a.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.ticket).not.toBe(b.ticket);
    expect(a.expiresIn).toBe(30);
    expect(tickets.redeem(b.ticket)).toBe("bob");
    expect(tickets.redeem(a.ticket)).toBe("alice");
  });

  test("single use: the second redeem is refused", () => {
    const { tickets } = store();
    const { ticket } = tickets.issue("root");
    expect(tickets.redeem(ticket)).toBe("root");
    expect(tickets.redeem(ticket)).toBe(null);
    expect(tickets.size).toBe(0);
  });

  test("expiry: valid up to its lifetime, refused after (and gone)", () => {
    const { tickets, advance } = store({ ttlMs: 30_000 });
    const a = tickets.issue("root");
    const b = tickets.issue("root");
    advance(30_000);
    expect(tickets.redeem(a.ticket)).toBe("root");
    advance(1);
    expect(tickets.redeem(b.ticket)).toBe(null);
    expect(tickets.size).toBe(0);
  });

  test("bounded: issuing past the limit drops the oldest; expired ones are swept first", () => {
    const { tickets, advance } = store({ maxTickets: 3 });
    const t = [1, 2, 3, 4].map((i) => tickets.issue(`u${i}`).ticket);
    expect(tickets.size).toBe(3);
    expect(tickets.redeem(t[0])).toBe(null);
    expect(tickets.redeem(t[3])).toBe("u4");
    advance(31_000);
    tickets.issue("late");
    expect(tickets.size).toBe(1);
    for (let i = 0; i < 100; i++) tickets.issue("flood");
    expect(tickets.size).toBe(3);
  });

  test("unknown, empty or missing tickets are refused", () => {
    const { tickets } = store();
    tickets.issue("root");
    expect(tickets.redeem("nope")).toBe(null);
    expect(tickets.redeem("")).toBe(null);
    expect(tickets.redeem(undefined)).toBe(null);
    expect(tickets.size).toBe(1);
  });
});
