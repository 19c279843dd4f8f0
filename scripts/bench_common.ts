/** Small helpers shared by the benchmarks: medians, RSS from /proc, timing, lab calls. */
import { type Lab, waitFor, wgKeyPair } from "../test/lab/lab.ts";
import { dumpHasHandshake } from "../test/lab/assist_lab.ts";

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Rss {
  anonKiB: number;
  fileKiB: number;
  totalKiB: number;
}

/** Resident memory of a process split into anonymous and file-backed pages. */
export async function rssOf(pid: number): Promise<Rss> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return {
    anonKiB: kib("RssAnon"),
    fileKiB: kib("RssFile") + kib("RssShmem"),
    totalKiB: kib("VmRSS"),
  };
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const f = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
  const hz = 100;
  return (Number(f[11]) + Number(f[12])) / hz;
}

export const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const fmtMiB = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** punchctl on a lab router; its stdout, or an Error with its stderr. */
export async function ctl(lab: Lab, id: string, argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
  return r.stdout;
}

/** Whether the router's wg0 has completed a handshake with any peer. */
export async function hasHandshake(lab: Lab, id: string, peerKey?: string): Promise<boolean> {
  const r = await lab.nsExecInProcess(lab.punchdPid(id)!, [
    "wg",
    "show",
    "wg0",
    "latest-handshakes",
  ]);
  return r.stdout.split("\n").some((l) =>
    /\t[1-9]\d*$/.test(l) && (peerKey === undefined || l.startsWith(`${peerKey}\t`))
  );
}

/**
 * The naive setup: plain wireguard-go on routers a and b (10.99.0.1/.2), each with the other's
 * public address as endpoint and keepalive 5. Waits (at most `boundMs`) for a handshake on b; the
 * ms from configuring b, or null.
 */
export async function naiveHandshakeMs(lab: Lab, boundMs: number): Promise<number | null> {
  const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
  const wg = (id: string, key: string, address: string) =>
    lab.hostWireguard(id, { listenPort: 51820, privateKey: key, address, peers: [] });
  const wa = await wg("a", ka.privateKey, "10.99.0.1/24");
  const wb = await wg("b", kb.privateKey, "10.99.0.2/24");
  await wa.setPeer({
    publicKey: kb.publicKey,
    endpoint: `${lab.publicAddress("b")}:51820`,
    allowedIps: ["10.99.0.2/32"],
    keepalive: 5,
  });
  const t0 = performance.now();
  await wb.setPeer({
    publicKey: ka.publicKey,
    endpoint: `${lab.publicAddress("a")}:51820`,
    allowedIps: ["10.99.0.1/32"],
    keepalive: 5,
  });
  const ok = await waitFor(async () => dumpHasHandshake(await wb.dump()), boundMs, 20);
  return ok ? performance.now() - t0 : null;
}
