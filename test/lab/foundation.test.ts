import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, waitFor } from "./lab.ts";

/** Two routers, each behind its own cone NAT, configured only through punchctl. */
let lab: Lab;

interface PeerJson {
  name: string;
  publicKey: string;
  state: string;
  latestHandshake: number;
  allowedIps: string[];
}
interface StatusJson {
  publicKey: string;
  addresses: string[];
  listenPort: number;
  peers: PeerJson[];
}

async function ctl(id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id} failed: ${r.stderr}`);
  return r.stdout;
}
const status = async (id: string) => JSON.parse(await ctl(id, "status", "--json")) as StatusJson;
const host32 = (cidr: string) => `${cidr.split("/")[0]}/32`;

beforeAll(async () => {
  lab = await labUp({
    name: "fd",
    routers: [
      { id: "a", upstream: [{ kind: "cone", inside: "10.0.1.0/24" }] },
      { id: "b", upstream: [{ kind: "cone", inside: "10.0.2.0/24" }] },
    ],
  });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
});

afterAll(async () => {
  await lab?.down();
});

describe("foundation: two routers through two NATs, configured through punchctl only", () => {
  test("first start creates the interface in UCI with a 0600 file and never logs the private key", async () => {
    const net = `${lab.routerDir("a")}/etc/config/network`;
    const text = await Deno.readTextFile(net);
    expect(text).toMatch(/config interface 'wg0'\n\toption proto 'wireguard'/);
    expect((await Deno.stat(net)).mode! & 0o777).toBe(0o600);
    const priv = /option private_key '([^']+)'/.exec(text)![1]!;
    const log = await Deno.readTextFile(lab.logPath("a", "punchd")).catch(() => "");
    expect(log).not.toContain(priv);
    expect(await ctl("a", "status")).not.toContain(priv);
  });

  test("peer add on both sides brings the tunnel up and a ping crosses it", async () => {
    const [a, b] = [await status("a"), await status("b")];
    expect(a.publicKey).not.toBe(b.publicKey);
    await ctl(
      "a",
      "peer",
      "add",
      "--public-key",
      b.publicKey,
      "--endpoint",
      `${lab.publicAddress("b")}:51820`,
      "--allowed-ips",
      host32(b.addresses[0]!),
      "--name",
      "b",
    );
    await ctl(
      "b",
      "peer",
      "add",
      "--public-key",
      a.publicKey,
      "--endpoint",
      `${lab.publicAddress("a")}:51820`,
      "--allowed-ips",
      host32(a.addresses[0]!),
      "--name",
      "a",
    );
    expect(
      await waitFor(async () => (await status("a")).peers[0]?.state === "connected", 30_000, 250),
    ).toBe(true);
    const ping = await lab.exec("a", [
      "ping",
      "-c",
      "2",
      "-W",
      "2",
      b.addresses[0]!.split("/")[0]!,
    ]);
    expect(ping.code).toBe(0);
    const list = JSON.parse(await ctl("b", "peer", "list", "--json")) as PeerJson[];
    expect(list[0]).toMatchObject({ name: "a", state: "connected" });
    expect(await ctl("a", "peer", "list")).toMatch(/b\s+connected/);
  });

  test("changing allowed IPs through punchctl does not restart the handshake", async () => {
    const b = await status("b");
    const before = (await status("a")).peers[0]!;
    await ctl(
      "a",
      "peer",
      "add",
      "--public-key",
      b.publicKey,
      "--allowed-ips",
      `${host32(b.addresses[0]!)},192.168.2.0/24`,
    );
    const after = (await status("a")).peers[0]!;
    expect(after.allowedIps).toEqual([host32(b.addresses[0]!), "192.168.2.0/24"]);
    expect(after.latestHandshake).toBe(before.latestHandshake);
    expect(after.state).toBe("connected");
    const uci = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`);
    expect(uci).toContain("list allowed_ips '192.168.2.0/24'");
    const ping = await lab.exec("a", [
      "ping",
      "-c",
      "1",
      "-W",
      "2",
      b.addresses[0]!.split("/")[0]!,
    ]);
    expect(ping.code).toBe(0);
  });

  test("bad input is refused with a one-line reason and changes nothing", async () => {
    const net = `${lab.routerDir("a")}/etc/config/network`;
    const before = await Deno.readTextFile(net);
    for (
      const argv of [
        ["peer", "add", "--public-key", "nope", "--allowed-ips", "10.0.0.1/32"],
        [
          "peer",
          "add",
          "--public-key",
          (await status("b")).publicKey,
          "--allowed-ips",
          "10.0.0.300/32",
        ],
        [
          "peer",
          "add",
          "--public-key",
          (await status("b")).publicKey,
          "--allowed-ips",
          "10.9.9.9/32",
          "--endpoint",
          "x:99999",
        ],
        ["peer", "remove", "nobody"],
        ["peer", "frobnicate"],
      ]
    ) {
      const r = await lab.punchctl("a", argv);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^punchctl: /);
    }
    expect(await Deno.readTextFile(net)).toBe(before);
  });

  test("peer remove takes the peer out of UCI and of WireGuard", async () => {
    await ctl("a", "peer", "remove", "b");
    expect((await status("a")).peers).toEqual([]);
    const pid = lab.punchdPid("a")!;
    const dump = await lab.nsExecInProcess(pid, ["wg", "show", "wg0", "peers"]);
    expect(dump.stdout.trim()).toBe("");
  });
});
