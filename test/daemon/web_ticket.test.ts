import { describe, expect, test } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { webTicketHandler } from "../../src/daemon/web_ticket.ts";
import { TicketStore } from "../../web/sso_tickets.ts";

const d = {} as Daemon;

describe("web.ticket", () => {
  const tickets = () => new TicketStore({ now: () => 0, random: (n) => new Uint8Array(n).fill(7) });

  test("issues a ticket for the caller's login (root without one) with the web UI's port", async () => {
    const t = tickets();
    const h = webTicketHandler(t, () => ({ host: "192.168.1.1", port: 8451 }));
    const r = await h.run(d, { user: "alice" }) as Record<string, unknown>;
    expect(r).toMatchObject({ expiresIn: 30, host: "192.168.1.1", port: 8451, path: "/sso" });
    expect(r.url).toBe(`http://192.168.1.1:8451/sso?ticket=${r.ticket}`);
    expect(t.redeem(String(r.ticket))).toBe("alice");
    const anon = await h.run(d, {}) as Record<string, unknown>;
    expect(t.redeem(String(anon.ticket))).toBe("root");
    const v6 = await webTicketHandler(t, () => ({ host: "fd00::1", port: 8451 })).run(d, {});
    expect((v6 as { url: string }).url).toMatch(/^http:\/\/\[fd00::1\]:8451\/sso\?ticket=/);
  });

  test("refused while the web UI is not running, saying what to set", async () => {
    const t = tickets();
    await expect(webTicketHandler(t, () => undefined).run(d, {})).rejects.toThrow(
      /web UI is not running: set option web_port/,
    );
    expect(t.size).toBe(0);
  });
});
