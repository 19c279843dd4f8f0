/**
 * The Punch lab: home routers, LAN hosts, upstream NATs and an "internet" built from network
 * namespaces, veth pairs and nftables. Used by the README demo, `scripts/lab` and `test/lab/`.
 */
import { buildLab, loadFirewall, STUN_PORT } from "./lab_build_deno.ts";
import {
  alive,
  type ExecResult,
  killGroup,
  mustRun,
  nsRun,
  run,
  sleep,
  spawnInNs,
  waitFor,
} from "./netns_deno.ts";
import { type LabPlan, type LabSpec, type NodePlan, planLab } from "./topology.ts";
import { withWanAddress } from "./uci_files.ts";
import { labDirFor, labDown, readState, updateState } from "./lab_state_deno.ts";
import {
  type HostWireguard,
  type HostWireguardConfig,
  startHostWireguard,
} from "./wireguard_deno.ts";

export type { ExecResult } from "./netns_deno.ts";
export type { InternetHostSpec, LabSpec, NatLayer, RouterSpec } from "./topology.ts";
export type { HostWireguard, HostWireguardConfig, WgPeerConfig } from "./wireguard_deno.ts";
export { labDown } from "./lab_state_deno.ts";
export { wgKeyPair } from "./wireguard_deno.ts";

/** The repository root (for `bin/punchd`, `bin/punchctl`). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export { STUN_PORT };
export type { Fw4Include } from "./fw4_ruleset.ts";
const WG_ENV = { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" };

export interface Lab {
  readonly spec: LabSpec;
  readonly dir: string;
  readonly plan: LabPlan;
  /** Namespace of a node: "inet", router "a", LAN host "a1", upstream "a-up0", internet host id. */
  ns(id: string): string;
  exec(
    id: string,
    argv: string[],
    opts?: { timeoutMs?: number; env?: Record<string, string>; stdin?: string },
  ): Promise<ExecResult>;
  /** Start a program in the node's namespace with a private mount namespace; killed by down(). */
  spawn(
    id: string,
    argv: string[],
    opts?: { env?: Record<string, string>; logFile?: string },
  ): Promise<{ pid: number }>;
  kill(pid: number): Promise<void>;
  routerDir(id: string): string;
  socketPath(id: string): string;
  /** A router's own WAN address (no prefix). */
  wanAddress(id: string): string;
  /** The address the internet sees for a router (outermost upstream NAT, or the WAN). */
  publicAddress(id: string): string;
  /** A router's global IPv6 WAN address (no prefix), when it has one (`RouterSpec.v6`). */
  wanV6Address(id: string): string | undefined;
  lanAddress(id: string): string;
  hostAddress(id: string): string;
  /** Log file path used for a node's program, under `<dir>/logs/`. */
  logPath(id: string, program: string): string;
  /** Start `bin/punchd` (or `opts.program`) on a router; waits until its socket accepts (20 s). */
  startPunchd(
    id: string,
    extraArgs?: string[],
    opts?: { program?: string; env?: Record<string, string> },
  ): Promise<void>;
  stopPunchd(id: string): Promise<void>;
  punchdPid(id: string): number | undefined;
  punchctl(id: string, argv: string[]): Promise<ExecResult>;
  /** Run a command inside a running process's mount and network namespace. */
  nsExecInProcess(
    pid: number,
    argv: string[],
    opts?: { stdin?: string; timeoutMs?: number },
  ): Promise<ExecResult>;
  setWanAddress(id: string, cidr: string): Promise<void>;
  /**
   * Rebuild a router's fw4 ruleset like `fw4 reload`: spec includes plus the `*.nft` files under
   * `<routerDir>/usr/share/nftables.d/`; returns the ruleset text (also in `<routerDir>/tmp/fw4.nft`).
   */
  reloadFirewall(id: string): Promise<string>;
  /** A wireguard-go `wg0` on any node (LAN host, router, internet host). */
  hostWireguard(id: string, cfg: HostWireguardConfig): Promise<HostWireguard>;
  /**
   * Start a STUN server (RFC 5389/5780) on an internet host, on port 3478 of each of its addresses
   * (alternate port 3479); coturn by default, or `argv` (e.g. Punch's own responder).
   */
  startStun(id: string, argv?: string[]): Promise<{ pid: number }>;
  /** Start the lab UDP echo (replies with the sender's IP:port as seen) on an internet host. */
  startUdpEcho(id: string, ports?: number[]): Promise<{ pid: number }>;
  /** Send one datagram from `fromPort` to each target and return what each echo saw. */
  udpProbe(
    id: string,
    fromPort: number,
    targets: string[],
    timeoutMs?: number,
  ): Promise<Record<string, string | null>>;
  down(): Promise<void>;
}

