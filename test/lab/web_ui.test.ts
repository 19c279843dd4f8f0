import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromium } from "../web/chromium.ts";
import { type Lab, labUp, REPO_ROOT, waitFor } from "./lab.ts";
import { LAB_ROOT_PASSWORD } from "./uci_files.ts";

/**
 * The web UI end to end: Chromium runs on a LAN host (inside its network namespace), signs in
 * with the router's password and adds a peer that punchd then has in UCI and WireGuard. The
 * same port on the WAN address is closed. On the way it saves the README's screenshots
 * (status with a connected peer, invite, netcheck) into docs/img/, so they follow the UI.
 */
const WEB_PORT = 8451;
const SHOTS = `${REPO_ROOT}/docs/img`;

async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

let lab: Lab;
let browser: Browser | undefined;
let wrapper = "";

beforeAll(async () => {
  lab = await labUp({
    name: "wu",
    routers: [{ id: "a" }, { id: "b" }],
    internetHosts: [{ id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] }],
  });
  await lab.startStun("stun");
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  // Chromium talks to Playwright over pipes, so it can live in the LAN host's namespace.
  wrapper = `${lab.dir}/chromium-a1.sh`;
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\nexec ip netns exec ${lab.ns("a1")} ${CHROMIUM} "$@"\n`,
    { mode: 0o755 },
  );
  if (hasChromium) {
    browser = await launchChromium(wrapper, 60_000);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.down();
}, 60_000);

describe.skipIf(!hasChromium)("web UI on the router's LAN side", () => {
  test("sign in from a LAN host, see the router, add a peer through the form", async () => {
    const b = JSON.parse((await lab.punchctl("b", ["status", "--json"])).stdout) as {
      publicKey: string;
      addresses: string[];
    };
    const base = `http://${lab.lanAddress("a")}:${WEB_PORT}`;
    const page = await browser!.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("#username", "root");
    await page.fill("#password", "not-the-password");
    await page.click("button[type=submit]");
    expect(await page.textContent(".flash.error")).toContain("Wrong username or password");
    await page.fill("#password", LAB_ROOT_PASSWORD);
    await page.click("button[type=submit]");
    const a = JSON.parse((await lab.punchctl("a", ["status", "--json"])).stdout) as {
      publicKey: string;
    };
    expect(await page.textContent("body")).toContain(a.publicKey);

    await page.goto(`${base}/peers`);
    await page.fill("#name", "b");
    await page.fill("#publicKey", b.publicKey);
    await page.fill("#endpoint", `${lab.publicAddress("b")}:51820`);
    await page.fill("#allowedIps", `${b.addresses[0]!.split("/")[0]}/32`);
    await page.click("form[action='/peers/add'] button");
    expect(await page.textContent(".flash.ok")).toContain("b");

    const list = JSON.parse((await lab.punchctl("a", ["peer", "list", "--json"])).stdout) as {
      name: string;
      publicKey: string;
    }[];
    expect(list).toMatchObject([{ name: "b", publicKey: b.publicKey }]);
    const uci = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`);
    expect(uci).toContain(`option public_key '${b.publicKey}'`);
    await page.close();
  });

  test("pairing and a LAN host from the web UI: invite made in the browser, joined with punchctl", async () => {
    // Start from a clean slate: the peer added by hand above goes first.
    const bKey =
      (JSON.parse((await lab.punchctl("b", ["status", "--json"])).stdout) as { publicKey: string })
        .publicKey;
    expect((await lab.punchctl("a", ["peer", "remove", bKey])).code).toBe(0);
    const base = `http://${lab.lanAddress("a")}:${WEB_PORT}`;
    const page = await browser!.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${base}/login`);
    await page.fill("#username", "root");
    await page.fill("#password", LAB_ROOT_PASSWORD);
    await page.click("button[type=submit]");
    await page.goto(`${base}/invite`);
    await page.click("form[action='/invite/create'] button");
    const token = (await page.inputValue("textarea.token")).trim();
    expect(token).toMatch(/^punch1-/);
    expect(await page.locator("svg").count()).toBeGreaterThan(0); // the QR code
    expect(await page.textContent("table.invites")).toContain("outstanding");
    await shot(page, "web-invite");
    const join = await lab.punchctl("b", ["join", token]);
    expect(join.stderr).toBe("");
    expect(join.code).toBe(0);
    const peers = JSON.parse((await lab.punchctl("a", ["peer", "list", "--json"])).stdout) as {
      name: string;
      publicKey: string;
    }[];
    expect(peers).toMatchObject([{ name: "b", publicKey: bKey }]);
    await page.goto(`${base}/peers`);
    expect(await page.textContent("table.peers tbody")).toContain("b");

    await page.goto(`${base}/invite`);
    expect(await page.textContent("table.invites")).toContain("used");
    // A second invite, withdrawn from the page.
    await page.click("form[action='/invite/create'] button");
    await page.click("form[action='/invite/revoke'] button");
    expect(await page.textContent(".flash.ok")).toContain("revoked");
    expect(await page.textContent("table.invites")).toContain("revoked");

    await page.goto(`${base}/lan`);
    await page.fill("#lan-name", "a1");
    await page.fill("#lan-host", lab.hostAddress("a1"));
    await page.click("form[action='/lan/add'] button");
    expect(await page.textContent(".flash.ok")).toContain(
      `reachable at ${lab.publicAddress("a")}:`,
    );
    const hosts = JSON.parse((await lab.punchctl("a", ["lan", "list", "--json"])).stdout) as {
      name: string;
    }[];
    expect(hosts.map((h) => h.name)).toEqual(["a1"]);
    // The hint follows the pairing: b's card has arrived, b has no LAN host yet.
    expect(await page.textContent("table.lan")).toContain("once one of them adds a LAN host");

    const connected = await waitFor(async () => {
      const st = JSON.parse((await lab.punchctl("a", ["status", "--json"])).stdout) as {
        peers: { state: string }[];
      };
      return st.peers[0]?.state === "connected";
    }, 20_000);
    expect(connected).toBe(true);
    await page.goto(`${base}/`);
    expect(await page.textContent("table.peers tbody")).toContain("connected");
    await shot(page, "web-status");
    await page.goto(`${base}/netcheck`);
    await page.click("form[action='/netcheck/refresh'] button");
    expect(await page.textContent("main")).toContain("Verdict: public");
    await shot(page, "web-netcheck");
    await page.close();
  });

  test("punchctl web-link: a LAN browser opens it signed in, once", async () => {
    const r = await lab.punchctl("a", ["web-link"]);
    const url = r.stdout.split("\n")[0]!;
    expect(url).toMatch(
      new RegExp(`^http://${lab.lanAddress("a").replace(/\./g, "\\.")}:${WEB_PORT}/sso\\?ticket=`),
    );
    expect(r.stdout).toContain("single use, valid 30 s");
    const first = await browser!.newContext();
    const second = await browser!.newContext();
    try {
      const page = await first.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(url);
      expect(new URL(page.url()).pathname).toBe("/");
      expect(await page.textContent("body")).toContain("Sign out root");
      const again = await second.newPage();
      const res = await again.goto(url);
      expect(res!.status()).toBe(403);
      expect(await again.textContent(".flash.error")).toContain("already used or has expired");
    } finally {
      await first.close();
      await second.close();
    }
  });

  test("the web UI is not reachable on the WAN address", async () => {
    const probe = `try { await fetch("http://${
      lab.wanAddress("a")
    }:${WEB_PORT}/login", { signal: AbortSignal.timeout(3000) }); console.log("open") } catch { console.log("closed") }`;
    const r = await lab.exec("b", [`${REPO_ROOT}/node_modules/.bin/deno`, "eval", probe], {
      timeoutMs: 20_000,
    });
    expect(r.stdout.trim()).toBe("closed");
  });
});
