/**
 * Lab helpers for LAN hole-punch assist (test/lab/assist.test.ts and scripts/bench-assist.ts):
 * an AssistApplier per router, WireGuard on routers and LAN hosts, handshake polling, and one
 * timed "two LAN hosts on 51820" trial, naive or with Punch's rules.
 */
import { AssistApplier, type Exec, type IncludeWriter } from "../../src/assist/assist_deno.ts";
import { type AssistState, publicPorts } from "../../src/assist/plan.ts";
import type { HostWireguard, Lab } from "./lab.ts";
import { sleep, waitFor, wgKeyPair } from "./lab.ts";
import { forwardPairs, pairsScript, tableScript } from "../../src/wg/first_contact.ts";

/** Port every WireGuard in these labs listens on (hosts and routers alike). */
export const WG_PORT = 51820;

/** A runner for `AssistApplier` inside a lab node's namespace. */
export function labExec(lab: Lab, id: string): Exec {
  return (argv) => lab.exec(id, [...argv]);
}

/** An applier for a lab router (fw4 layout), optionally persisting include files. */
export function routerApplier(lab: Lab, id: string, includes?: IncludeWriter): AssistApplier {
  return new AssistApplier(labExec(lab, id), includes === undefined ? {} : { includes });
}

/** Whether any peer in a `wg show dump` has completed a handshake. */
export function dumpHasHandshake(dump: string): boolean {
  return dump.trim().split("\n").slice(1).some((l) => Number(l.split("\t")[4] ?? "0") > 0);
}

/** Latest handshake per peer public key (0 = none). */
export function handshakes(dump: string): Map<string, number> {
  return new Map(
    dump.trim().split("\n").slice(1).map((l) => {
      const f = l.split("\t");
      return [f[0] ?? "", Number(f[4] ?? "0")];
    }),
  );
}

/** Whether every given WireGuard has a handshake with `peerKey` (or with anyone when absent). */
export async function allHandshook(
  wgs: readonly { wg: HostWireguard; peerKey?: string }[],
): Promise<boolean> {
  // In parallel: the benchmark's time resolution is one round of these.
  const oks = await Promise.all(wgs.map(async ({ wg, peerKey }) => {
    const dump = await wg.dump().catch(() => "");
    return peerKey === undefined
      ? dumpHasHandshake(dump)
      : (handshakes(dump).get(peerKey) ?? 0) > 0;
  }));
  return oks.every((ok) => ok);
}

/** Key pairs for the two LAN hosts and the two routers of a pair lab. */
export interface PairKeys {
  a1: { privateKey: string; publicKey: string };
  b1: { privateKey: string; publicKey: string };
  ra: { privateKey: string; publicKey: string };
  rb: { privateKey: string; publicKey: string };
}

export async function pairKeys(): Promise<PairKeys> {
  return {
    a1: await wgKeyPair(),
    b1: await wgKeyPair(),
    ra: await wgKeyPair(),
    rb: await wgKeyPair(),
  };
}

/** Start each router's own WireGuard on 51820 (as Punch's router-to-router tunnel would). */
export async function startRouterWireguard(lab: Lab, keys: PairKeys): Promise<HostWireguard[]> {
  const a = await lab.hostWireguard("a", {
    listenPort: WG_PORT,
    privateKey: keys.ra.privateKey,
    address: "10.250.0.1/24",
    peers: [{ publicKey: keys.rb.publicKey, allowedIps: ["10.250.0.2/32"] }],
  });
  const b = await lab.hostWireguard("b", {
    listenPort: WG_PORT,
    privateKey: keys.rb.privateKey,
    address: "10.250.0.2/24",
    peers: [{ publicKey: keys.ra.publicKey, allowedIps: ["10.250.0.1/32"] }],
  });
  return [a, b];
}

/** The assist state of router `id` for its host `<id>1` talking to `remote` (host:port). */
export function pairState(
  lab: Lab,
  id: "a" | "b",
  remote: { host: string; port: number },
): AssistState {
  return {
    wanAddress: lab.wanAddress(id),
    reservedPorts: [WG_PORT],
    hosts: [{ name: `${id}1`, address: lab.hostAddress(`${id}1`), port: WG_PORT }],
    remotes: [{ host: `${id}1`, remote }],
  };
}

/**
 * Public endpoints Punch gives a1 and b1 (each router's WAN address and allocated port; the
 * allocation does not depend on the remote, so it is known before the remote is).
 */
export function punchEndpoints(
  lab: Lab,
): { a1: { host: string; port: number }; b1: { host: string; port: number } } {
  const port = (id: "a" | "b") =>
    publicPorts(pairState(lab, id, { host: "0.0.0.0", port: 1 })).get(`${id}1`)!;
  return {
    a1: { host: lab.wanAddress("a"), port: port("a") },
    b1: { host: lab.wanAddress("b"), port: port("b") },
  };
}

