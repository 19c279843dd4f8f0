import { afterEach, beforeEach, expect, test } from "vitest";
import { Daemon } from "../../../src/daemon/daemon.ts";
import type { NetcheckService } from "../../../src/daemon/netcheck_service.ts";
import { PeeringService } from "../../../src/daemon/peering/peering_service.ts";
import { toBase64 } from "../../../src/lib/base64.ts";
import {
  encodeCardBundle,
  newSignSeed,
  type PeerCard,
  routerKeys,
  signCard,
} from "../../../src/peer/mod.ts";
import { RpcdConfig } from "../../../src/platform/openwrt/rpcd_config.ts";
import type { ConfigBackend, Platform } from "../../../src/platform/types.ts";
import { UbusClient } from "../../../src/ubus/mod.ts";
import type { WgDesired } from "../../../src/wg/wg_desired.ts";
import { privateKeyFromRandom } from "../../../src/wg/keys.ts";
import { startUbusDouble, type UbusDouble } from "../../ubus/double/mod.ts";

/**
 * A card that moves a peer's endpoint while a LuCI user's apply waits for confirmation (rpcd's
 * rollback timer): Punch applies the endpoint with `wg` alone. Through UCI it would call
 * `uci apply`, which rpcd refuses while another apply is pending (or, with no apply pending, it
 * would write flash and fire config.change for a fact that is not configuration).
 */
const SECOND_MS = 100; // one rpcd "second": LuCI's 90 s apply timeout becomes 9 s
const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));

let root: string;
let double: UbusDouble;
let luci: UbusClient;
let punchUbus: UbusClient;
let d: Daemon;
let svc: PeeringService;
let applied: WgDesired[];
let commits: string[];
let logs: string[];
const port = 42000 + Math.floor(Math.random() * 2000);

const ownPriv = privateKeyFromRandom(rand(32));
const peer = routerKeys(privateKeyFromRandom(rand(32)), newSignSeed(rand));
const peerWg = toBase64(peer.wgPublicKey), peerSign = toBase64(peer.signPublicKey);

function network(): string {
  return [
    "",
    "config interface 'lan'",
    "\toption device 'br-lan'",
    "\toption proto 'static'",
    "\toption ipaddr '192.168.1.1'",
    "\toption netmask '255.255.255.0'",
    "",
    "config interface 'wan'",
    "\toption device 'eth1'",
    "\toption proto 'dhcp'",
    "",
    "config interface 'wg0'",
    "\toption proto 'wireguard'",
    `\toption private_key '${ownPriv}'`,
    "\toption listen_port '51820'",
    "\tlist addresses '10.77.0.1/16'",
    "",
    "config wireguard_wg0 'b'",
    "\toption description 'b'",
    `\toption public_key '${peerWg}'`,
    "\tlist allowed_ips '10.77.0.2/32'",
    "\tlist allowed_ips '192.168.2.0/24'",
    "\toption endpoint_host '192.0.2.20'",
    "\toption endpoint_port '51820'",
    "\toption persistent_keepalive '5'",
    "\toption route_allowed_ips '1'",
    "",
  ].join("\n");
}

function card(seq: number, endpoint: string): Uint8Array {
  const c: PeerCard = {
    wgPublicKey: peerWg,
    signPublicKey: peerSign,
    name: "b",
    seq,
    issuedAt: Date.now(),
    endpoints: [endpoint],
    tunnelAddresses: ["10.77.0.2/16"],
    lanSubnets: ["192.168.2.0/24"],
  };
  return encodeCardBundle([signCard(c, peer.signSeed)]);
}

async function push(bytes: Uint8Array): Promise<void> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    await sock.send(bytes, { transport: "udp", hostname: "127.0.0.1", port });
  } finally {
    sock.close();
  }
}

async function until(f: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return f();
}

const endpointOf = (w: WgDesired | undefined) =>
  w?.peers.find((p) => p.publicKey === peerWg)?.endpoint;

beforeEach(async () => {
  root = await Deno.makeTempDir({ prefix: "punch-luci-" });
  await Deno.mkdir(`${root}/etc/config`, { recursive: true });
  await Deno.mkdir(`${root}/etc/punch`, { recursive: true });
  await Deno.writeTextFile(`${root}/etc/config/network`, network());
  await Deno.writeTextFile(
    `${root}/etc/config/punch`,
    `\nconfig punch 'main'\n\toption interface 'wg0'\n\toption control_port '${port}'\n`,
  );
  // Paired with b earlier: its signing key is trusted.
  await Deno.writeTextFile(
    `${root}/etc/punch/state.json`,
    JSON.stringify({
      version: 1,
      seq: 0,
      invites: [],
      cards: { pinned: [peerSign], cards: [], highSeq: [] },
      paired: [{ wgPublicKey: peerWg, signPublicKey: peerSign, name: "b", pairedAt: 0 }],
    }),
  );
  double = await startUbusDouble({
    socketPath: `${root}/ubus.sock`,
    configDir: `${root}/etc/config`,
    secondMs: SECOND_MS,
  });
  punchUbus = await UbusClient.connect(`${root}/ubus.sock`, { timeoutMs: 5000 });
  luci = await UbusClient.connect(`${root}/ubus.sock`, { timeoutMs: 5000 });
  const rpcd = new RpcdConfig(punchUbus, { settleMs: 0, healthy: () => Promise.resolve(null) });
  commits = [];
  const config: ConfigBackend = {
    load: (c) => rpcd.load(c),
    commit: (c, changes) => {
      commits.push(c);
      return rpcd.commit(c, changes);
    },
    get lastProblem() {
      return rpcd.lastProblem;
    },
  };
  applied = [];
  const platform: Platform = {
    name: "openwrt",
    root,
    config,
    wg: {
      apply: (want) => {
        applied.push(want);
        return Promise.resolve(1);
      },
      dump: () => Promise.resolve(null),
      remove: async () => {},
    },
    firewall: {
      allowWanUdp: async () => {},
      allowTunnel: async () => {},
      allowRelay: async () => {},
      setRules: async () => {},
    },
    system: {
      wan: () => Promise.resolve({ address: "198.51.100.7", device: "eth1", v6: [] }),
      lanAddress: () => Promise.resolve("192.168.1.1"),
      watchWan: () => ({ close() {} }),
      reached: () => Promise.resolve([]),
      exec: () => Promise.resolve({ code: 0, stdout: "", stderr: "" }),
    },
    auth: { login: () => Promise.resolve(false) },
    close: async () => {},
  };
  logs = [];
  d = new Daemon({ platform, log: (m) => logs.push(m) });
  const netcheck = { report: undefined, onReport() {} } as unknown as NetcheckService;
  svc = new PeeringService(d, netcheck);
  svc.pushAll = () => {}; // nothing leaves this machine (the card's addresses are not ours)
  await svc.start();
  expect(logs.join("\n")).toMatch(/peering on UDP port/);
});

