import { describe, expect, test } from "vitest";
import { createApp, ROUTES } from "../../web/app.ts";
import { Client } from "./client.ts";
import { FakeControl, fakeDeps } from "./fake_control.ts";

async function signedIn(fc = new FakeControl()) {
  const client = new Client(createApp(fakeDeps(fc)));
  await client.login();
  return { client, fc, csrf: await client.csrf() };
}

function lastCall(fc: FakeControl, method: string) {
  return fc.calls.filter((c) => c.method === method).at(-1);
}

describe("route table", () => {
  test("every route has a summary and a unique method and path", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of ROUTES) expect(r.summary.length).toBeGreaterThan(5);
  });
});

describe("status page", () => {
  test("shows the router, peers with their state, and the NAT verdict", async () => {
    const { client } = await signedIn();
    const html = await (await client.get("/")).text();
    expect(html).toContain("HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=");
    expect(html).toContain("grandma");
    expect(html).toContain(`<span class="badge connected">connected</span>`);
    expect(html).toContain(`<span class="badge never">never</span>`);
    expect(html).toContain("30 s ago");
    expect(html).toContain("120.6 KiB / 7.7 KiB");
    expect(html).toContain("Direct tunnels should work from here");
    expect(html).toContain("203.0.113.5:40123");
    expect(html).toContain(`aria-current="page">Status`);
  });

  test("shows each peer's path, since when, and why", async () => {
    const fc = new FakeControl();
    Object.assign(fc.peers[0]!, {
      path: "relayed",
      pathSince: 1_700_000_000_000 - 180_000,
      pathWhy: 'No direct path works; WireGuard goes through router "c"',
    });
    const { client } = await signedIn(fc);
    for (const page of ["/", "/peers"]) {
      const html = await (await client.get(page)).text();
      expect(html).toContain("relayed, since 3 min ago");
      expect(html).toContain("No direct path works; WireGuard goes through router &quot;c&quot;");
    }
  });

  test("escapes everything that comes from punchd or the user", async () => {
    const fc = new FakeControl();
    fc.peers[0]!.name = `<script>alert("x")</script>`;
    fc.peers[0]!.endpoint = `"><img src=x>`;
    const { client } = await signedIn(fc);
    const html = await (await client.get("/")).text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  test("a peer's description is shown only when it differs from its name", async () => {
    const fc = new FakeControl();
    fc.peers[0]!.description = fc.peers[0]!.name;
    fc.peers[1]!.description = "the office router";
    const { client } = await signedIn(fc);
    const html = await (await client.get("/")).text();
    expect(html).not.toContain(`<span class="hint">${String(fc.peers[0]!.name)}</span>`);
    expect(html).toContain(`<span class="hint">the office router</span>`);
  });

  test("when punchd is down the page says what to do", async () => {
    const fc = new FakeControl();
    const { client } = await signedIn(fc);
    fc.failures.set("status", "Cannot connect to /var/run/punch/punchd.sock: no such file");
    const r = await client.get("/");
    expect(r.status).toBe(502);
    const html = await r.text();
    expect(html).toContain("Cannot load the status: Cannot connect to /var/run/punch/punchd.sock");
    expect(html).toContain("service punch status");
  });

  test("shows punchd's warnings", async () => {
    const fc = new FakeControl();
    const status = fc.control;
    fc.control = async (m, p) => {
      const v = await status(m, p);
      return m === "status"
        ? { ...(v as object), warnings: ["Firewall zone missing; run punchctl doctor"] }
        : v;
    };
    const { client } = await signedIn(fc);
    expect(await (await client.get("/")).text()).toContain(
      "Firewall zone missing; run punchctl doctor",
    );
  });

  test("shows what punchd refused for a peer, escaped", async () => {
    const fc = new FakeControl();
    fc.peers[0]!.problems = [
      `"grandma" asked to route 203.0.113.0/24, which is not a private range <b>`,
    ];
    const { client } = await signedIn(fc);
    const html = await (await client.get("/")).text();
    expect(html).toContain(
      "Peer grandma: &quot;grandma&quot; asked to route 203.0.113.0/24, which is not a private range &lt;b&gt;",
    );
  });

  test("the JSON status is there for scripts with a session", async () => {
    const { client } = await signedIn();
    const r = await client.get("/api/status");
    expect(r.status).toBe(200);
    expect(((await r.json()) as { name: string }).name).toBe("home");
  });
});

describe("peers page", () => {
  test("adds a peer and shows the outcome after the redirect", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/peers/add", {
      _csrf: csrf,
      name: "cabin",
      publicKey: "GpJ9jK3yX0lDk2mZ1H0y9d2b8r2Cq1zY6aZ4y0q7V3M=",
      endpoint: "cabin.example:51820",
      allowedIps: "10.77.0.4/32, 192.168.4.0/24",
    });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/peers");
    expect(lastCall(fc, "peer.add")?.params).toEqual({
      publicKey: "GpJ9jK3yX0lDk2mZ1H0y9d2b8r2Cq1zY6aZ4y0q7V3M=",
      endpoint: "cabin.example:51820",
      allowedIps: ["10.77.0.4/32", "192.168.4.0/24"],
      name: "cabin",
    });
    const html = await (await client.follow(r)).text();
    expect(html).toContain(`Added peer &quot;cabin&quot;`);
    expect(html).toContain("cabin");
    // The flash is shown once.
    expect(await (await client.get("/peers")).text()).not.toContain("Added peer");
  });

  test("a bad key is caught before punchd and the form keeps what was typed", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/peers/add", {
      _csrf: csrf,
      name: "typo",
      publicKey: "not-a-key",
      allowedIps: "10.77.0.9/32",
    });
    expect(lastCall(fc, "peer.add")).toBeUndefined();
    const html = await (await client.follow(r)).text();
    expect(html).toContain(
      "Could not add the peer: public key &quot;not-a-key&quot; is not a WireGuard key",
    );
    expect(html).toContain(`value="typo"`);
    expect(html).toContain(`value="10.77.0.9/32"`);
  });

  test("punchd's refusal is shown with its advice", async () => {
    const fc = new FakeControl();
    fc.failures.set(
      "peer.add",
      'Allowed IP "10.77.0.2/32" overlaps peer "grandma"; pick another address',
    );
    const { client, csrf } = await signedIn(fc);
    const r = await client.post("/peers/add", {
      _csrf: csrf,
      publicKey: "GpJ9jK3yX0lDk2mZ1H0y9d2b8r2Cq1zY6aZ4y0q7V3M=",
      allowedIps: "10.77.0.2/32",
    });
    const html = await (await client.follow(r)).text();
    expect(html).toContain(
      "Could not add the peer: Allowed IP &quot;10.77.0.2/32&quot; overlaps peer",
    );
    expect(html).toContain("pick another address");
  });

  test("removes a peer by name", async () => {
    const { client, fc, csrf } = await signedIn();
    const page = await (await client.get("/peers")).text();
    expect(page).toContain(`name="peer" value="grandma"`);
    const r = await client.post("/peers/remove", { _csrf: csrf, peer: "office" });
    expect(lastCall(fc, "peer.remove")?.params).toEqual({ peer: "office" });
    expect(await (await client.follow(r)).text()).toContain("Removed peer &quot;office&quot;");
    expect(fc.peers.map((p) => p.name)).toEqual(["grandma"]);
  });
});

