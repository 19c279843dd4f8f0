// Peering end to end (issue 4): invite/join between real punchd processes in network namespaces,
// site-to-site pings between LAN hosts, the reply-token path behind a NAT, recovery after a WAN
// address change, a three-site mesh and bad tokens/cards. Tests run in order on one lab.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, REPO_ROOT, waitFor } from "./lab.ts";
import { toBase64 } from "../../src/lib/base64.ts";
import { encodeCardBundle, newSignSeed, routerKeys, signCard } from "../../src/peer/mod.ts";

const NAME = "pe";
/** Bound on the time the tunnel may take to come back after a WAN change (asserted). */
const RECOVERY_BOUND_MS = 15_000;

let lab: Lab;
let replyForD = "";

async function ctl(id: string, argv: string[]) {
  return await lab.punchctl(id, argv);
}

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await ctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv[0]} on ${id} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function invite(id: string, extra: string[] = []): Promise<string> {
  const r = JSON.parse(await ok(id, ["invite", "--json", ...extra])) as { token: string };
  return r.token;
}

function pings(from: string, to: string): Promise<boolean> {
  return lab.exec(from, ["ping", "-c1", "-W1", lab.hostAddress(to)]).then((r) => r.code === 0);
}

async function cards(
  id: string,
): Promise<{ name: string; seq: number; endpoints: string[]; self: boolean }[]> {
  return JSON.parse(await ok(id, ["cards", "--json"]));
}

async function wgEndpoint(id: string, peerName: string): Promise<string | undefined> {
  const pid = lab.punchdPid(id)!;
  const key = (await cards(id)).find((c) => c.name === peerName) as unknown as {
    wgPublicKey: string;
  } | undefined;
  const r = await lab.nsExecInProcess(pid, ["wg", "show", "wg0", "endpoints"]);
  const line = r.stdout.split("\n").find((l) => key !== undefined && l.startsWith(key.wgPublicKey));
  return line?.split("\t")[1];
}

function send(from: string, target: string, payloads: Uint8Array[]) {
  return lab.exec(from, [
    Deno.execPath(),
    "run",
    "-A",
    "--no-config",
    "--unstable-net",
    `${REPO_ROOT}/test/lab/udp_send_deno.ts`,
    target,
    ...payloads.map(toBase64),
  ]);
}

beforeAll(async () => {
  lab = await labUp({
    name: NAME,
    routers: [
      { id: "a" }, // 203.0.113.10, LAN 192.168.1.0/24
      { id: "b" }, // 203.0.113.20, LAN 192.168.2.0/24
      { id: "c" }, // 203.0.113.30, LAN 192.168.3.0/24
      { id: "d", upstream: [{ kind: "cone", inside: "10.0.4.0/24" }] }, // behind a NAT
      { id: "e", lan: "192.168.1.1/24" }, // same LAN as a
    ],
    // STUN lets d (behind the NAT) learn its public address: its invite names an endpoint whose
    // control port the NAT filters, so its token has control port 0 and the joiner goes straight
    // to a reply token.
    internetHosts: [{ id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] }],
  });
  await lab.startStun("stun");
  await Promise.all(
    ["a", "b", "c", "d", "e"].map((id) => lab.startPunchd(id)),
  );
});

afterAll(async () => {
  await lab?.down();
});