afterEach(async () => {
  await svc.stop();
  await d.stop();
  punchUbus.close();
  luci.close();
  await double.close();
  await Deno.remove(root, { recursive: true });
});

test("a card that moves a peer while a LuCI apply is pending: wg only, LuCI still confirms", async () => {
  // LuCI: a change to the LAN, applied with rollback, its confirmation still to come.
  const sid = (await luci.call("session", "login", { username: "root", password: "x" }))
    .ubus_rpc_session as string;
  await luci.call("uci", "set", {
    config: "network",
    section: "lan",
    values: { ipaddr: "192.168.1.2" },
    ubus_rpc_session: sid,
  });
  await luci.call("uci", "apply", { rollback: true, timeout: 90, ubus_rpc_session: sid });
  expect(double.uci.pendingApply).toBe(sid);
  const changesBefore = double.configChanges.length;
  const commitsBefore = commits.length;

  await push(card(10, "203.0.113.77:51820"));
  expect(await until(() => endpointOf(applied.at(-1)) === "203.0.113.77:51820")).toBe(true);
  // Nothing went through UCI: no apply (none refused), no config.change, no flash write.
  expect(commits.slice(commitsBefore)).toEqual([]);
  expect(double.configChanges.length).toBe(changesBefore);
  expect(logs.join("\n")).not.toMatch(/Cannot|waiting for confirmation/);
  expect(d.platform.config.lastProblem).toBeNull();
  const file = await Deno.readTextFile(`${root}/etc/config/network`);
  expect(file).toContain("option endpoint_host '192.0.2.20'");
  expect(file).not.toContain("203.0.113.77");
  // The received card is in RAM, not in the state file.
  const state = JSON.parse(await Deno.readTextFile(`${root}/etc/punch/state.json`));
  expect(state.cards.cards).toEqual([]);
  const ram = JSON.parse(await Deno.readTextFile(`${root}/var/run/punch/peering.json`));
  expect(ram.cards).toHaveLength(1);
  // Status tells where the endpoint came from.
  const st = d.peerStatusList((await d.model()).model, null);
  expect(st[0]).toMatchObject({ endpoint: "203.0.113.77:51820", endpointSource: "card" });

  // LuCI's apply is still its own: confirmable, and its change stays.
  expect(double.uci.pendingApply).toBe(sid);
  await luci.call("uci", "confirm", { ubus_rpc_session: sid });
  expect(double.uci.pendingApply).toBeNull();
  expect(await Deno.readTextFile(`${root}/etc/config/network`)).toContain("'192.168.1.2'");

  // A later move is applied the same way; an older card is not.
  await push(card(11, "203.0.113.78:51820"));
  expect(await until(() => endpointOf(applied.at(-1)) === "203.0.113.78:51820")).toBe(true);
  await push(card(9, "203.0.113.66:51820"));
  await new Promise((r) => setTimeout(r, 300));
  expect(endpointOf(applied.at(-1))).toBe("203.0.113.78:51820");
  expect(commits.slice(commitsBefore)).toEqual([]);
});

test("a card that adds routes is configuration: it goes through UCI", async () => {
  const c: PeerCard = {
    wgPublicKey: peerWg,
    signPublicKey: peerSign,
    name: "b",
    seq: 12,
    issuedAt: Date.now(),
    endpoints: ["203.0.113.79:51820"],
    tunnelAddresses: ["10.77.0.2/16"],
    lanSubnets: ["192.168.2.0/24", "192.168.3.0/24"],
  };
  await push(encodeCardBundle([signCard(c, peer.signSeed)]));
  expect(
    await until(() =>
      applied.at(-1)?.peers.find((p) => p.publicKey === peerWg)?.allowedIps.includes(
        "192.168.3.0/24",
      ) === true
    ),
  ).toBe(true);
  expect(commits).toEqual(["network"]);
  const file = await Deno.readTextFile(`${root}/etc/config/network`);
  expect(file).toContain("list allowed_ips '192.168.3.0/24'");
  expect(file).toContain("option endpoint_host '192.0.2.20'"); // the endpoint stays runtime
  expect(endpointOf(applied.at(-1))).toBe("203.0.113.79:51820");
});
