import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allHandshook } from "./assist_lab.ts";
import { type HostWireguard, type Lab, labUp, waitFor, wgKeyPair } from "./lab.ts";

/**
 * Issue 5 through punchd and punchctl: both routers run punchd (their own WireGuard on 51820,
 * admitted on WAN — the case where naive LAN hosts never connect); each registers its LAN host
 * (WireGuard on 51820 too) with `punchctl lan add`, naming the other side's public endpoint.
 */
let lab: Lab;
const wgs: Record<string, HostWireguard> = {};

async function ctl(id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
  return r.stdout;
}
const lanList = async (id: string) =>
  JSON.parse(await ctl(id, "lan", "list", "--json")) as {
    name: string;
    publicEndpoint: string;
    publicPort: number;
  }[];
const punchRules = async (id: string) =>
  (await lab.exec(id, ["nft", "list", "table", "inet", "fw4"])).stdout.split("\n").filter((l) =>
    /comment "punch[^:]/.test(l) && /dnat|snat|accept/.test(l)
  );

beforeAll(async () => {
  lab = await labUp({ name: "lp", routers: [{ id: "a", hosts: 1 }, { id: "b", hosts: 1 }] });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
}, 120_000);

afterAll(async () => {
  for (const w of Object.values(wgs)) await w.stop().catch(() => {});
  await lab?.down();
}, 60_000);

describe("LAN assist through punchctl", () => {
  test("lan add gives each host a unique public port; the hosts connect through scoped pinholes", async () => {
    await ctl("a", "lan", "add", `${lab.hostAddress("a1")}:51820`, "--name", "a1");
    const [a1] = await lanList("a");
    expect(a1!.publicPort).not.toBe(51820); // the router's own WireGuard keeps 51820
    expect(a1!.publicEndpoint).toBe(`${lab.publicAddress("a")}:${a1!.publicPort}`);
    const outB = await ctl(
      "b",
      "lan",
      "add",
      lab.hostAddress("b1"),
      "--name",
      "b1",
      "--remote",
      a1!.publicEndpoint,
    );
    expect(outB).toMatch(/is reachable at 203\.0\.113\.20:\d+/);
    // No Punch router is paired here: only the named remote gets through, and the hint says so.
    expect(outB).toContain(`Pinholes open for ${a1!.publicEndpoint} only`);
    const [b1] = await lanList("b");
    await ctl(
      "a",
      "lan",
      "add",
      `${lab.hostAddress("a1")}:51820`,
      "--name",
      "a1",
      "--remote",
      b1!.publicEndpoint,
    );
    expect((await lanList("a"))[0]!.publicPort).toBe(a1!.publicPort); // the port never moves

    const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
    wgs.a1 = await lab.hostWireguard("a1", {
      listenPort: 51820,
      privateKey: ka.privateKey,
      address: "10.251.0.1/24",
      peers: [{
        publicKey: kb.publicKey,
        endpoint: b1!.publicEndpoint,
        allowedIps: ["10.251.0.2/32"],
        keepalive: 5,
      }],
    });
    wgs.b1 = await lab.hostWireguard("b1", {
      listenPort: 51820,
      privateKey: kb.privateKey,
      address: "10.251.0.2/24",
      peers: [{
        publicKey: ka.publicKey,
        endpoint: a1!.publicEndpoint,
        allowedIps: ["10.251.0.1/32"],
        keepalive: 5,
      }],
    });
    const ok = await waitFor(
      () =>
        allHandshook([{ wg: wgs.a1!, peerKey: kb.publicKey }, {
          wg: wgs.b1!,
          peerKey: ka.publicKey,
        }]),
      20_000,
      100,
    );
    expect(ok).toBe(true);
    const ping = await lab.exec("a1", ["ping", "-c", "1", "-W", "2", "10.251.0.2"]);
    expect(ping.code).toBe(0);
    // The pinhole names exactly the remote address and port.
    const rules = (await punchRules("a")).join("\n");
    expect(rules).toContain(`ip saddr ${lab.publicAddress("b")}`);
    expect(rules).toContain(`udp sport ${b1!.publicPort}`);
    const st = JSON.parse(await ctl("a", "status", "--json"));
    expect(st.lanHosts[0]).toMatchObject({ name: "a1", remotes: [b1!.publicEndpoint] });
  });

  test("bad input is refused and changes nothing", async () => {
    const before = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/punch`);
    for (
      const argv of [
        ["lan", "add", "10.9.9.9", "--name", "x"],
        ["lan", "add", "192.168.1.10:0", "--name", "x"],
        ["lan", "add", "192.168.1.10", "--name", "bad name"],
        ["lan", "add", "192.168.1.10", "--name", "x", "--remote", "nope"],
        ["lan", "remove", "nobody"],
      ]
    ) {
      const r = await lab.punchctl("a", argv);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/punch`)).toBe(before);
  });

  test("lan remove leaves no rule and no conntrack entry behind", async () => {
    await wgs.a1!.stop();
    await wgs.b1!.stop();
    delete wgs.a1;
    delete wgs.b1;
    const [a1] = await lanList("a");
    await ctl("a", "lan", "remove", "a1");
    await ctl("b", "lan", "remove", "b1");
    expect(await punchRules("a")).toEqual([]);
    expect(await punchRules("b")).toEqual([]);
    const ct = await lab.exec("a", [
      "conntrack",
      "-L",
      "-p",
      "udp",
      "--orig-port-dst",
      String(a1!.publicPort),
    ]);
    expect(ct.stdout.trim()).toBe("");
    expect(await lanList("a")).toEqual([]);
  });
});