/** One trial: which variant, which host starts first, how long before the other. */
export interface TrialSpec {
  punch: boolean;
  first: "a1" | "b1";
  delayMs: number;
  timeoutMs: number;
}

/** Outcome: time from the second host's start to a handshake on both sides, or null. */
export interface TrialResult {
  connected: boolean;
  ms: number | null;
}

/** Forget everything a previous trial left: Punch rules and all conntrack entries on both routers. */
export async function resetRouters(lab: Lab): Promise<void> {
  for (const id of ["a", "b"]) {
    await routerApplier(lab, id).removeAll();
    await lab.exec(id, ["conntrack", "-F"]);
  }
}

/** Run one trial in a pair lab (routers a, b with one host each); both hosts are stopped after. */
export async function runTrial(lab: Lab, keys: PairKeys, t: TrialSpec): Promise<TrialResult> {
  await resetRouters(lab);
  const ep = t.punch ? punchEndpoints(lab) : {
    a1: { host: lab.wanAddress("a"), port: WG_PORT },
    b1: { host: lab.wanAddress("b"), port: WG_PORT },
  };
  if (t.punch) {
    await routerApplier(lab, "a").sync(pairState(lab, "a", ep.b1));
    await routerApplier(lab, "b").sync(pairState(lab, "b", ep.a1));
  }
  const start = (id: "a1" | "b1") => {
    const other = id === "a1" ? "b1" : "a1";
    return lab.hostWireguard(id, {
      listenPort: WG_PORT,
      privateKey: keys[id].privateKey,
      address: id === "a1" ? "10.251.0.1/24" : "10.251.0.2/24",
      peers: [{
        publicKey: keys[other].publicKey,
        allowedIps: [id === "a1" ? "10.251.0.2/32" : "10.251.0.1/32"],
        endpoint: `${ep[other].host}:${ep[other].port}`,
        keepalive: 5,
      }],
    });
  };
  const wgs: HostWireguard[] = [];
  try {
    wgs.push(await start(t.first));
    await sleep(t.delayMs);
    wgs.push(await start(t.first === "a1" ? "b1" : "a1"));
    const t0 = performance.now();
    const ok = await waitFor(() => allHandshook(wgs.map((wg) => ({ wg }))), t.timeoutMs, 50);
    return { connected: ok, ms: ok ? Math.round(performance.now() - t0) : null };
  } finally {
    for (const wg of wgs) await wg.stop();
  }
}

/** A LAN host as `punchctl lan list --json` shows it. */
export interface LanHostView {
  publicEndpoint: string;
  remotes: string[];
}

/**
 * `lan add` of each router's first LAN host on routers `a` and `b` (paired), then wait (bounded)
 * until each router has learned the other's host from its card. Returns both hosts' views.
 */
export async function addLanHostsAndWait(
  lab: Lab,
  a: string,
  b: string,
  boundMs = 20_000,
): Promise<{ a: LanHostView; b: LanHostView }> {
  const ctl = async (id: string, argv: string[]) => {
    const r = await lab.punchctl(id, argv);
    if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
    return r.stdout;
  };
  await ctl(a, ["lan", "add", lab.hostAddress(`${a}1`), "--name", `${a}1`]);
  await ctl(b, ["lan", "add", lab.hostAddress(`${b}1`), "--name", `${b}1`]);
  const host = async (id: string) =>
    (JSON.parse(await ctl(id, ["lan", "list", "--json"])) as LanHostView[])[0]!;
  const t0 = Date.now();
  while (Date.now() - t0 < boundMs) {
    const [ha, hb] = [await host(a), await host(b)];
    if (ha.remotes.includes(hb.publicEndpoint) && hb.remotes.includes(ha.publicEndpoint)) {
      return { a: ha, b: hb };
    }
    await sleep(200);
  }
  throw new Error(`Routers ${a} and ${b} did not learn each other's LAN host within ${boundMs} ms`);
}

/**
 * What punchd does next to LAN assist on a Punch router: the first-contact tie-break table for
 * its hosts' pairs (`src/wg/first_contact.ts`), so two hosts that switch on keepalives at the same
 * moment cannot deadlock. Tests that drive `AssistApplier` without punchd call it after `sync`.
 */
export async function routerTieBreak(lab: Lab, id: string, state: AssistState): Promise<void> {
  const ports = publicPorts(state);
  const hosts = state.hosts.map((h) => ({
    host: h.address,
    port: h.port,
    publicEndpoint: `${state.wanAddress}:${ports.get(h.name)}`,
    remotes: state.remotes.filter((r) => r.host === h.name).map((r) =>
      `${r.remote.host}:${r.remote.port}`
    ),
  }));
  const r = await lab.exec(id, ["nft", "-f", "-"], {
    stdin: tableScript() + pairsScript([], forwardPairs(hosts)),
  });
  if (r.code !== 0) throw new Error(`Cannot install the tie-break table on "${id}": ${r.stderr}`);
}
