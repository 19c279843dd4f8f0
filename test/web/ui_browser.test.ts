import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromium } from "./chromium.ts";
import { createApp } from "../../web/app.ts";
import { FakeControl, fakeDeps } from "./fake_control.ts";

describe.skipIf(!hasChromium)("web UI in Chromium", () => {
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let browser: Browser | undefined;
  let base = "";
  const fc = new FakeControl();
  const deps = fakeDeps(fc);
  deps.now = Date.now; // cookies and sessions in real time for the browser

  beforeAll(async () => {
    const app = createApp(deps);
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    base = `http://127.0.0.1:${server.addr.port}`;
    browser = await launchChromium(CHROMIUM, 30_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
  }, 30_000);

  test("sign in, use every page without JavaScript errors, sign out", async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.setDefaultTimeout(10_000);
    try {
      await page.goto(`${base}/peers`);
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.fill("#username", "root");
      await page.fill("#password", "wrong");
      await page.click("button[type=submit]");
      expect(await page.textContent(".flash.error")).toContain("Wrong username or password");
      await page.fill("#password", "secret");
      await page.click("button[type=submit]");
      // Back on the page first asked for.
      expect(new URL(page.url()).pathname).toBe("/peers");
      expect(await page.textContent("h1")).toBe("Peers");

      // The stylesheet loads under the CSP.
      const headerBg = await page.$eval("header", (e) => getComputedStyle(e).backgroundColor);
      expect(headerBg).toBe("rgb(20, 32, 43)");

      await page.fill("#name", "cabin");
      await page.fill("#publicKey", "GpJ9jK3yX0lDk2mZ1H0y9d2b8r2Cq1zY6aZ4y0q7V3M=");
      await page.fill("#allowedIps", "10.77.0.4/32");
      await page.click("form[action='/peers/add'] button");
      expect(await page.textContent(".flash.ok")).toContain(`Added peer "cabin"`);
      expect(await page.locator("table.peers tbody tr").count()).toBe(3);

      await page.click("nav >> text=Status");
      expect(await page.textContent("h1")).toBe("Status");
      expect(await page.locator(".badge.connected").count()).toBe(1);

      await page.click("nav >> text=Invite");
      await page.fill("#inv-name", "aunt");
      await page.click("form[action='/invite/create'] button");
      expect(await page.inputValue("textarea.token")).toContain("punch1:");
      const qr = await page.locator("figure.qr svg").boundingBox();
      expect(qr!.width).toBeGreaterThan(200);

      await page.click("nav >> text=Netcheck");
      expect(await page.textContent("h2")).toContain("Verdict: direct");
      await page.click("form[action='/netcheck/refresh'] button");
      expect(await page.textContent(".flash.ok")).toContain("NAT check finished");

      await page.click("nav >> text=LAN hosts");
      await page.fill("#lan-name", "nas");
      await page.fill("#lan-host", "192.168.1.20");
      await page.click("form[action='/lan/add'] button");
      expect(await page.textContent(".flash.ok")).toContain("203.0.113.5:40000");
      await page.click("text=Config");
      expect(await page.inputValue("textarea.config")).toContain("PrivateKey =");
      expect(await page.locator("figure.qr svg").count()).toBe(1);

      await page.click("nav button:has-text('Sign out')");
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe("/login");

      // The one failed sign-in above logs its 401; anything else (a CSP refusal) is a problem.
      expect(problems.filter((p) => !p.includes("status of 401"))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000); // each step is quick, but a loaded CI machine makes Chromium slow
});
