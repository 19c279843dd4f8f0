import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startUbusDouble, type UbusDouble } from "../ubus/double/mod.ts";
import { UbusClient, UbusError } from "../../src/ubus/mod.ts";
import { waitFor } from "../lab/netns_deno.ts";
import { wgKeyPair } from "../lab/lab.ts";

/**
 * punchd with `--platform openwrt` against the ubusd + rpcd + netifd double: first start on a
 * fresh /etc/config goes through rpcd `uci` apply + confirm, a peer added through punchctl does
 * too, and a change after which the WAN is down is not confirmed and rolls back.
 */
const REPO = new URL("../../", import.meta.url).pathname;
const SECOND_MS = 20; // one rpcd "second": the 90 s apply timeout becomes 1.8 s

let root: string;
let double: UbusDouble;
let punchd: Deno.ChildProcess;
const sock = () => `${root}/var/run/punch/punchd.sock`;

const NETWORK = `
config interface 'loopback'
\toption device 'lo'
\toption proto 'static'
\toption ipaddr '127.0.0.1'
\toption netmask '255.0.0.0'

config interface 'lan'
\toption device 'br-lan'
\toption proto 'static'
\toption ipaddr '192.168.1.1'
\toption netmask '255.255.255.0'

config interface 'wan'
\toption device 'eth1'
\toption proto 'dhcp'
`;

