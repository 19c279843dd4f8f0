/**
 * Subprocess plumbing for the lab: run a command (optionally in a network namespace), start a
 * detached program in a namespace with a private mount namespace, kill process groups.
 */

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  stdin?: string;
}

const dec = new TextDecoder();

/** Run `argv` to completion (killed after `timeoutMs`, default 30 s). */
export async function run(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new RangeError("Cannot run an empty command: pass a program name");
  const child = new Deno.Command(cmd, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.env === undefined ? {} : { env: opts.env }),
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 30_000);
  try {
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin)).catch(() => {});
      await w.close().catch(() => {});
    }
    const out = await child.output();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** Run and throw with the command's stderr when it fails. */
export async function mustRun(argv: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new Error(
      `Command "${argv.join(" ")}" failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** `ip netns exec NS argv…`. */
export function nsRun(ns: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return run(["ip", "netns", "exec", ns, ...argv], opts);
}

// In the child: own session (so the pid is a process group to kill), private mount namespace
// with a tmpfs on /var/run/wireguard (each node its own wg0 socket), then exec the program.
const SPAWN_SH = [
  'log="$1"; shift',
  'if [ -n "$log" ]; then exec >>"$log" 2>&1; else exec >/dev/null 2>&1; fi',
  "mkdir -p /var/run/wireguard",
  "mount -t tmpfs -o mode=0755 tmpfs /var/run/wireguard || exit 97",
  'exec "$@"',
].join("\n");

/** Start `argv` detached in `ns` under a private mount namespace; returns the program's pid. */
export function spawnInNs(
  ns: string,
  argv: string[],
  opts: { env?: Record<string, string>; logFile?: string } = {},
): number {
  const child = new Deno.Command("setsid", {
    args: [
      "ip",
      "netns",
      "exec",
      ns,
      "unshare",
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      SPAWN_SH,
      "sh",
      opts.logFile ?? "",
      ...argv,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    ...(opts.env === undefined ? {} : { env: opts.env }),
  }).spawn();
  child.unref();
  child.status.catch(() => {});
  return child.pid;
}

/** Whether a process exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(-pid, sig);
  } catch {
    try {
      Deno.kill(pid, sig);
    } catch { /* gone */ }
  }
}

/** SIGTERM the process group of `pid`, then SIGKILL after `graceMs`. */
export async function killGroup(pid: number, graceMs = 2000): Promise<void> {
  signal(pid, "SIGTERM");
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await sleep(50);
  if (alive(pid)) signal(pid, "SIGKILL");
  const hard = Date.now() + 2000;
  while (alive(pid) && Date.now() < hard) await sleep(20);
}

/** Every pid whose network namespace is `ns`. */
export async function nsPids(ns: string): Promise<number[]> {
  const r = await run(["ip", "netns", "pids", ns], { timeoutMs: 5000 });
  if (r.code !== 0) return [];
  return r.stdout.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
}

/** Names of all network namespaces on this machine. */
export async function listNetns(): Promise<string[]> {
  const r = await run(["ip", "netns", "list"], { timeoutMs: 5000 });
  return r.stdout.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((s) => s !== "");
}

/** Kill everything in a namespace, then delete it. */
export async function deleteNs(ns: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const pids = await nsPids(ns);
    if (pids.length === 0) break;
    await Promise.all(pids.map((p) => killGroup(p, round === 0 ? 1500 : 200)));
  }
  await run(["ip", "netns", "del", ns], { timeoutMs: 10_000 });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every `stepMs` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await sleep(stepMs);
  }
  return false;
}