describe("peering in the lab", () => {
  test("two routers pair with invite/join only; LAN hosts reach each other", async () => {
    const token = await invite("a", ["--expires", "1h"]);
    expect(token).toMatch(/^punch1-/);
    const out = await ok("b", ["join", token]);
    expect(out).toMatch(/^paired with "a"/);
    expect(await waitFor(() => pings("a1", "b1"), 20_000, 250)).toBe(true);
    expect(await pings("b1", "a1")).toBe(true);
    // Each side holds the other's signed card.
    expect((await cards("a")).map((c) => c.name)).toEqual(["a", "b"]);
    expect((await cards("b")).map((c) => c.name)).toEqual(["b", "a"]);
  });

  test("three sites: C joins through A and reaches B directly", async () => {
    const out = await ok("c", ["join", await invite("a")]);
    expect(out).toMatch(/^paired with "a"/);
    expect(await waitFor(() => pings("c1", "b1"), 20_000, 250)).toBe(true);
    // Direct: C's WireGuard talks to B's own address, not through A.
    expect(await wgEndpoint("c", "b")).toBe(`${lab.publicAddress("b")}:51820`);
    expect(await wgEndpoint("b", "c")).toBe(`${lab.publicAddress("c")}:51820`);
    expect((await cards("b")).map((c) => c.name).sort()).toEqual(["a", "b", "c"]);
  });

  test("A's WAN address changes: tunnels come back without user action", async () => {
    const before = (await cards("b")).find((c) => c.name === "a")!.seq;
    const t0 = Date.now();
    await lab.setWanAddress("a", "203.0.113.110/24");
    const back = await waitFor(
      async () => (await pings("b1", "a1")) && (await pings("c1", "a1")),
      RECOVERY_BOUND_MS,
      200,
    );
    const ms = Date.now() - t0;
    expect(back).toBe(true);
    console.log(`recovery after WAN change: ${ms} ms`);
    // B got A's new signed card (pushed, not only learned by WireGuard roaming).
    expect(
      await waitFor(
        async () => {
          const a = (await cards("b")).find((c) => c.name === "a")!;
          return a.seq > before && a.endpoints.includes("203.0.113.110:51820");
        },
        10_000,
        250,
      ),
    ).toBe(true);
    // The new endpoint is runtime state: in WireGuard and in status, not written to UCI.
    const net = await Deno.readTextFile(`${lab.routerDir("b")}/etc/config/network`);
    expect(net).not.toContain("203.0.113.110");
    const st = JSON.parse(await ok("b", ["status", "--json"])) as {
      peers: { name: string; endpoint?: string; endpointSource?: string }[];
    };
    expect(st.peers.find((p) => p.name === "a")).toMatchObject({
      endpoint: "203.0.113.110:51820",
      endpointSource: "card",
    });
  });

  test("inviter behind a NAT: join prints a reply token, accept finishes", async () => {
    const self = async () => (await cards("d")).find((c) => c.self)!;
    const pub = `${lab.publicAddress("d")}:51820`; // from netcheck
    expect(await waitFor(async () => (await self()).endpoints.includes(pub), 20_000, 250)).toBe(
      true,
    );
    // Then the private WAN address, for a router behind the same NAT.
    expect((await self()).endpoints).toEqual([pub, `${lab.wanAddress("d")}:51820`]);
    const inv = JSON.parse(await ok("d", ["invite", "--json"])) as {
      token: string;
      reachable: boolean;
      inbound: string;
    };
    // Netcheck showed the NAT in front filters: the token says so, join does not wait for it.
    expect(inv).toMatchObject({ reachable: false, inbound: "filtered" });
    expect(await ok("d", ["invite"])).toMatch(/filters unsolicited packets \(netcheck\)/);
    const out = JSON.parse(await ok("a", ["join", "--json", inv.token])) as { reply?: string };
    expect(out.reply).toMatch(/^punch1r-/);
    replyForD = out.reply!;
    const text = await ok("d", ["accept", replyForD]);
    expect(text).toMatch(/^paired with "a"/);
    expect(await waitFor(() => pings("d1", "a1"), 20_000, 250)).toBe(true);
    expect(await waitFor(() => pings("a1", "d1"), 5_000, 250)).toBe(true);
    // Cards flow through the new tunnel both ways.
    expect(
      await waitFor(
        async () => (await cards("d")).some((c) => c.name === "a" && c.seq > 0),
        10_000,
        250,
      ),
    ).toBe(true);
  });

  test("bad tokens and cards give clear errors", async () => {
    const token = await invite("b", ["--expires", "1h"]);
    const cases: [string, string[], RegExp][] = [
      ["garbled", ["join", token.slice(0, 20) + "!!" + token.slice(22)], /invite|token/i],
      ["truncated", ["join", token.slice(0, -12)], /truncated|short|incomplete|copy/i],
      ["reply given to join", ["join", replyForD], /accept/],
      ["invite given to accept", ["accept", token], /join/],
      ["foreign reply", ["accept", replyForD], /does not match any invite/],
    ];
    for (const [what, argv, re] of cases) {
      const r = await ctl("c", argv);
      expect(r.code, what).not.toBe(0);
      expect(r.stderr, what).toMatch(re);
      expect(r.stderr.split("\n").filter((l) => l !== "").length, what).toBe(1);
    }
    const again = await ctl("d", ["accept", replyForD]);
    expect(again.stderr).toMatch(/already accepted/);
    const short = await invite("b", ["--expires", "1s"]);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await ctl("c", ["join", short]);
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toMatch(/expired/);
    // A used token is refused by the inviter (replayed by a third router).
    expect(await ok("c", ["join", token])).toMatch(/^paired with "b"/);
    const replayed = await ctl("d", ["join", token]);
    expect(replayed.code).not.toBe(0);
    expect(replayed.stderr).toMatch(/already used/);

    // Cards: forged (unknown signer), altered (bad signature), replayed (old seq) are dropped.
    const before = await cards("b");
    const k = routerKeys(
      toBase64(crypto.getRandomValues(new Uint8Array(32))),
      newSignSeed((n) => crypto.getRandomValues(new Uint8Array(n))),
    );
    const forged = signCard({
      wgPublicKey: toBase64(k.wgPublicKey),
      signPublicKey: toBase64(k.signPublicKey),
      name: "mallory",
      seq: 99,
      issuedAt: Date.now(),
      endpoints: ["203.0.113.66:51820"],
      tunnelAddresses: ["10.77.66.66/16"],
      lanSubnets: ["192.168.66.0/24"],
    }, k.signSeed);
    // Received cards live in RAM (/var/run), never in the state file on flash.
    const state = JSON.parse(await Deno.readTextFile(`${lab.routerDir("c")}/etc/punch/state.json`));
    expect(state.cards.cards).toEqual([]);
    const ram = JSON.parse(
      await Deno.readTextFile(`${lab.routerDir("c")}/var/run/punch/peering.json`),
    );
    const stored = (ram.cards as string[]).map((s) =>
      Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0))
    );
    const altered = stored[0]!.slice();
    altered[altered.length - 70] = altered[altered.length - 70]! ^ 1;
    const target = `${lab.wanAddress("b")}:51821`;
    const r = await send("c", target, [
      encodeCardBundle([forged]),
      encodeCardBundle([altered]),
      encodeCardBundle(stored),
      new TextEncoder().encode("PB\x01\x09garbage"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    const after = await cards("b");
    const rows = (x: typeof before) => x.map((c) => `${c.name} ${c.seq}`).sort();
    expect(rows(after)).toEqual(rows(before));
    expect(after.some((c) => c.name === "mallory")).toBe(false);
    // punchd is still healthy.
    expect(await pings("b1", "a1")).toBe(true);
  });

  test("overlapping LANs are explained at join time, and left out only when asked", async () => {
    const token = await invite("a");
    const refused = await ctl("e", ["join", token]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/both use 192\.168\.1\.0\/24.*--allow-overlap/);
    expect(await ok("e", ["join", "--allow-overlap", token])).toMatch(/^paired with "a"/);
    const net = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`);
    const eKey = (await cards("e")).find((c) => c.self) as unknown as { wgPublicKey: string };
    const section = net.split("\nconfig ").find((s) => s.includes(eKey.wgPublicKey))!;
    expect(section).not.toContain("192.168.1.0/24");
    // The mesh does not let e take a's subnet over on b: b1 still reaches a1.
    expect(
      await waitFor(async () => (await cards("b")).some((c) => c.name === "e"), 10_000, 250),
    ).toBe(true);
    expect(await pings("b1", "a1")).toBe(true);
    const bNet = await Deno.readTextFile(`${lab.routerDir("b")}/etc/config/network`);
    const eOnB = bNet.split("\nconfig ").find((s) => s.includes(eKey.wgPublicKey))!;
    expect(eOnB).not.toContain("192.168.1.0/24");
  });

  test("keys and state are 0600 and survive a restart", async () => {
    for (const f of ["etc/punch/sign.key", "etc/punch/state.json", "var/run/punch/peering.json"]) {
      const st = await Deno.stat(`${lab.routerDir("b")}/${f}`);
      expect((st.mode ?? 0) & 0o777, f).toBe(0o600);
    }
    const before = await cards("b");
    await lab.stopPunchd("b");
    await lab.startPunchd("b");
    const t0 = Date.now();
    const after = await cards("b");
    expect(after.map((c) => c.name).sort()).toEqual(before.map((c) => c.name).sort());
    expect(after[0]!.seq).toBeGreaterThan(before[0]!.seq); // re-signed, never reused
    // WireGuard keeps the endpoints learned from cards (RAM), not the older ones in UCI.
    expect(await waitFor(() => pings("b1", "a1"), 15_000, 250)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test("after a reboot (RAM cleared) the peers' pushes bring their cards back", async () => {
    const names = async () => (await cards("b")).map((c) => c.name).sort().join(",");
    const before = await names();
    await lab.stopPunchd("b");
    await Deno.remove(`${lab.routerDir("b")}/var/run/punch/peering.json`);
    await lab.startPunchd("b");
    const t0 = Date.now();
    expect(await waitFor(async () => (await names()) === before, 30_000, 250)).toBe(true);
    console.log(`cards back after a reboot: ${Date.now() - t0} ms (${before})`);
    expect(await waitFor(() => pings("b1", "a1"), 15_000, 250)).toBe(true);
    expect(await waitFor(() => pings("b1", "c1"), 15_000, 250)).toBe(true);
  });
});