describe("invite page", () => {
  test("creating an invite shows the token and its QR code", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/invite/create", { _csrf: csrf, name: "aunt", expires: "24h" });
    expect(lastCall(fc, "invite.create")?.params).toEqual({ name: "aunt", expires: "24h" });
    const html = await (await client.follow(r)).text();
    expect(html).toContain("punch1:" + "A".repeat(180) + "aunt");
    expect(html).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 65 65"/);
    expect(html).toContain("2023-11-15 22:13:20 UTC");
    expect(html).toContain("run punchctl join TOKEN there");
  });

  test("joining shows the reply token to send back; accepting finishes", async () => {
    const { client, fc, csrf } = await signedIn();
    const j = await client.post("/invite/join", {
      _csrf: csrf,
      token: " punch1:abc \n",
      name: "uncle",
    });
    expect(lastCall(fc, "invite.join")?.params).toEqual({ token: "punch1:abc", name: "uncle" });
    const html = await (await client.follow(j)).text();
    expect(html).toContain("Joined &quot;uncle&quot;; send the reply token below back to finish");
    expect(html).toContain("punch1r:" + "B".repeat(150));
    expect(html).toContain("<svg");
    const a = await client.post("/invite/accept", { _csrf: csrf, reply: "punch1r:xyz" });
    expect(lastCall(fc, "invite.accept")?.params).toEqual({ reply: "punch1r:xyz" });
    expect(await (await client.follow(a)).text()).toContain(
      "Reply accepted: &quot;joiner&quot; is now a peer",
    );
  });

  test("an expired token shows punchd's message and keeps the token in the form", async () => {
    const fc = new FakeControl();
    fc.failures.set("invite.join", "Invite expired at 2023-11-15 10:00 UTC; ask for a new one");
    const { client, csrf } = await signedIn(fc);
    const r = await client.post("/invite/join", { _csrf: csrf, token: "punch1:old" });
    const html = await (await client.follow(r)).text();
    expect(html).toContain(
      "Could not join with this token: Invite expired at 2023-11-15 10:00 UTC; ask for a new one",
    );
    expect(html).toContain(">punch1:old</textarea>");
  });

  test("an empty token is refused with advice", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/invite/join", { _csrf: csrf, token: "  " });
    expect(lastCall(fc, "invite.join")).toBeUndefined();
    expect(await (await client.follow(r)).text()).toContain("paste the invite token you were sent");
  });
});

