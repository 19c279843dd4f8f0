import { afterEach, beforeEach, expect, test } from "vitest";
import { Daemon } from "../../../src/daemon/daemon.ts";
import { PathService } from "../../../src/daemon/peering/path_service.ts";
import { FileConfigBackend } from "../../../src/platform/linux/config_files.ts";
import type { Platform } from "../../../src/platform/types.ts";
import type { WgDump } from "../../../src/wg/wg_dump.ts";

const KEY = "gDHUh177/ldWJJsENoypcXCRQkp64kVI8QSlRifedxE=";
const OWN = "knHeRaGdJ129LykoocNZtut5OfIgg+3WF7Lu5ttcwUo=";
const V4 = "203.0.113.20:51820", V6 = "[2001:db8:2::2]:51820";

let dir: string;
let now = 1_000_000;
let handshake = 0;
let d: Daemon;

function dump(): WgDump {
  return {
    iface: { privateKey: null, publicKey: OWN, listenPort: 51820, fwmark: null },
    peers: [{
      publicKey: KEY,
      presharedKey: null,
      endpoint: V4,
      allowedIps: ["10.77.0.2/32"],
      latestHandshake: handshake,
      rxBytes: 0,
      txBytes: 0,
      persistentKeepalive: 5,
    }],
  };
}

beforeEach(async () => {
  dir = await Deno.makeTempDir({ prefix: "punch-path-" });
  await Deno.mkdir(`${dir}/etc/config`, { recursive: true });
  await Deno.writeTextFile(`${dir}/etc/config/punch`, "config punch 'main'\n\toption name 'a'\n");
  await Deno.writeTextFile(
    `${dir}/etc/config/network`,
    [
      "config interface 'wg0'",
      "\toption proto 'wireguard'",
      "\toption private_key 'YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk='",
      "\tlist addresses '10.77.0.1/16'",
      "",
      "config wireguard_wg0 'b'",
      `\toption public_key '${KEY}'`,
      "\tlist allowed_ips '10.77.0.2/32'",
      "\toption endpoint_host '203.0.113.20'",
      "\toption endpoint_port '51820'",
      "",
    ].join("\n"),
  );
  handshake = 0;
  const platform: Platform = {
    name: "linux",
    root: dir,
    config: new FileConfigBackend(dir),
    wg: {
      apply: () => Promise.resolve(0),
      dump: () => Promise.resolve(dump()),
      remove: async () => {},
    },
    firewall: {
      allowWanUdp: async () => {},
      allowTunnel: async () => {},
      allowRelay: async () => {},
      setRules: async () => {},
    },
    system: {
      wan: () => Promise.resolve({ address: "10.0.1.2", v6: ["2001:db8:1::2"] }),
      lanAddress: () => Promise.resolve("192.168.1.1"),
      watchWan: () => ({ close() {} }),
      reached: () => Promise.resolve([{ prefix: "10.0.1.0/24", what: "the WAN subnet" }]),
      exec: () => Promise.resolve({ code: 0, stdout: "", stderr: "" }),
    },
    auth: { login: () => Promise.resolve(false) },
    close: async () => {},
  };
  d = new Daemon({
    platform,
    log: () => {},
    random: (n) => new Uint8Array(n).fill(7),
    now: () => now,
  });
});

afterEach(async () => {
  await Deno.remove(dir, { recursive: true });
});

test("a card peer gets IPv6 first as a runtime override, IPv4 after 5 s of silence, and keeps what works", async () => {
  const s = new PathService(d, () => [{ publicKey: KEY, name: "b", endpoints: [V4, V6] }]);
  await s.prime({ publicKey: KEY, name: "b", endpoints: [V4, V6] }, V4);
  expect(d.pathOverrides.get(KEY)).toEqual({ endpoint: V6, source: "path" });
  now += 5000;
  await s.tick();
  // IPv4 is the configured endpoint: no override needed.
  expect(d.pathOverrides.get(KEY)).toBeUndefined();
  now += 5000;
  await s.tick();
  expect(d.pathOverrides.get(KEY)?.endpoint).toBe(V6);
  handshake = Math.floor(now / 1000);
  now += 60_000;
  await s.tick();
  expect(d.pathOverrides.get(KEY)?.endpoint).toBe(V6);
});

test("a peer that is no longer paired loses its override", async () => {
  let peers = [{ publicKey: KEY, name: "b", endpoints: [V4, V6] }];
  const s = new PathService(d, () => peers);
  await s.tick();
  expect(d.pathOverrides.get(KEY)?.endpoint).toBe(V6);
  peers = [];
  now += 1000;
  await s.tick();
  expect(d.pathOverrides.get(KEY)).toBeUndefined();
});