async function punchctl(
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(`${REPO}bin/punchctl`, { args: ["--socket", sock(), ...argv] })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "punch-owrt-" });
  await Deno.mkdir(`${root}/etc/config`, { recursive: true });
  await Deno.mkdir(`${root}/var/run/ubus`, { recursive: true });
  await Deno.writeTextFile(`${root}/etc/config/network`, NETWORK);
  await Deno.writeTextFile(
    `${root}/etc/config/firewall`,
    "\nconfig defaults\n\toption input 'REJECT'\n",
  );
  await Deno.writeTextFile(
    `${root}/etc/config/punch`,
    "\nconfig punch 'main'\n\toption interface 'wg0'\n\tlist stun_server 'none'\n\toption web_port '0'\n",
  );
  double = await startUbusDouble({
    socketPath: `${root}/var/run/ubus/ubus.sock`,
    configDir: `${root}/etc/config`,
    secondMs: SECOND_MS,
    interfaces: {
      wan: {
        up: true,
        proto: "dhcp",
        device: "eth1",
        l3_device: "eth1",
        ipv4: [{ address: "198.51.100.7", mask: 24 }],
      },
      lan: {
        up: true,
        proto: "static",
        device: "br-lan",
        l3_device: "br-lan",
        ipv4: [{ address: "192.168.1.1", mask: 24 }],
      },
    },
  });
  punchd = new Deno.Command(`${REPO}bin/punchd`, {
    args: ["--platform", "openwrt", "--root", root],
    env: { PUNCH_APPLY_SETTLE_MS: "100" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const up = await waitFor(() => Deno.stat(sock()).then(() => true, () => false), 30_000, 100);
  if (!up) throw new Error("punchd --platform openwrt did not open its socket");
}, 60_000);

afterAll(async () => {
  try {
    punchd.kill("SIGTERM");
  } catch { /* gone */ }
  const err = await new Response(punchd.stderr).text();
  await punchd.status;
  if (err.includes("private_key")) throw new Error("punchd logged a private key option");
  await double.close();
  await Deno.remove(root, { recursive: true });
}, 30_000);

describe("openwrt backend against the ubus/rpcd double", () => {
  test("first start creates wg0, its firewall zone and WAN rule through rpcd apply + confirm", async () => {
    const net = await Deno.readTextFile(`${root}/etc/config/network`);
    expect(net.startsWith(NETWORK)).toBe(true); // the rest of the file is untouched
    expect(net).toMatch(
      /config interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key '[A-Za-z0-9+/]{43}='/,
    );
    const ok = await waitFor(
      async () => {
        const fw = await Deno.readTextFile(`${root}/etc/config/firewall`);
        return fw.includes("config zone 'punch'") && fw.includes("config rule 'punch_wg'");
      },
      20_000,
      100,
    );
    expect(ok).toBe(true);
    const fw = await Deno.readTextFile(`${root}/etc/config/firewall`);
    expect(fw).toContain("\toption dest_port '51820'");
    expect(fw).toContain("config forwarding 'punch_from_lan'");
    // tunnel_input defaults to restricted: ping and the control port, the rest refused.
    expect(fw).toMatch(/config zone 'punch'\n(\t.*\n)*\toption input 'REJECT'/);
    expect(fw).toContain("config rule 'punch_tunnel_ping'");
    expect(fw).toMatch(/config rule 'punch_tunnel_control'\n(\t.*\n)*\toption dest_port '51821'/);
    const spoof = await Deno.readTextFile(
      `${root}/usr/share/nftables.d/ruleset-post/punch-antispoof.nft`,
    );
    expect(spoof).toContain('iifname "eth1" ip saddr @tunnel4 counter drop');
    expect(double.configChanges).toContain("network");
    const st = JSON.parse((await punchctl("status", "--json")).stdout);
    expect(st).toMatchObject({
      platform: "openwrt",
      interface: "wg0",
      wan: { address: "198.51.100.7", device: "eth1" },
    });
  });

  test("ubus call punch status / peers answer from punchd's own ubus object", async () => {
    const ubus = await UbusClient.connect(`${root}/var/run/ubus/ubus.sock`, { timeoutMs: 10_000 });
    try {
      const there = await waitFor(
        async () => (await ubus.lookup("punch").catch(() => [])).length > 0,
        10_000,
      );
      expect(there).toBe(true);
      const st = await ubus.call("punch", "status");
      expect(st).toMatchObject({
        platform: "openwrt",
        interface: "wg0",
        wan: { address: "198.51.100.7", device: "eth1" },
        peers: [],
      });
      expect(st.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(JSON.stringify(st)).not.toContain("private");
      expect(await ubus.call("punch", "peers")).toEqual({ peers: [] });
      const e = await ubus.call("punch", "peer_remove", { peer: "nope" }).catch((x) => x);
      expect(e).toBeInstanceOf(UbusError);
      expect(e.status).toBe("INVALID_ARGUMENT");
      expect(e.message).toContain('Cannot remove peer "nope"');
    } finally {
      ubus.close();
    }
  });

  test("SIGHUP (procd's reload) re-reads the config and does not stop punchd", async () => {
    punchd.kill("SIGHUP");
    punchd.kill("SIGHUP");
    const st = JSON.parse((await punchctl("status", "--json")).stdout);
    expect(st.interface).toBe("wg0");
    const exited = await Promise.race([
      punchd.status.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
    ]);
    expect(exited).toBe(false);
  });

  test("a peer added through punchctl lands in /etc/config/network", async () => {
    const k = await wgKeyPair();
    const r = await punchctl(
      "peer",
      "add",
      "--name",
      "cabin",
      "--public-key",
      k.publicKey,
      "--allowed-ips",
      "10.77.0.9/32",
      "--endpoint",
      "203.0.113.20:51820",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const net = await Deno.readTextFile(`${root}/etc/config/network`);
    expect(net).toContain(
      `config wireguard_wg0\n\toption description 'cabin'\n\toption public_key '${k.publicKey}'`,
    );
    expect(net).toContain("\toption persistent_keepalive '5'");
  });

  test("a change after which the WAN is down is not confirmed and rolls back", async () => {
    const before = await Deno.readTextFile(`${root}/etc/config/network`);
    double.setInterface("wan", { up: false });
    const k = await wgKeyPair();
    const r = await punchctl(
      "peer",
      "add",
      "--name",
      "doomed",
      "--public-key",
      k.publicKey,
      "--allowed-ips",
      "10.77.0.10/32",
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not confirmed and is being rolled back: the WAN interface is down/);
    // rpcd restores the snapshot when the apply timeout runs out.
    const rolledBack = await waitFor(
      async () => (await Deno.readTextFile(`${root}/etc/config/network`)) === before,
      10_000,
      50,
    );
    expect(rolledBack).toBe(true);
    double.setInterface("wan", { up: true, ipv4: [{ address: "198.51.100.7", mask: 24 }] });
    const st = JSON.parse((await punchctl("status", "--json")).stdout);
    expect(st.warnings.join(" ")).toMatch(/rolled back/);
    expect(st.peers.map((p: { name: string }) => p.name)).toEqual(["cabin"]);
  });
});