describe("netcheck page", () => {
  test("shows verdict, advice and each server", async () => {
    const { client, fc } = await signedIn();
    const html = await (await client.get("/netcheck")).text();
    expect(lastCall(fc, "netcheck")?.params).toEqual({ refresh: false });
    expect(html).toContain("Verdict: direct");
    expect(html).toContain("endpoint-independent");
    expect(html).toContain("127.0.0.1:3478");
    expect(html).toContain("1 ms");
    expect(html).toContain("timed out after 2000 ms");
    expect(html).toContain("Hairpinning not tested");
    expect(html).toContain("took 812 ms");
  });

  test("the refresh button runs a new check", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/netcheck/refresh", { _csrf: csrf });
    expect(lastCall(fc, "netcheck")?.params).toEqual({ refresh: true });
    expect(await (await client.follow(r)).text()).toContain("NAT check finished");
  });
});

describe("LAN hosts page", () => {
  test("add, list with public endpoint, config with QR, remove", async () => {
    const { client, fc, csrf } = await signedIn();
    expect(await (await client.get("/lan")).text()).toContain("No LAN hosts yet");
    const r = await client.post("/lan/add", {
      _csrf: csrf,
      name: "nas",
      host: "192.168.1.20",
      port: "51820",
      remote: "",
    });
    expect(lastCall(fc, "lan.add")?.params).toEqual({
      name: "nas",
      host: "192.168.1.20",
      port: 51820,
    });
    const list = await (await client.follow(r)).text();
    expect(list).toContain(
      "Added LAN host &quot;nas&quot;, reachable at 203.0.113.5:40000. No Punch router is paired yet",
    );
    expect(list).toContain("none yet"); // pinholes: no remote named, no card yet
    expect(list).toContain("only for a remote that does not run Punch");
    expect(list).toContain(`href="/lan/config?name=nas"`);
    const cfg = await client.get("/lan/config?name=nas");
    expect(cfg.status).toBe(200);
    const cfgHtml = await cfg.text();
    expect(cfgHtml).toContain("PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=");
    expect(cfgHtml).toContain("<svg");
    const rm = await client.post("/lan/remove", { _csrf: csrf, name: "nas" });
    expect(await (await client.follow(rm)).text()).toContain("Removed LAN host &quot;nas&quot;");
    expect(fc.lan).toEqual([]);
  });

  test("a bad port never reaches punchd", async () => {
    const { client, fc, csrf } = await signedIn();
    const r = await client.post("/lan/add", {
      _csrf: csrf,
      name: "nas",
      host: "192.168.1.20",
      port: "99999",
    });
    expect(lastCall(fc, "lan.add")).toBeUndefined();
    expect(await (await client.follow(r)).text()).toContain(
      "port &quot;99999&quot; is not a number from 1 to 65535",
    );
  });

  test("config for an unknown host says so", async () => {
    const fc = new FakeControl();
    fc.failures.set("lan.config", 'No LAN host "tv"; add it first');
    const { client } = await signedIn(fc);
    const r = await client.get("/lan/config?name=tv");
    expect(r.status).toBe(502);
    expect(await r.text()).toContain("No LAN host &quot;tv&quot;; add it first");
  });
});
