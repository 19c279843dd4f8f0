// GET /sso: a ticket from `punch web_ticket` becomes a normal session (cookie, CSRF), once.
import { describe, expect, test } from "vitest";
import { createApp } from "../../web/app.ts";
import { TicketStore } from "../../web/sso_tickets.ts";
import { Client, hidden } from "./client.ts";
import { FakeControl, fakeDeps } from "./fake_control.ts";

function setup(withTickets = true) {
  const fc = new FakeControl();
  const deps = fakeDeps(fc);
  const tickets = new TicketStore({ now: deps.now!, random: deps.random! });
  const app = createApp(deps, withTickets ? { tickets } : {});
  return { deps, tickets, client: new Client(app) };
}

describe("GET /sso", () => {
  test("a fresh ticket signs in: HttpOnly SameSite=Strict session cookie, redirect to /", async () => {
    const { tickets, client } = setup();
    const { ticket } = tickets.issue("luciuser");
    const r = await client.get(`/sso?ticket=${encodeURIComponent(ticket)}`);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const set = r.headers.getSetCookie().find((c) => c.startsWith("punch_session="))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const home = await client.get("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Sign out luciuser");
  });

  test("the session is a normal one: form posts still need its CSRF token", async () => {
    const { tickets, client } = setup();
    await client.get(`/sso?ticket=${tickets.issue("root").ticket}`);
    const bad = await client.post("/peers/remove", { peer: "x" });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("This form is out of date");
    const csrf = await client.csrf("/peers");
    const ok = await client.post("/logout", { _csrf: csrf });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/login");
    expect((await client.get("/")).status).toBe(303);
  });

  test("reuse is refused with the login page and a way forward; no cookie is set", async () => {
    const { tickets, client } = setup();
    const { ticket } = tickets.issue("root");
    await client.get(`/sso?ticket=${ticket}`);
    const other = new Client(client.app);
    const r = await other.get(`/sso?ticket=${ticket}`);
    expect(r.status).toBe(403);
    const page = await r.text();
    expect(page).toContain("This sign-in link was already used or has expired");
    expect(hidden(page, "login_csrf")).not.toBe("");
    expect(other.cookies.has("punch_session")).toBe(false);
    expect((await other.get("/")).status).toBe(303);
  });

  test("an expired ticket is refused", async () => {
    const { deps, tickets, client } = setup();
    const { ticket } = tickets.issue("root");
    (deps as unknown as { advance(ms: number): void }).advance(30_001);
    const r = await client.get(`/sso?ticket=${ticket}`);
    expect(r.status).toBe(403);
    expect(client.cookies.has("punch_session")).toBe(false);
  });

  test("no ticket, a made-up one, or an app without tickets: refused", async () => {
    const { client } = setup();
    expect((await client.get("/sso")).status).toBe(403);
    expect((await client.get("/sso?ticket=AAAA")).status).toBe(403);
    const bare = setup(false);
    const r = await bare.client.get(`/sso?ticket=${bare.tickets.issue("root").ticket}`);
    expect(r.status).toBe(403);
  });

  test("signing in by ticket replaces the session the browser had", async () => {
    const { tickets, client } = setup();
    await client.login();
    const before = client.cookies.get("punch_session");
    await client.get(`/sso?ticket=${tickets.issue("root").ticket}`);
    const after = client.cookies.get("punch_session");
    expect(after).not.toBe(before);
    const stale = new Client(client.app);
    stale.cookies.set("punch_session", before!);
    expect((await stale.get("/")).status).toBe(303);
  });
});
