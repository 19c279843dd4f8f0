import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, waitFor } from "./lab.ts";
import { planLab } from "./topology.ts";

/** IPv6 in the lab: global addresses on WANs, routed (no NAT66) through upstreams, fw4 filtering. */
const NAME = "ip6";
const CONTROL_PORT = 51821;
let lab: Lab;

/** Packet counter of the first rule in `chain` whose text contains `needle`. */
async function counter(router: string, chain: string, needle: string): Promise<number> {
  const r = await lab.exec(router, ["nft", "list", "chain", "inet", "fw4", chain]);
  const line = r.stdout.split("\n").find((l) =>
    l.includes(needle) && l.includes("counter packets")
  );
  const m = /counter packets (\d+)/.exec(line ?? "");
  if (m === null) throw new Error(`No counter for "${needle}" in ${chain}:\n${r.stdout}`);
  return Number(m[1]);
}

describe("IPv6 plan (sans-I/O)", () => {
  test("public and upstream routers get routed addresses, IPv6 stays off elsewhere", () => {
    const p = planLab({
      name: "ip6",
      routers: [
        { id: "a", v6: true },
        { id: "b", v6: true, upstream: [{ kind: "symmetric", inside: "10.0.2.0/24" }] },
        { id: "c" },
      ],
      internetHosts: [{ id: "echo", addresses: ["203.0.113.5/24", "2001:db8::5"] }],
    });
    const node = (id: string) => p.nodes.find((n) => n.id === id)!;
    expect(node("inet").addrs["br0"]).toEqual(["203.0.113.1/24", "2001:db8::1/64"]);
    expect(node("inet").routes6).toEqual(["2001:db8:2::/48 via 2001:db8::20"]);
    expect(node("a").router?.wanV6).toBe("2001:db8::10/64");
    expect(node("a").gateway6).toBe("2001:db8::1");
    expect(node("b-up0").addrs).toEqual({
      out0: ["203.0.113.20/24", "2001:db8::20/64"],
      in0: ["10.0.2.1/24", "2001:db8:2::1/64"],
    });
    expect(node("b").router?.wanV6).toBe("2001:db8:2::2/64");
    expect(node("b").gateway6).toBe("2001:db8:2::1");
    expect(node("c").ipv6).toBeUndefined();
    expect(node("echo").addrs["eth0"]).toEqual(["203.0.113.5/24", "2001:db8::5/64"]);
    expect(() =>
      planLab({
        name: "ip6",
        routers: [{
          id: "f",
          v6: true,
          upstream: [{ kind: "cone", inside: "100.64.0.0/24", shared: "cgn" }],
        }],
      })
    ).toThrow(/shared upstream/);
  });
});

