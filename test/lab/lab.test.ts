import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labAttach, labDown, labUp, waitFor, wgKeyPair } from "./lab.ts";
import { FW4_CHAINS, fw4Ruleset } from "./fw4_ruleset.ts";
import { listNetns, run } from "./netns_deno.ts";
import { INTERNET_HOSTS } from "./presets.ts";
import { planLab } from "./topology.ts";
import { punchFile } from "./uci_files.ts";

const NAME = "lt";

/** Whether a process runs (a zombie waiting for our reaper does not count). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** Packet counter of the first rule in `chain` whose text contains `needle`. */
async function counter(lab: Lab, router: string, chain: string, needle: string): Promise<number> {
  const r = await lab.exec(router, ["nft", "list", "chain", "inet", "fw4", chain]);
  const line = r.stdout.split("\n").find((l) =>
    l.includes(needle) && l.includes("counter packets")
  );
  const m = /counter packets (\d+)/.exec(line ?? "");
  if (m === null) throw new Error(`No counter for "${needle}" in ${chain}:\n${r.stdout}`);
  return Number(m[1]);
}

describe("fw4 ruleset (sans-I/O)", () => {
  test("has fw4's chains and puts includes where fw4 would", () => {
    const text = fw4Ruleset({
      wanDev: "wan0",
      lanDev: "lan0",
      acceptWanUdp: [51820],
      includes: [
        { position: "chain-pre", chain: "input_wan", text: 'udp dport 7 accept comment "pre"' },
        { position: "chain-post", chain: "srcnat", text: "# post" },
        { position: "ruleset-post", text: "table inet punch {\n}" },
      ],
    });
    for (const c of FW4_CHAINS) expect(text).toContain(`\tchain ${c} {\n`);
    const inputWan = text.slice(
      text.indexOf("chain input_wan {"),
      text.indexOf("chain output_wan {"),
    );
    const lines = inputWan.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    expect(lines[1]).toBe('udp dport 7 accept comment "pre"');
    expect(lines.at(-3)).toBe('udp dport 51820 counter accept comment "!fw4: Allow-UDP-51820"');
    expect(lines.at(-2)).toBe("jump reject_from_wan");
    expect(text).toMatch(/oifname "wan0" jump srcnat_wan[^\n]*\n\t\t# post\n\t}/);
    expect(text.trimEnd().endsWith("table inet punch {\n}")).toBe(true);
    expect(() =>
      fw4Ruleset({ wanDev: "w", lanDev: "l", includes: [{ position: "chain-pre", text: "" }] })
    )
      .toThrow(/fw4's chains/);
  });

  test("the punch file never names a public STUN server", () => {
    expect(punchFile({ name: "a", stunServers: [] })).toContain("list stun_server 'none'");
    expect(punchFile({ name: "a", stunServers: ["203.0.113.3:3478"] })).toContain(
      "list stun_server '203.0.113.3:3478'",
    );
  });

  test("plans namespaces and upstream layers innermost first", () => {
    const p = planLab({
      name: "lt",
      routers: [{
        id: "a",
        upstream: [{ kind: "cone", inside: "10.0.1.0/24" }, {
          kind: "cone",
          inside: "100.64.0.0/24",
        }],
      }],
    });
    const r = p.nodes.find((n) => n.id === "a")!;
    expect(r.router?.wan).toBe("10.0.1.2/24");
    expect(r.router?.publicAddress).toBe("203.0.113.10/24");
    expect(p.nodes.find((n) => n.id === "a-up1")?.addrs).toEqual({
      out0: ["203.0.113.10/24"],
      in0: ["100.64.0.1/24"],
    });
    expect(p.nodes.find((n) => n.id === "a-up0")?.addrs).toEqual({
      out0: ["100.64.0.2/24"],
      in0: ["10.0.1.1/24"],
    });
    expect(() => planLab({ name: "lt", routers: [{ id: "a" }, { id: "a" }] })).toThrow(/twice/);
  });
});

describe("lab", () => {
  let lab: Lab;
  let echoPid = 0;
  beforeAll(async () => {
    lab = await labUp({
      name: NAME,
      routers: [
        { id: "a", hosts: 2 },
        {
          id: "b",
          acceptWanUdp: [51820],
          firewallIncludes: [{ position: "ruleset-post", text: "table inet punch {\n}" }],
        },
        { id: "c", upstream: [{ kind: "cone", inside: "10.0.3.0/24" }] },
        { id: "d", upstream: [{ kind: "symmetric", inside: "10.0.4.0/24" }] },
        {
          id: "e",
          upstream: [{ kind: "cone", inside: "10.0.5.0/24" }, {
            kind: "cone",
            inside: "100.64.0.0/24",
          }],
        },
        { id: "f", upstream: [{ kind: "cone", inside: "100.64.0.0/24", shared: "cgn" }] },
        {
          id: "g",
          upstream: [
            { kind: "cone", inside: "10.0.7.0/24" },
            { kind: "cone", inside: "100.64.0.0/24", shared: "cgn" },
          ],
        },
      ],
      internetHosts: INTERNET_HOSTS,
    });
    echoPid = (await lab.startUdpEcho("stun", [3478])).pid;
  });
  afterAll(async () => {
    await lab?.down();
  });

  test("a LAN host reaches the internet gateway through the router's masquerade", async () => {
    const ping = await lab.exec("a1", ["ping", "-c", "1", "-W", "2", "203.0.113.1"]);
    expect(ping.code).toBe(0);
    const ct = await lab.exec("a", ["conntrack", "-L", "-p", "icmp"]);
    expect(ct.stdout).toMatch(
      /src=192\.168\.1\.10 dst=203\.0\.113\.1 .* src=203\.0\.113\.1 dst=203\.0\.113\.10 /,
    );
  });

  test("unsolicited UDP to a router's WAN is rejected, an accepted port is let in", async () => {
    const before = await counter(lab, "a", "reject_from_wan", 'iifname "wan0"');
    const got = await lab.udpProbe("stranger", 40001, [`${lab.wanAddress("a")}:40000`], 600);
    expect(got[`${lab.wanAddress("a")}:40000`]).toBeNull();
    expect(await counter(lab, "a", "reject_from_wan", 'iifname "wan0"')).toBeGreaterThan(before);
    const allowed = await counter(lab, "b", "input_wan", "Allow-UDP-51820");
    await lab.udpProbe("stranger", 40002, [`${lab.wanAddress("b")}:51820`], 300);
    expect(await counter(lab, "b", "input_wan", "Allow-UDP-51820")).toBeGreaterThan(allowed);
  });

  test("fw4 includes: from the spec at start, from <root>/usr/share/nftables.d on reload", async () => {
    expect((await lab.exec("b", ["nft", "list", "tables"])).stdout).toContain("table inet punch");
    const dir = `${lab.routerDir("a")}/usr/share/nftables.d/chain-pre/input_wan`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/10-lab.nft`,
      'udp dport 40010 counter accept comment "lab-test"\n',
    );
    const text = await lab.reloadFirewall("a");
    expect(text).toContain("lab-test");
    const before = await counter(lab, "a", "input_wan", "lab-test");
    await lab.udpProbe("stranger", 40011, [`${lab.wanAddress("a")}:40010`], 300);
    expect(await counter(lab, "a", "input_wan", "lab-test")).toBe(before + 1);
    await Deno.remove(`${lab.routerDir("a")}/usr`, { recursive: true });
    expect(await lab.reloadFirewall("a")).not.toContain("lab-test");
  });

  test("routers reach each other's WAN and the STUN host", async () => {
    expect((await lab.exec("a", ["ping", "-c", "1", "-W", "2", lab.wanAddress("b")])).code).toBe(0);
    expect((await lab.exec("e", ["ping", "-c", "1", "-W", "2", "203.0.113.3"])).code).toBe(0);
  });

  test("cone upstream keeps one mapping, symmetric upstream maps per destination", async () => {
    const targets = ["203.0.113.3:3478", "203.0.113.4:3478"];
    const seen = async (host: string) => Object.values(await lab.udpProbe(host, 41000, targets));
    const [a, c, d, e] = await Promise.all(["a1", "c1", "d1", "e1"].map(seen));
    expect(a).toEqual([`${lab.publicAddress("a")}:41000`, `${lab.publicAddress("a")}:41000`]);
    expect(c![0]).toBe(`${lab.publicAddress("c")}:41000`);
    expect(c![1]).toBe(c![0]);
    expect(d![0]).toMatch(new RegExp(`^${lab.publicAddress("d").replaceAll(".", "\\.")}:\\d+$`));
    expect(d![1]).not.toBe(d![0]);
    expect(e![0]).toBe(`${lab.publicAddress("e")}:41000`);
    expect(lab.wanAddress("e")).toBe("10.0.5.2");
  });

  test("two routers behind one shared CGNAT share its public address", async () => {
    expect(lab.publicAddress("f")).toBe(lab.publicAddress("g"));
    expect(lab.wanAddress("f")).toBe("100.64.0.2");
    expect(lab.ns("cgn")).toBe("lt-ucgn");
    // One after the other: the second flow finds the first one's port taken and gets another.
    const seen = async (h: string) =>
      Object.values(await lab.udpProbe(h, 41002, ["203.0.113.3:3478"]))[0];
    const f = await seen("f1");
    const g = await seen("g1");
    expect(f).toBe(`${lab.publicAddress("f")}:41002`);
    expect(g).toMatch(new RegExp(`^${lab.publicAddress("f").replaceAll(".", "\\.")}:\\d+$`));
    expect(g).not.toBe(f);
  });

  test("WireGuard between two LAN hosts, each wireguard-go in its own mount namespace", async () => {
    const k1 = await wgKeyPair(), k2 = await wgKeyPair();
    const w1 = await lab.hostWireguard("a1", {
      listenPort: 51820,
      privateKey: k1.privateKey,
      address: "10.99.0.1/24",
      peers: [{
        publicKey: k2.publicKey,
        endpoint: `${lab.hostAddress("a2")}:51820`,
        allowedIps: ["10.99.0.2/32"],
        keepalive: 1,
      }],
    });
    const w2 = await lab.hostWireguard("a2", {
      listenPort: 51820,
      privateKey: k2.privateKey,
      address: "10.99.0.2/24",
      peers: [{
        publicKey: k1.publicKey,
        endpoint: `${lab.hostAddress("a1")}:51820`,
        allowedIps: ["10.99.0.1/32"],
        keepalive: 1,
      }],
    });
    const ping = await lab.exec("a1", ["ping", "-c", "1", "-W", "5", "10.99.0.2"]);
    expect(ping.code).toBe(0);
    const dump = await w1.dump();
    expect(dump).toContain(k2.publicKey);
    expect(dump).toContain(`${lab.hostAddress("a2")}:51820`);
    // Each process sees only its own UAPI socket.
    const socks = await lab.nsExecInProcess(w2.pid, ["ls", "/var/run/wireguard"]);
    expect(socks.stdout.trim()).toBe("wg0.sock");
    await w1.stop();
    await w2.stop();
  });

  test("WireGuard between LAN hosts behind two fw4 routers punches through both NATs", async () => {
    const k1 = await wgKeyPair(), k2 = await wgKeyPair();
    const w1 = await lab.hostWireguard("a1", {
      listenPort: 51900,
      privateKey: k1.privateKey,
      address: "10.98.0.1/24",
      peers: [{
        publicKey: k2.publicKey,
        endpoint: `${lab.publicAddress("c")}:51900`,
        allowedIps: ["10.98.0.2/32"],
        keepalive: 1,
      }],
    });
    const w2 = await lab.hostWireguard("c1", {
      listenPort: 51900,
      privateKey: k2.privateKey,
      address: "10.98.0.2/24",
      peers: [{
        publicKey: k1.publicKey,
        endpoint: `${lab.publicAddress("a")}:51900`,
        allowedIps: ["10.98.0.1/32"],
        keepalive: 1,
      }],
    });
    const ok = await waitFor(
      async () => (await lab.exec("a1", ["ping", "-c", "1", "-W", "1", "10.98.0.2"])).code === 0,
      20_000,
      200,
    );
    expect(ok).toBe(true);
    await w1.stop();
    await w2.stop();
  });

  test("setWanAddress moves the router to a new address and rewrites its UCI file", async () => {
    await lab.setWanAddress("a", "203.0.113.11/24");
    expect(lab.wanAddress("a")).toBe("203.0.113.11");
    const got = await lab.udpProbe("a1", 41001, ["203.0.113.3:3478"]);
    expect(got["203.0.113.3:3478"]).toBe("203.0.113.11:41001");
    const uci = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`);
    expect(uci).toContain("option ipaddr '203.0.113.11'");
    expect(uci).toContain("option ipaddr '192.168.1.1'");
  });

  test("startPunchd waits for the control socket and stopPunchd ends the process", async () => {
    const fake = `${lab.dir}/fake_punchd.ts`;
    await Deno.writeTextFile(
      fake,
      [
        "const i = Deno.args.indexOf('--socket');",
        "const l = Deno.listen({ transport: 'unix', path: Deno.args[i + 1]! });",
        "for await (const c of l) c.close();",
      ].join("\n"),
    );
    const wrapper = `${lab.dir}/fake_punchd.sh`;
    await Deno.writeTextFile(
      wrapper,
      `#!/bin/sh\nexec "${Deno.execPath()}" run -A --no-config "${fake}" "$@"\n`,
    );
    await Deno.chmod(wrapper, 0o755);
    await lab.startPunchd("b", [], { program: wrapper });
    const pid = lab.punchdPid("b")!;
    const env = await Deno.readTextFile(`/proc/${pid}/environ`);
    expect(env).toContain("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1");
    expect((await labAttach(NAME)).punchdPid("b")).toBe(pid);
    await lab.stopPunchd("b");
    expect(lab.punchdPid("b")).toBeUndefined();
    expect(running(pid)).toBe(false);
  });

  test("the lab STUN server (coturn) tells cone from symmetric mapping", async () => {
    await lab.kill(echoPid);
    await lab.startStun("stun");
    const cone = await lab.exec("c1", ["stun", "203.0.113.3"], { timeoutMs: 20_000 });
    expect(cone.stdout).toContain("Independent Mapping");
    const sym = await lab.exec("d1", ["stun", "203.0.113.3"], { timeoutMs: 20_000 });
    expect(sym.stdout).toContain("Dependent Mapping");
  });
});

describe("lab life cycle", () => {
  test("up twice is idempotent and down leaves nothing behind", async () => {
    const spec = {
      name: "ltcycle",
      routers: [{ id: "a" }, {
        id: "b",
        upstream: [{ kind: "cone" as const, inside: "10.0.9.0/24" }],
      }],
    };
    const first = await labUp(spec);
    const { pid } = await first.spawn("a1", ["sleep", "300"]);
    const count = (await listNetns()).filter((n) => n.startsWith("ltcycle-")).length;
    expect(count).toBe(6);
    const second = await labUp(spec);
    expect(running(pid)).toBe(false);
    expect((await listNetns()).filter((n) => n.startsWith("ltcycle-")).length).toBe(count);
    expect((await second.exec("a1", ["ping", "-c", "1", "-W", "2", "203.0.113.1"])).code).toBe(0);
    const attached = await labAttach("ltcycle");
    const { pid: pid2 } = await attached.spawn("b1", ["sleep", "300"]);
    await labDown("ltcycle");
    expect((await listNetns()).filter((n) => n.startsWith("ltcycle-"))).toEqual([]);
    expect(running(pid2)).toBe(false);
    expect(await Deno.stat(second.dir).then(() => true, () => false)).toBe(false);
    const ps = await run(["pgrep", "-f", "ltcycle"]);
    expect(ps.stdout.trim()).toBe("");
    await labDown("ltcycle");
  });
});

describe("scripts/lab", () => {
  test("up, up again, status, down, down again: idempotent and leaves nothing", async () => {
    const lab = new URL("../../scripts/lab", import.meta.url).pathname;
    const sh = (...args: string[]) => run([lab, "--name", "ltcli", ...args], { timeoutMs: 60_000 });
    expect((await sh("up", "--preset", "basic")).code).toBe(0);
    expect((await sh("up", "--preset", "basic")).code).toBe(0);
    const st = await sh("status");
    expect(st.code).toBe(0);
    expect(st.stdout).toContain("ltcli-ha1");
    expect((await sh("exec", "a1", "--", "ping", "-c", "1", "-W", "2", "203.0.113.20")).code).toBe(
      0,
    );
    expect((await sh("down")).code).toBe(0);
    expect((await sh("down")).code).toBe(0);
    expect((await listNetns()).filter((n) => n.startsWith("ltcli-"))).toEqual([]);
    expect((await sh("status")).code).toBe(1);
    expect((await run([lab, "--help"])).stdout).toContain("Usage: scripts/lab");
  });
});
