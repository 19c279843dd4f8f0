import { describe, expect, test } from "vitest";
import { createApp } from "../../web/app.ts";
import { LoginLimiter } from "../../web/login_limiter.ts";
import { Client, hidden } from "./client.ts";
import { FakeControl, fakeDeps } from "./fake_control.ts";
import { webHosts } from "../../src/daemon/web_server_deno.ts";

function setup(opts: Parameters<typeof createApp>[1] = {}) {
  const fc = new FakeControl();
  const deps = fakeDeps(fc);
  let logins = 0;
  const login = deps.auth.login;
  deps.auth = { login: (u, p) => (logins++, login(u, p)) };
  const app = createApp(deps, opts);
  return { fc, deps, app, client: new Client(app), logins: () => logins };
}

describe("login and sessions", () => {
  test("every page but the login page needs a session", async () => {
    const { client } = setup();
    for (
      const path of ["/", "/peers", "/invite", "/netcheck", "/lan", "/lan/config?name=x", "/nope"]
    ) {
      const r = await client.get(path);
      expect(r.status, path).toBe(303);
      expect(r.headers.get("location")).toMatch(/^\/login\?next=/);
    }
    const api = await client.get("/api/status");
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: "Not signed in; sign in on /login first" });
    const post = await client.post("/peers/add", { publicKey: "x" });
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toMatch(/^\/login/);
  });

  test("signing in sets an HttpOnly SameSite=Strict cookie with a 32-byte id", async () => {
    const { client } = setup();
    const r = await client.login();
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const set = r.headers.getSetCookie().find((c) => c.startsWith("punch_session="))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(client.cookies.get("punch_session")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const home = await client.get("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Sign out root");
  });

  test("login goes back to the page first asked for, but only a local one", async () => {
    const { client } = setup();
    const first = await client.get("/lan/config?name=nas");
    const page = await (await client.follow(first)).text();
    expect(hidden(page, "next")).toBe("/lan/config?name=nas");
    const r = await client.post("/login", {
      username: "root",
      password: "secret",
      login_csrf: hidden(page, "login_csrf"),
      next: "//evil.example/",
    });
    expect(r.headers.get("location")).toBe("/");
  });

  test("a wrong password is refused without saying which part was wrong", async () => {
    const { client } = setup();
    const r = await client.login("root", "wrong");
    expect(r.status).toBe(401);
    const text = await r.text();
    expect(text).toContain("Wrong username or password");
    expect(client.cookies.has("punch_session")).toBe(false);
    const nobody = await client.login("nobody", "secret");
    expect(nobody.status).toBe(401);
  });

  test("the login form needs its own token (login CSRF)", async () => {
    const { client, logins } = setup();
    await client.get("/login");
    const r = await client.post("/login", {
      username: "root",
      password: "secret",
      login_csrf: "forged",
    });
    expect(r.status).toBe(403);
    expect(logins()).toBe(0);
  });

  test("failed logins are rate-limited per client", async () => {
    const { client, logins, deps } = setup({ limiter: { freeAttempts: 3, baseDelayMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await client.login("root", "bad")).status).toBe(401);
    const blocked = await client.login("root", "secret");
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain("Too many failed sign-ins");
    expect(logins()).toBe(3); // the blocked attempt never reached the password check
    deps.advance(61_000);
    expect((await client.login("root", "secret")).status).toBe(303);
  });

  test("sessions end after the idle timeout and on sign-out", async () => {
    const { client, deps } = setup({ sessionIdleMs: 60_000 });
    await client.login();
    deps.advance(30_000);
    expect((await client.get("/")).status).toBe(200);
    deps.advance(30_000);
    expect((await client.get("/")).status).toBe(200); // activity renewed it
    deps.advance(60_001);
    expect((await client.get("/")).status).toBe(303);

    await client.login();
    const csrf = await client.csrf();
    const id = client.cookies.get("punch_session")!;
    const out = await client.post("/logout", { _csrf: csrf });
    expect(out.headers.get("location")).toBe("/login");
    client.cookies.set("punch_session", id); // replaying the old cookie does not help
    expect((await client.get("/")).status).toBe(303);
  });

  test("a body that does not parse is a refused form, not an internal error (found by fuzzing)", async () => {
    const errors: unknown[] = [];
    const client = new Client(createApp(fakeDeps(), { onError: (e) => errors.push(e) }));
    await client.login();
    for (const path of ["/peers/add", "/login"]) {
      const r = await client.app.request(path, {
        method: "POST",
        headers: {
          "content-type": "multipart/form-data",
          origin: client.origin,
          cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        },
        body: "",
      });
      expect(r.status, path).toBe(403);
    }
    expect(errors).toEqual([]);
  });

  test("every POST needs the session's CSRF token and a same-site Origin", async () => {
    const { client, fc } = setup();
    await client.login();
    const csrf = await client.csrf();
    const none = await client.post("/peers/remove", { peer: "grandma" });
    expect(none.status).toBe(403);
    const wrong = await client.post("/peers/remove", {
      peer: "grandma",
      _csrf: csrf.slice(1) + "x",
    });
    expect(wrong.status).toBe(403);
    const cross = await client.post("/peers/remove", { peer: "grandma", _csrf: csrf }, {
      origin: "http://evil.example",
    });
    expect(cross.status).toBe(403);
    expect(fc.calls.some((c) => c.method === "peer.remove")).toBe(false);
    const ok = await client.post("/peers/remove", { peer: "grandma", _csrf: csrf });
    expect(ok.status).toBe(303);
    expect(fc.calls.some((c) => c.method === "peer.remove")).toBe(true);
  });

  test("responses carry CSP and other protective headers", async () => {
    const { client } = setup();
    const r = await client.get("/login");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(r.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const css = await client.get("/assets/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
  });

  test("internal errors show no message or stack, in HTML or JSON", async () => {
    const fc = new FakeControl();
    const deps = fakeDeps(fc);
    const seen: unknown[] = [];
    const boom = {
      get name(): string {
        throw new Error("secret internals");
      },
      toJSON(): never {
        throw new Error("secret internals");
      },
    };
    deps.control = (m) => m === "status" ? Promise.resolve(boom) : fc.control(m);
    const client = new Client(createApp(deps, { onError: (e) => seen.push(e) }));
    await client.login();
    const page = await client.get("/");
    expect(page.status).toBe(500);
    const html = await page.text();
    expect(html).not.toContain("secret internals");
    expect(html).not.toMatch(/at .*\.ts:\d+/);
    const api = await client.get("/api/status");
    expect(api.status).toBe(500);
    const body = await api.json() as { error: string };
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).not.toContain("secret");
    expect(seen.length).toBe(2);
  });

  test("oversized bodies are refused", async () => {
    const { client } = setup();
    await client.login();
    const csrf = await client.csrf();
    const r = await client.post("/invite/join", { _csrf: csrf, token: "x".repeat(70_000) });
    expect(r.status).toBe(413);
  });
});

describe("LoginLimiter", () => {
  test("backs off exponentially and forgets after a long quiet time", () => {
    const l = new LoginLimiter({ freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 8000 });
    l.fail("a", 0);
    expect(l.waitMs("a", 0)).toBe(0);
    l.fail("a", 0);
    expect(l.waitMs("a", 0)).toBe(1000);
    l.fail("a", 1000);
    expect(l.waitMs("a", 1000)).toBe(2000);
    for (let i = 0; i < 10; i++) l.fail("a", 2000);
    expect(l.waitMs("a", 2000)).toBe(8000);
    expect(l.waitMs("a", 2000 + 16_001)).toBe(0);
    expect(l.size).toBe(0);
  });
  test("memory stays bounded however many clients fail", () => {
    const l = new LoginLimiter({ maxClients: 100 });
    for (let i = 0; i < 10_000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`, i);
    expect(l.size).toBe(100);
  });
  test("success clears a client", () => {
    const l = new LoginLimiter({ freeAttempts: 0 });
    l.fail("a", 0);
    expect(l.waitMs("a", 0)).toBeGreaterThan(0);
    l.succeed("a");
    expect(l.waitMs("a", 0)).toBe(0);
  });
});

describe("Host header (DNS rebinding)", () => {
  const hosts = ["192.168.1.1", "router", "router.lan"];
  function app() {
    const deps = fakeDeps(new FakeControl());
    deps.hosts = () => hosts;
    return createApp(deps);
  }

  test("the router's own names and addresses pass, with or without a port", async () => {
    const a = app();
    for (
      const host of ["192.168.1.1:8451", "192.168.1.1", "Router.LAN:8451", "router", "router."]
    ) {
      const r = await a.request("http://x/login", { headers: { host } });
      expect(r.status, host).toBe(200);
    }
  });

  test("any other Host gets 421 with a clear text, before login or forms are looked at", async () => {
    const a = app();
    for (const host of ["evil.example", "192.168.1.1.evil.example:8451", "127.0.0.1", "", "a b"]) {
      const r = await a.request("http://x/login", { headers: { host } });
      expect(r.status, host).toBe(421);
      expect(await r.text()).toMatch(
        /^Wrong host ".*": this router's web UI answers only to its own names and addresses; open http:\/\/192\.168\.1\.1\/ instead$/,
      );
    }
    const post = await a.request("http://x:8451/login", {
      method: "POST",
      headers: { host: "evil.example:8451", "content-type": "application/x-www-form-urlencoded" },
      body: "username=root&password=x",
    });
    expect(post.status).toBe(421);
    expect(await post.text()).toContain("open http://192.168.1.1:8451/ instead");
  });

  test("webHosts: LAN address first, then the hostname and hostname.lan", () => {
    expect(webHosts("192.168.1.1", "OpenWrt")).toEqual(["192.168.1.1", "openwrt", "openwrt.lan"]);
    expect(webHosts("192.168.1.1", "")).toEqual(["192.168.1.1"]);
  });
});
