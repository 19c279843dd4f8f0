/**
 * LAN hole-punch assist end to end: routers a (hosts a1, a2) and b (host b1), each router running
 * its own WireGuard on 51820 and accepting UDP 51820 on WAN, a stranger on the internet.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fileIncludes } from "../../src/assist/assist_deno.ts";
import { shadowingFilters } from "../../src/assist/conntrack.ts";
import { type AssistState, mappingsOf } from "../../src/assist/plan.ts";
import { allHandshook, labExec, routerApplier, routerTieBreak, WG_PORT } from "./assist_lab.ts";
import { type HostWireguard, type Lab, labUp, sleep, waitFor, wgKeyPair } from "./lab.ts";

type Keys = { privateKey: string; publicKey: string };

let lab: Lab;
const keys: Record<string, Keys> = {};
const wgs: Record<string, HostWireguard> = {};
let stateA: AssistState, stateB: AssistState;
const TUN: Record<string, string> = { a1: "10.251.0.1", a2: "10.251.0.2", b1: "10.251.0.3" };

function hostWg(id: string, peers: { id: string; endpoint: string }[]): Promise<HostWireguard> {
  return lab.hostWireguard(id, {
    listenPort: WG_PORT,
    privateKey: keys[id]!.privateKey,
    address: `${TUN[id]}/24`,
    peers: peers.map((p) => ({
      publicKey: keys[p.id]!.publicKey,
      allowedIps: [`${TUN[p.id]}/32`],
      endpoint: p.endpoint,
      keepalive: 5,
    })),
  });
}

const linked = (x: string, y: string) =>
  allHandshook([{ wg: wgs[x]!, peerKey: keys[y]!.publicKey }, {
    wg: wgs[y]!,
    peerKey: keys[x]!.publicKey,
  }]);

async function nftCounters(id: string): Promise<Record<string, number>> {
  const r = await lab.exec(id, ["nft", "list", "table", "inet", "probe"]);
  const out: Record<string, number> = {};
  for (const m of r.stdout.matchAll(/counter packets (\d+) bytes \d+ comment "(\w+)"/g)) {
    out[m[2]!] = Number(m[1]);
  }
  return out;
}

describe("LAN assist lab", () => {
  beforeAll(async () => {
    lab = await labUp({
      name: "as",
      routers: [{ id: "a", hosts: 2, acceptWanUdp: [WG_PORT] }, {
        id: "b",
        hosts: 1,
        acceptWanUdp: [WG_PORT],
      }],
      internetHosts: [{ id: "stranger", addresses: ["203.0.113.99/24"] }],
    });
    for (const id of ["a1", "a2", "b1", "a", "b"]) keys[id] = await wgKeyPair();
    // Each router's own WireGuard on 51820, as Punch's router-to-router tunnel runs.
    for (const [id, other, addr] of [["a", "b", "10.250.0.1"], ["b", "a", "10.250.0.2"]] as const) {
      wgs[id] = await lab.hostWireguard(id, {
        listenPort: WG_PORT,
        privateKey: keys[id]!.privateKey,
        address: `${addr}/24`,
        peers: [{ publicKey: keys[other]!.publicKey, allowedIps: ["10.250.0.0/24"] }],
      });
    }
  });

  afterAll(async () => {
    await lab?.down();
  });

  test("naive hosts on 51820 deadlock; Punch's pinholes and conntrack flush connect them", async () => {
    const A = lab.wanAddress("a"), B = lab.wanAddress("b");
    wgs["a1"] = await hostWg("a1", [{ id: "b1", endpoint: `${B}:${WG_PORT}` }]);
    wgs["b1"] = await hostWg("b1", [{ id: "a1", endpoint: `${A}:${WG_PORT}` }]);
    await sleep(8000);
    expect(await linked("a1", "b1")).toBe(false);

    // The router gives each host a public port (51820 is the router's own) and pins it.
    stateA = {
      wanAddress: A,
      reservedPorts: [WG_PORT],
      hosts: [{ name: "a1", address: lab.hostAddress("a1"), port: WG_PORT, publicPort: 51821 }],
      remotes: [{ host: "a1", remote: { host: B, port: 51821 } }],
    };
    stateB = {
      wanAddress: B,
      reservedPorts: [WG_PORT],
      hosts: [{ name: "b1", address: lab.hostAddress("b1"), port: WG_PORT, publicPort: 51821 }],
      remotes: [{ host: "b1", remote: { host: A, port: 51821 } }],
    };
    await routerApplier(lab, "a").sync(stateA);
    await routerApplier(lab, "b").sync(stateB);
    await routerTieBreak(lab, "a", stateA);
    await routerTieBreak(lab, "b", stateB);
    await wgs["a1"]!.setPeer({
      publicKey: keys["b1"]!.publicKey,
      allowedIps: [`${TUN["b1"]}/32`],
      endpoint: `${B}:51821`,
      keepalive: 5,
    });
    await wgs["b1"]!.setPeer({
      publicKey: keys["a1"]!.publicKey,
      allowedIps: [`${TUN["a1"]}/32`],
      endpoint: `${A}:51821`,
      keepalive: 5,
    });
    expect(await waitFor(() => linked("a1", "b1"), 20_000, 100)).toBe(true);
    expect(await routerApplier(lab, "a").sync(stateA)).toEqual([]);
  });

  test("a second LAN host on 51820 behind the same router reaches the same remote", async () => {
    const A = lab.wanAddress("a"), B = lab.wanAddress("b");
    stateA = {
      ...stateA,
      hosts: [...stateA.hosts, { name: "a2", address: lab.hostAddress("a2"), port: WG_PORT }],
      remotes: [...stateA.remotes, { host: "a2", remote: { host: B, port: 51821 } }],
    };
    const a2Port = mappingsOf(stateA).find((m) => m.name === "a2")!.publicPort;
    expect(a2Port).toBe(51822);
    stateB = {
      ...stateB,
      remotes: [...stateB.remotes, { host: "b1", remote: { host: A, port: a2Port } }],
    };
    await routerApplier(lab, "a").sync(stateA);
    await routerApplier(lab, "b").sync(stateB);
    await routerTieBreak(lab, "a", stateA);
    await routerTieBreak(lab, "b", stateB);
    await wgs["b1"]!.setPeer({
      publicKey: keys["a2"]!.publicKey,
      allowedIps: [`${TUN["a2"]}/32`],
      endpoint: `${A}:${a2Port}`,
      keepalive: 5,
    });
    wgs["a2"] = await hostWg("a2", [{ id: "b1", endpoint: `${B}:51821` }]);
    expect(
      await waitFor(
        async () => (await linked("a2", "b1")) && (await linked("a1", "b1")),
        20_000,
        100,
      ),
    ).toBe(true);
  });

  test("a stranger, and the remote from another port, get nothing through", async () => {
    const A = lab.wanAddress("a"), B = lab.wanAddress("b");
    for (const id of ["a1", "a2"]) {
      const table =
        `table inet probe { chain pre { type filter hook prerouting priority -300; policy accept;
        ip saddr 203.0.113.99 counter comment "stranger"
        ip saddr ${B} udp sport != 51821 counter comment "wrongport"
        ip saddr ${B} udp sport 51821 counter comment "peer"
      }
      }`;
      const r = await lab.exec(id, ["nft", "-f", "-"], { stdin: table });
      expect(r.stderr).toBe("");
    }
    const targets = [`${A}:51821`, `${A}:51822`, `${A}:${WG_PORT}`];
    for (const port of [51821, 40000]) await lab.udpProbe("stranger", port, targets, 800);
    await lab.udpProbe("b", 40000, targets.slice(0, 2), 800);
    // the positive control: b1's keepalives (every 5 s) reach both hosts; wait for them, bounded
    const counted = await waitFor(
      async () => {
        for (const id of ["a1", "a2"]) if (!((await nftCounters(id))["peer"]! > 0)) return false;
        return true;
      },
      20_000,
      500,
    );
    for (const id of ["a1", "a2"]) {
      const c = await nftCounters(id);
      expect(c).toMatchObject({ stranger: 0, wrongport: 0 });
      expect(c["peer"], `keepalives from b1 seen on ${id} (waited: ${counted})`).toBeGreaterThan(0);
    }
  });

  test("Punch's rules come back after an fw4 reload", async () => {
    // The applier writes fw4's automatic includes into the router's root; reloadFirewall
    // rebuilds the ruleset from them as `fw4 reload` does.
    const applier = routerApplier(
      lab,
      "a",
      fileIncludes(`${lab.routerDir("a")}/usr/share/nftables.d`),
    );
    const before = (await applier.listInstalled()).map((r) => r.tag).sort();
    expect(before).toHaveLength(6);
    await applier.persist();
    await lab.reloadFirewall("a");
    expect((await applier.listInstalled()).map((x) => x.tag).sort()).toEqual(before);
    const all = (await lab.exec("a", ["nft", "list", "table", "inet", "fw4"])).stdout;
    expect(all.match(/comment "punch jump"/g)).toHaveLength(3);
    expect(await applier.sync(stateA)).toEqual([]);
    expect(await waitFor(() => linked("a1", "b1"), 10_000, 100)).toBe(true);
  });

  test("removing a host, then the peer, leaves no rule and no conntrack entry behind", async () => {
    const A = lab.wanAddress("a");
    const a2Mapping = mappingsOf(stateA).find((m) => m.name === "a2")!;
    const b1ToA2 = mappingsOf(stateB).find((m) => m.remotePort === a2Mapping.publicPort)!;
    await wgs["a2"]!.stop();
    await wgs["b1"]!.exec(["wg", "set", "wg0", "peer", keys["a2"]!.publicKey, "remove"]);
    stateA = {
      ...stateA,
      hosts: stateA.hosts.filter((h) => h.name !== "a2"),
      remotes: stateA.remotes.filter((r) => r.host !== "a2"),
    };
    stateB = {
      ...stateB,
      remotes: stateB.remotes.filter((r) =>
        r.remote.port !== a2Mapping.publicPort || r.remote.host !== A
      ),
    };
    const ra = routerApplier(lab, "a"), rb = routerApplier(lab, "b");
    await ra.sync(stateA);
    await rb.sync(stateB);
    await routerTieBreak(lab, "a", stateA);
    await routerTieBreak(lab, "b", stateB);
    expect((await ra.listInstalled()).filter((r) => r.tag.includes(a2Mapping.lanAddress))).toEqual(
      [],
    );
    expect(await ra.listConntrack(shadowingFilters(a2Mapping))).toEqual([]);
    expect(await rb.listConntrack(shadowingFilters(b1ToA2))).toEqual([]);
    expect(await waitFor(() => linked("a1", "b1"), 10_000, 100)).toBe(true);

    // Remove the peer: the hosts stop, the remotes go, then everything of Punch's goes.
    const left = [...mappingsOf(stateA), ...mappingsOf(stateB)];
    await wgs["a1"]!.stop();
    await wgs["b1"]!.stop();
    await ra.sync({ ...stateA, remotes: [] });
    await rb.sync({ ...stateB, remotes: [] });
    expect(await ra.listInstalled()).toEqual([]);
    expect(await rb.listInstalled()).toEqual([]);
    for (const [id, m] of [["a", left[0]!], ["b", left[1]!]] as const) {
      const includeDir = `${lab.routerDir(id)}/usr/share/nftables.d`;
      const applier = routerApplier(lab, id, fileIncludes(includeDir));
      expect(await applier.listConntrack(shadowingFilters(m))).toEqual([]);
      await applier.removeAll();
      const fw4 = (await labExec(lab, id)(["nft", "list", "table", "inet", "fw4"])).stdout;
      expect(fw4).not.toContain("punch");
      await expect(Deno.stat(`${includeDir}/table-pre/punch.nft`)).rejects.toThrow(
        Deno.errors.NotFound,
      );
      // and a reload brings nothing back
      await lab.reloadFirewall(id);
      expect(await applier.listInstalled()).toEqual([]);
    }
  });
});
