// Single sign-on in Chromium: the LuCI view (openwrt/luci-app-punch, run by a LuCI stand-in
// page on one port) asks `web_ticket` (the real handler and ticket store) and opens the web UI
// (the real Hono app on another port) at /sso; the user lands signed in. Reuse and expiry are
// refused. rpcd's ACL check is not here (see test/daemon/ubus_api.test.ts for that).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { webTicketHandler } from "../../src/daemon/web_ticket.ts";
import { createApp } from "../../web/app.ts";
import { TicketStore } from "../../web/sso_tickets.ts";
import { CHROMIUM, hasChromium, launchChromium } from "../web/chromium.ts";
import { FakeControl, fakeDeps } from "../web/fake_control.ts";
import { STUB_PAGE } from "./stub_page.ts";
import { VIEW_PATH } from "./view_stub.ts";

const STATUS = {
  name: "home",
  interface: "wg0",
  peers: [{
    name: "cabin",
    state: "connected",
    path: "direct",
    pathWhy: "hole punched",
    latestHandshake: 1796402560,
    handshakeAgeSec: 10,
    rxBytes: 1536,
    txBytes: 5678,
  }],
  netcheck: { verdict: "public", advice: "Direct tunnels work from anywhere" },
  warnings: [],
};

describe.skipIf(!hasChromium)("LuCI single sign-on in Chromium", () => {
  let web: Deno.HttpServer<Deno.NetAddr> | undefined;
  let luci: Deno.HttpServer<Deno.NetAddr> | undefined;
  let browser: Browser | undefined;
  let skew = 0; // moves the ticket store's clock forward (expiry)
  let denyWrite = false; // as rpcd answers a session without the write ACL
  const tickets = new TicketStore({
    now: () => Date.now() + skew,
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  });
  const deps = fakeDeps(new FakeControl());
  deps.now = Date.now;
  let webBase = "";
  let luciBase = "";

  beforeAll(async () => {
    web = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createApp(deps, { tickets }).fetch,
    );
    webBase = `http://127.0.0.1:${web.addr.port}`;
    const handler = webTicketHandler(tickets, () => ({ host: "127.0.0.1", port: web!.addr.port }));
    luci = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/") {
        return new Response(STUB_PAGE, { headers: { "content-type": "text/html" } });
      }
      if (path === "/view/punch/status.js") {
        return new Response(await Deno.readTextFile(VIEW_PATH), {
          headers: { "content-type": "application/javascript" },
        });
      }
      if (path === "/ubus" && req.method === "POST") {
        const { object, method } = await req.json();
        if (object === "punch" && method === "status") return Response.json({ result: STATUS });
        if (object === "punch" && method === "web_ticket") {
          if (denyWrite) return Response.json({ code: 6, message: "Permission denied" });
          // uhttpd passes the LuCI session; punchd finds its login name
          return Response.json({ result: await handler.run({} as Daemon, { user: "luciuser" }) });
        }
        return Response.json({ code: 3, message: "Method not found" });
      }
      return new Response("not found", { status: 404 });
    });
    luciBase = `http://127.0.0.1:${luci.addr.port}`;
    browser = await launchChromium(CHROMIUM, 30_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.shutdown();
    await luci?.shutdown();
  }, 30_000);

  async function luciPage() {
    const context = await browser!.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${luciBase}/`);
    await page.waitForSelector("body[data-ready], body[data-error]");
    expect(await page.getAttribute("body", "data-error")).toBe(null);
    return { context, page, problems };
  }

  test("the view shows peers and the verdict; Open Punch lands signed in on the web UI", async () => {
    const { context, page, problems } = await luciPage();
    try {
      const row = await page.locator("#punch-peers tr").nth(1).locator("td").allTextContents();
      expect(row).toEqual([
        "cabin",
        "Connected",
        "Direct (hole punched)",
        "10 s ago",
        "1.5 KiB / 5.5 KiB",
      ]);
      expect(await page.textContent("#punch-nat")).toContain("Verdict: public");
      const opened = context.waitForEvent("page");
      await page.click("#punch-open");
      const ui = await opened;
      await ui.waitForURL(`${webBase}/`);
      expect(await ui.textContent("h1")).toBe("Status");
      expect(await ui.textContent("body")).toContain("Sign out luciuser");
      expect(tickets.size).toBe(0);
      // a normal session: its forms carry the CSRF token and work
      await ui.click("text=Sign out luciuser");
      await ui.waitForURL(`${webBase}/login`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("a used ticket is refused in another browser", async () => {
    const { ticket } = tickets.issue("root");
    const first = await browser!.newContext();
    const second = await browser!.newContext();
    try {
      const a = await first.newPage();
      await a.goto(`${webBase}/sso?ticket=${ticket}`);
      expect(new URL(a.url()).pathname).toBe("/");
      expect(await a.textContent("body")).toContain("Sign out root");
      const b = await second.newPage();
      const r = await b.goto(`${webBase}/sso?ticket=${ticket}`);
      expect(r!.status()).toBe(403);
      expect(await b.textContent(".flash.error")).toContain("already used or has expired");
      expect((await second.cookies()).some((c) => c.name === "punch_session")).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test("an expired ticket is refused", async () => {
    const { ticket } = tickets.issue("root");
    skew = 31_000;
    const context = await browser!.newContext();
    try {
      const p = await context.newPage();
      const r = await p.goto(`${webBase}/sso?ticket=${ticket}`);
      expect(r!.status()).toBe(403);
      expect(await p.textContent(".flash.error")).toContain("already used or has expired");
    } finally {
      skew = 0;
      await context.close();
    }
  });

  test("without the write ACL the view says what is needed and opens nothing", async () => {
    denyWrite = true;
    const { context, page } = await luciPage();
    try {
      await page.click("#punch-open");
      expect(await page.textContent("#notification")).toContain("needs write access to Punch");
      expect(context.pages().length).toBe(1);
    } finally {
      denyWrite = false;
      await context.close();
    }
  });
});
