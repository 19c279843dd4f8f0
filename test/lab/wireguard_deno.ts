/**
 * A wireguard-go `wg0` inside a lab node (its own mount namespace, so its UAPI socket in
 * /var/run/wireguard is private), configured with `wg set` and `ip`.
 */
import { type ExecResult, killGroup, mustRun, run, waitFor } from "./netns_deno.ts";

export interface WgPeerConfig {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  keepalive?: number;
}

export interface HostWireguardConfig {
  listenPort: number;
  privateKey: string;
  /** Address of wg0 with prefix, e.g. "10.99.0.1/24". */
  address: string;
  peers: WgPeerConfig[];
  /** Interface name (default wg0). */
  iface?: string;
}

export interface HostWireguard {
  readonly pid: number;
  readonly iface: string;
  /** `wg show <iface> dump` text. */
  dump(): Promise<string>;
  /** Run a command in wg-go's mount + network namespace. */
  exec(argv: string[], stdin?: string): Promise<ExecResult>;
  setPeer(peer: WgPeerConfig): Promise<void>;
  stop(): Promise<void>;
}

/** What `startHostWireguard` needs from the lab. */
export interface WgLabAccess {
  spawn(
    id: string,
    argv: string[],
    opts?: { env?: Record<string, string>; logFile?: string },
  ): Promise<{ pid: number }>;
  logPath(id: string, program: string): string;
  kill(pid: number): Promise<void>;
}

/** Start wireguard-go on node `id` and apply `cfg`. */
export async function startHostWireguard(
  lab: WgLabAccess,
  id: string,
  cfg: HostWireguardConfig,
): Promise<HostWireguard> {
  const iface = cfg.iface ?? "wg0";
  const { pid } = await lab.spawn(id, ["wireguard-go", "-f", iface], {
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
    logFile: lab.logPath(id, `wireguard-go-${iface}`),
  });
  const exec = (argv: string[], stdin?: string) =>
    run(["nsenter", "-t", String(pid), "-m", "-n", ...argv], stdin === undefined ? {} : { stdin });
  const must = async (argv: string[], stdin?: string) => {
    const r = await exec(argv, stdin);
    if (r.code !== 0) {
      throw new Error(`Command "${argv.join(" ")}" on "${id}" failed: ${r.stderr.trim()}`);
    }
  };
  try {
    const up = await waitFor(
      async () => (await exec(["wg", "show", iface])).code === 0,
      10_000,
      50,
    );
    if (!up) {
      throw new Error(
        `Cannot start wireguard-go on "${id}": no UAPI socket after 10 s, see ${
          lab.logPath(id, `wireguard-go-${iface}`)
        }`,
      );
    }
    await must([
      "wg",
      "set",
      iface,
      "listen-port",
      String(cfg.listenPort),
      "private-key",
      "/dev/stdin",
    ], cfg.privateKey + "\n");
    await must(["ip", "addr", "add", cfg.address, "dev", iface]);
    await must(["ip", "link", "set", iface, "up"]);
  } catch (e) {
    await lab.kill(pid);
    throw e;
  }
  const setPeer = (p: WgPeerConfig) =>
    must([
      "wg",
      "set",
      iface,
      "peer",
      p.publicKey,
      "allowed-ips",
      p.allowedIps.join(","),
      ...(p.endpoint === undefined ? [] : ["endpoint", p.endpoint]),
      ...(p.keepalive === undefined ? [] : ["persistent-keepalive", String(p.keepalive)]),
    ]);
  for (const p of cfg.peers) await setPeer(p);
  return {
    pid,
    iface,
    exec,
    setPeer,
    async dump() {
      const r = await exec(["wg", "show", iface, "dump"]);
      if (r.code !== 0) throw new Error(`Cannot read wg dump on "${id}": ${r.stderr.trim()}`);
      return r.stdout;
    },
    stop: () => lab.kill(pid),
  };
}

/** A fresh X25519 key pair from `wg genkey` / `wg pubkey` (base64). */
export async function wgKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = (await mustRun(["wg", "genkey"])).trim();
  const publicKey = (await mustRun(["wg", "pubkey"], { stdin: privateKey + "\n" })).trim();
  return { privateKey, publicKey };
}

export { killGroup };