describe("IPv6 in the lab", () => {
  beforeAll(async () => {
    lab = await labUp({
      name: NAME,
      routers: [
        { id: "a", v6: true, hosts: 0 },
        {
          id: "b",
          v6: true,
          hosts: 0,
          acceptWanUdp: [40100],
          upstream: [{ kind: "cone", inside: "10.0.2.0/24" }, {
            kind: "symmetric",
            inside: "100.64.0.0/24",
          }],
        },
        { id: "c", hosts: 0 },
        {
          id: "d",
          v6: true,
          hosts: 0,
          // Stands for a filter in front of the router (modem, ISP) dropping the admitted port.
          firewallIncludes: [{
            position: "chain-pre",
            chain: "input",
            text:
              `iifname "wan0" meta nfproto ipv6 udp dport ${CONTROL_PORT} ct state new drop comment "lab: upstream filter"`,
          }],
        },
        { id: "e", v6: true, hosts: 0, upstream: [{ kind: "symmetric", inside: "10.0.5.0/24" }] },
      ],
      internetHosts: [
        { id: "echo", addresses: ["203.0.113.5/24", "2001:db8::5"] },
        { id: "stranger", addresses: ["203.0.113.99/24", "2001:db8::99"] },
        {
          id: "stun",
          addresses: ["203.0.113.3/24", "203.0.113.4/24", "2001:db8::3", "2001:db8::4"],
        },
      ],
    });
    await lab.startUdpEcho("echo", [3478]);
    await lab.startStun("stun");
    await Promise.all(["a", "b", "d", "e"].map((id) => lab.startPunchd(id)));
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  test("a router's IPv6 WAN reaches an IPv6 internet host, through upstream NATs without NAT66", async () => {
    expect((await lab.exec("a", ["ping", "-6", "-c", "1", "-W", "2", "2001:db8::5"])).code).toBe(0);
    expect((await lab.exec("b", ["ping", "-6", "-c", "1", "-W", "2", "2001:db8::5"])).code).toBe(0);
    const seen = await lab.udpProbe("b", 41000, ["[2001:db8::5]:3478"]);
    expect(seen["[2001:db8::5]:3478"]).toBe(`[${lab.wanV6Address("b")}]:41000`);
    // IPv4 still goes through both NATs.
    const v4 = await lab.udpProbe("b", 41001, ["203.0.113.5:3478"]);
    expect(v4["203.0.113.5:3478"]).toMatch(/^203\.0\.113\.20:\d+$/);
    // A router without v6 has none.
    expect(lab.wanV6Address("c")).toBeUndefined();
    expect((await lab.exec("c", ["ip", "-6", "addr", "show", "dev", "wan0"])).stdout.trim()).toBe(
      "",
    );
  });

  test("unsolicited inbound IPv6 is rejected by the router's fw4, an admitted port is let in", async () => {
    const a6 = lab.wanV6Address("a")!, b6 = lab.wanV6Address("b")!;
    const before = await counter("a", "reject_from_wan", 'iifname "wan0"');
    const got = await lab.udpProbe("stranger", 40001, [`[${a6}]:40000`], 600);
    expect(got[`[${a6}]:40000`]).toBeNull();
    expect(await counter("a", "reject_from_wan", 'iifname "wan0"')).toBeGreaterThan(before);
    // Behind the NATs: the upstreams route IPv6 unfiltered, b's own fw4 decides.
    const rejB = await counter("b", "reject_from_wan", 'iifname "wan0"');
    await lab.udpProbe("stranger", 40002, [`[${b6}]:40000`], 300);
    expect(await counter("b", "reject_from_wan", 'iifname "wan0"')).toBeGreaterThan(rejB);
    const allowed = await counter("b", "input_wan", "Allow-UDP-40100");
    await lab.udpProbe("stranger", 40003, [`[${b6}]:40100`], 300);
    expect(await counter("b", "input_wan", "Allow-UDP-40100")).toBeGreaterThan(allowed);
  });

  test.each([
    ["a", "open"],
    ["b", "open"],
    ["d", "filtered"],
  ])("punchctl netcheck on %s: the global IPv6 address, inbound to the control port %s", async (
    id,
    inbound,
  ) => {
    const r = await lab.punchctl(id, ["netcheck", "--json"]);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report.ipv6).toEqual({
      global: [lab.wanV6Address(id)],
      inbound,
      inboundPort: CONTROL_PORT,
    });
    expect(report.publicV6.host).toBe(lab.wanV6Address(id));
    const text = (await lab.punchctl(id, ["netcheck", "--cached"])).stdout;
    expect(text).toContain(`(inbound UDP to port ${CONTROL_PORT} ${inbound})`);
  });

  test("two routers behind symmetric IPv4 NATs pair and connect directly over IPv6", async () => {
    const ok = async (id: string, argv: string[]) => {
      const r = await lab.punchctl(id, argv);
      if (r.code !== 0) throw new Error(`punchctl ${argv[0]} on ${id}: ${r.stderr}`);
      return r.stdout;
    };
    // Both cards carry the global IPv6 endpoint once netcheck ran.
    for (const id of ["b", "e"]) {
      const hasV6 = async () =>
        (JSON.parse(await ok(id, ["cards", "--json"])) as { self: boolean; endpoints: string[] }[])
          .find((c) => c.self)?.endpoints.includes(`[${lab.wanV6Address(id)}]:51820`) ?? false;
      expect(await waitFor(hasV6, 20_000, 250)).toBe(true);
    }
    const { token } = JSON.parse(await ok("b", ["invite", "--json"])) as { token: string };
    const joined = JSON.parse(await ok("e", ["join", "--json", token])) as { reply?: string };
    // IPv4 cannot reach b through its NATs, and the control port speaks IPv4 only: reply token.
    expect(joined.reply).toMatch(/^punch1r-/);
    expect(await ok("b", ["accept", joined.reply!])).toMatch(/^paired with "e"/);
    const path = async (id: string, peer: string) => {
      const st = JSON.parse(await ok(id, ["status", "--json"])) as {
        peers: { name: string; state: string; path: string; endpoint?: string }[];
      };
      return st.peers.find((p) => p.name === peer);
    };
    expect(
      await waitFor(async () => (await path("b", "e"))?.path === "ipv6", 30_000, 250),
    ).toBe(true);
    expect(await waitFor(async () => (await path("e", "b"))?.path === "ipv6", 10_000, 250)).toBe(
      true,
    );
    const wg = await lab.nsExecInProcess(lab.punchdPid("b")!, ["wg", "show", "wg0", "endpoints"]);
    expect(wg.stdout).toContain(`[${lab.wanV6Address("e")}]:51820`);
    // The choice lives in RAM: UCI keeps the IPv4 endpoint from the card.
    const uci = await Deno.readTextFile(`${lab.routerDir("b")}/etc/config/network`);
    expect(uci).not.toContain(lab.wanV6Address("e")!);
  }, 60_000);
});