/** Build a lab (tearing down a previous lab of the same name first). */
export async function labUp(spec: LabSpec): Promise<Lab> {
  // Several checkouts on one machine: PUNCH_LAB_PREFIX keeps their labs (namespaces) apart.
  spec = { ...spec, name: `${Deno.env.get("PUNCH_LAB_PREFIX") ?? ""}${spec.name}` };
  const plan = planLab(spec);
  const dir = labDirFor(spec.name, spec.dir);
  await labDown(spec.name, dir);
  try {
    await buildLab(plan, spec, dir);
  } catch (e) {
    await labDown(spec.name, dir).catch(() => {});
    throw e;
  }
  return new LabImpl(spec, plan, dir);
}

class LabImpl implements Lab {
  readonly #punchd = new Map<string, number>();
  readonly #pids = new Set<number>();

  constructor(readonly spec: LabSpec, readonly plan: LabPlan, readonly dir: string) {}

  #node(id: string): NodePlan {
    const n = this.plan.nodes.find((x) => x.id === id);
    if (n === undefined) {
      throw new RangeError(
        `Cannot find lab node "${id}": use one of ${this.plan.nodes.map((x) => x.id).join(", ")}`,
      );
    }
    return n;
  }

  #router(id: string) {
    const r = this.#node(id).router;
    if (r === undefined) throw new RangeError(`Cannot use "${id}" as a router: it is not one`);
    return r;
  }

  ns(id: string): string {
    return this.#node(id).ns;
  }

  exec(
    id: string,
    argv: string[],
    opts: { timeoutMs?: number; env?: Record<string, string>; stdin?: string } = {},
  ) {
    return nsRun(this.ns(id), argv, opts);
  }

  async spawn(
    id: string,
    argv: string[],
    opts: { env?: Record<string, string>; logFile?: string } = {},
  ) {
    const pid = spawnInNs(this.ns(id), argv, opts);
    this.#pids.add(pid);
    await updateState(this.dir, (s) => {
      s.pids = [...s.pids.filter(alive), pid];
    });
    return { pid };
  }

  async kill(pid: number): Promise<void> {
    await killGroup(pid);
    this.#pids.delete(pid);
  }

  routerDir(id: string): string {
    this.#router(id);
    return `${this.dir}/${id}`;
  }

  socketPath(id: string): string {
    return `${this.routerDir(id)}/run/punchd.sock`;
  }

  wanAddress(id: string): string {
    return this.#router(id).wan.split("/")[0]!;
  }

  publicAddress(id: string): string {
    return this.#router(id).publicAddress.split("/")[0]!;
  }

  wanV6Address(id: string): string | undefined {
    return this.#router(id).wanV6?.split("/")[0];
  }

  lanAddress(id: string): string {
    return this.#router(id).lan.split("/")[0]!;
  }

  hostAddress(id: string): string {
    const n = this.#node(id);
    const first = Object.values(n.addrs)[0]?.[0];
    if (first === undefined) throw new RangeError(`Cannot find an address for "${id}"`);
    return first.split("/")[0]!;
  }

  logPath(id: string, program: string): string {
    return `${this.dir}/logs/${id}-${program}.log`;
  }

  async startPunchd(
    id: string,
    extraArgs: string[] = [],
    opts: { program?: string; env?: Record<string, string> } = {},
  ): Promise<void> {
    if (this.#punchd.has(id)) {
      throw new Error(`Cannot start punchd on "${id}": it runs already, stop it first`);
    }
    const sock = this.socketPath(id);
    await Deno.remove(sock).catch(() => {});
    const log = this.logPath(id, "punchd");
    const { pid } = await this.spawn(id, [
      opts.program ?? `${REPO_ROOT}/bin/punchd`,
      "--platform",
      "linux",
      "--root",
      this.routerDir(id),
      "--socket",
      sock,
      ...extraArgs,
    ], { env: { ...WG_ENV, ...opts.env }, logFile: log });
    this.#punchd.set(id, pid);
    const ok = await waitFor(async () => !alive(pid) || (await socketAnswers(sock)), 20_000, 100);
    if (!ok || !alive(pid)) {
      this.#punchd.delete(id);
      await killGroup(pid);
      const tail = (await Deno.readTextFile(log).catch(() => "")).split("\n").slice(-15).join("\n");
      throw new Error(
        `Cannot start punchd on "${id}": ${
          ok ? "it exited" : "socket did not answer in 20 s"
        }; log ${log}:\n${tail}`,
      );
    }
  }

  async stopPunchd(id: string): Promise<void> {
    const pid = this.punchdPid(id);
    if (pid === undefined) return;
    this.#punchd.delete(id);
    await this.kill(pid);
  }

  punchdPid(id: string): number | undefined {
    const known = this.#punchd.get(id);
    if (known !== undefined) return known;
    // A lab attached from another process: find the punchd serving this router's socket.
    const needle = `\0--socket\0${this.socketPath(id)}\0`;
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      try {
        const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
        if (cmd.includes(needle) && alive(Number(e.name))) return Number(e.name);
      } catch { /* gone */ }
    }
    return undefined;
  }

  punchctl(id: string, argv: string[]): Promise<ExecResult> {
    return this.exec(id, [`${REPO_ROOT}/bin/punchctl`, "--socket", this.socketPath(id), ...argv]);
  }

  nsExecInProcess(pid: number, argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}) {
    return run(["nsenter", "-t", String(pid), "-m", "-n", ...argv], opts);
  }

  async setWanAddress(id: string, cidr: string): Promise<void> {
    const r = this.#router(id);
    const ns = this.ns(id);
    await mustRun(["ip", "-4", "-n", ns, "addr", "flush", "dev", "wan0"]);
    await mustRun(["ip", "-n", ns, "addr", "add", cidr, "dev", "wan0"]);
    await mustRun(["ip", "-n", ns, "route", "replace", "default", "via", r.wanGateway]);
    r.wan = cidr;
    if (r.upstreamIds.length === 0) r.publicAddress = cidr;
    const node = this.#node(id);
    node.addrs["wan0"] = [cidr, ...(r.wanV6 === undefined ? [] : [r.wanV6])];
    await updateState(this.dir, (s) => {
      s.plan = this.plan;
    });
    const file = `${this.routerDir(id)}/etc/config/network`;
    await Deno.writeTextFile(file, withWanAddress(await Deno.readTextFile(file), cidr));
  }

  reloadFirewall(id: string): Promise<string> {
    this.#router(id);
    return loadFirewall(this.#node(id), this.routerDir(id));
  }

  hostWireguard(id: string, cfg: HostWireguardConfig): Promise<HostWireguard> {
    return startHostWireguard(this, id, cfg);
  }

  async startStun(id: string, argv?: string[]): Promise<{ pid: number }> {
    const addrs = Object.values(this.#node(id).addrs).flat().map((a) => a.split("/")[0]!);
    const cmd = argv ?? [
      "turnserver",
      "-n",
      "--stun-only",
      "--no-cli",
      "--no-tls",
      "--no-dtls",
      "--no-software-attribute",
      ...addrs.flatMap((a) => ["-L", a]),
      "-p",
      String(STUN_PORT),
      "--alt-listening-port",
      String(STUN_PORT + 1),
      "--log-file",
      "stdout",
      "--simple-log",
      "--pidfile",
      `${this.dir}/logs/${id}-turnserver.pid`,
      "--db",
      `${this.dir}/logs/${id}-turndb.sqlite`,
    ];
    const started = await this.spawn(id, cmd, { logFile: this.logPath(id, "stun") });
    await this.#waitUdp(id, STUN_PORT, "STUN server");
    return started;
  }

  async #waitUdp(id: string, port: number, what: string): Promise<void> {
    const ns = this.ns(id);
    const ok = await waitFor(
      // Every address of the node, not just the first one the server happened to bind.
      async () =>
        (await nsRun(ns, ["ss", "-Hlun", `sport = :${port}`])).stdout.trim().split("\n")
          .filter(Boolean).length >= Math.max(1, Object.values(this.#node(id).addrs).flat().length),
      30_000,
      50,
    );
    if (!ok) {
      throw new Error(
        `Cannot start the ${what} on "${id}": nothing listens on UDP port ${port} after 30 s`,
      );
    }
  }

  async startUdpEcho(id: string, ports: number[] = [STUN_PORT]): Promise<{ pid: number }> {
    const addrs = Object.values(this.#node(id).addrs).flat().map((a) => a.split("/")[0]!);
    const binds = addrs.flatMap((a) => ports.map((p) => `${a}:${p}`));
    const started = await this.spawn(id, [
      Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      "--unstable-net",
      `${REPO_ROOT}/test/lab/udp_tool_deno.ts`,
      "echo",
      ...binds,
    ], { logFile: this.logPath(id, "udpecho") });
    await this.#waitUdp(id, ports[0] ?? STUN_PORT, "UDP echo");
    return started;
  }

  async udpProbe(id: string, fromPort: number, targets: string[], timeoutMs = 3000) {
    const r = await this.exec(id, [
      Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      "--unstable-net",
      `${REPO_ROOT}/test/lab/udp_tool_deno.ts`,
      "probe",
      String(fromPort),
      String(timeoutMs),
      ...targets,
    ], { timeoutMs: timeoutMs + 15_000 });
    if (r.code !== 0) throw new Error(`Cannot probe from "${id}": ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as Record<string, string | null>;
  }

  async down(): Promise<void> {
    for (const pid of this.#pids) await killGroup(pid, 1000);
    this.#pids.clear();
    this.#punchd.clear();
    await labDown(this.spec.name, this.dir);
  }
}

/** Attach to a running lab (started by another process, e.g. `scripts/lab up`). */
export async function labAttach(name: string, dir?: string): Promise<Lab> {
  const d = labDirFor(name, dir);
  const s = await readState(d);
  if (s === null) {
    throw new Error(
      `Cannot find lab "${name}" in ${d}: start it with scripts/lab up --name ${name}`,
    );
  }
  return new LabImpl(s.spec, s.plan, d);
}

async function socketAnswers(path: string): Promise<boolean> {
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    return true;
  } catch {
    return false;
  }
}

/** Wait until `check` holds (bounded); re-exported for tests. */
export { sleep, waitFor };
