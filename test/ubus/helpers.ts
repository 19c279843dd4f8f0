// Shared set-up for tests against the ubus double.
import { startUbusDouble, type UbusDouble, type UbusDoubleOptions } from "./double/mod.ts";

export const NETWORK = `config interface 'loopback'
\toption device 'lo'
\toption proto 'static'
\toption ipaddr '127.0.0.1'
\toption netmask '255.0.0.0'

config interface 'wan'
\toption device 'eth1'
\toption proto 'dhcp'

config interface 'wg0'
\toption proto 'wireguard'
\toption listen_port '51820'
\tlist addresses '10.7.0.1/24'
`;

export const PUNCH = `config punch 'main'
\toption enabled '1'
`;

export interface Lab {
  dir: string;
  socketPath: string;
  configDir: string;
  double: UbusDouble;
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A temp dir with /etc/config-like files and a running double (50 ms per protocol second). */
export async function startLab(extra: Partial<UbusDoubleOptions> = {}): Promise<Lab> {
  const dir = Deno.makeTempDirSync({ prefix: "punch-ubus-" });
  const configDir = `${dir}/config`;
  Deno.mkdirSync(configDir);
  Deno.writeTextFileSync(`${configDir}/network`, NETWORK);
  Deno.writeTextFileSync(`${configDir}/punch`, PUNCH);
  const opts: UbusDoubleOptions = {
    socketPath: `${dir}/ubus.sock`,
    configDir,
    secondMs: 50,
    users: [
      { username: "root", password: "$p$root", write: ["*"] },
      { username: "viewer", password: "secret", read: ["net-read"] },
    ],
    acls: {
      "net-read": { read: { uci: ["network"], ubus: { "network.interface.*": ["status"] } } },
      "everything": { read: { uci: ["*"] }, write: { uci: ["*"] } },
    },
    interfaces: {
      wan: {
        up: true,
        proto: "dhcp",
        device: "eth1",
        l3_device: "eth1",
        ipv4: [{ address: "192.0.2.10", mask: 24 }],
        dns: ["192.0.2.1"],
      },
      lan: {
        up: true,
        proto: "static",
        device: "br-lan",
        l3_device: "br-lan",
        ipv4: [{ address: "192.168.1.1", mask: 24 }],
      },
    },
    ...extra,
  };
  const lab: Lab = {
    dir,
    socketPath: opts.socketPath,
    configDir,
    double: await startUbusDouble(opts),
    restart: async () => {
      await lab.double.close();
      lab.double = await startUbusDouble(opts);
    },
    stop: () => lab.double.close(),
    start: async () => {
      lab.double = await startUbusDouble(opts);
    },
    cleanup: async () => {
      await lab.double.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
  return lab;
}

/** Poll `f` every 10 ms until it returns a value other than undefined (at most `ms`). */
export async function waitFor<T>(
  f: () => T | undefined | Promise<T | undefined>,
  ms = 3000,
): Promise<T> {
  const end = Date.now() + ms;
  for (let i = 0; i < 10_000; i++) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Condition not met within ${ms} ms`);
}
