import type { ExecResult } from "./types.ts";
import { trackChild } from "../lib/children.ts";

const DEFAULT_TIMEOUT_MS = 15_000;
/** `sh` exit code for "command not found". */
const NOT_FOUND = 127;

/*
 * Why files instead of pipes: with Deno 2.9, every child spawned with piped stdout/stderr keeps
 * 10–120 KB of native memory for good (measured: 6000 `ip` runs grew RSS by 75 MB with
 * `Command.output()`), and punchd runs a few commands a minute for months. A child whose stdio
 * is /dev/null and that writes to files leaves nothing behind (6000 runs: +4 MB, flat).
 * The files live in a 0700 directory and are removed as soon as they are read.
 */
let workDir: Promise<string> | undefined;
/** `<tmp>/punch-exec-<pid>-<random>`: the pid tells whose directory it is. */
const EXEC_DIR_PREFIX = "punch-exec-";

/**
 * Remove exec directories left by a punchd that died without cleaning up (`kill -9`, power
 * loss on a tmpfs-less system): their owner's pid no longer runs. Returns the paths removed.
 */
export async function removeExecLeftovers(
  tmp = Deno.env.get("TMPDIR") || "/tmp",
): Promise<string[]> {
  const gone: string[] = [];
  try {
    for await (const e of Deno.readDir(tmp)) {
      const m = /^punch-exec-(\d+)-/.exec(e.name);
      if (!e.isDirectory || m === null || Number(m[1]) === Deno.pid) continue;
      const running = await Deno.stat(`/proc/${m[1]}`).then(() => true, () => false);
      if (running) continue;
      const path = `${tmp}/${e.name}`;
      await Deno.remove(path, { recursive: true }).then(() => gone.push(path), () => {});
    }
  } catch { /* no temp directory */ }
  return gone;
}
let seq = 0;

function dir(): Promise<string> {
  workDir ??= (async () => {
    const d = await Deno.makeTempDir({ prefix: `${EXEC_DIR_PREFIX}${Deno.pid}-` });
    await Deno.chmod(d, 0o700);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(d, { recursive: true });
      } catch { /* gone */ }
    });
    return d;
  })();
  return workDir;
}

export { killChildren, trackChild } from "../lib/children.ts";

const SH = 'exec "$@" <"$PUNCH_EXEC_IN" >"$PUNCH_EXEC_OUT" 2>"$PUNCH_EXEC_ERR"';

/** Run a program, feeding `stdin`; never throws for a non-zero exit (see `execOk`). */
export async function exec(
  argv: readonly string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ExecResult> {
  if (argv.length === 0) throw new TypeError("Cannot run an empty command");
  const d = await dir();
  const base = `${d}/${Deno.pid}-${seq++}`;
  const files = { in: `${base}.in`, out: `${base}.out`, err: `${base}.err` };
  try {
    // Secrets (private keys) go through this file: 0600, inside a 0700 directory, removed below.
    await Deno.writeTextFile(files.in, opts.stdin ?? "", { mode: 0o600 });
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", SH, "sh", ...argv],
      env: {
        ...opts.env,
        PUNCH_EXEC_IN: files.in,
        PUNCH_EXEC_OUT: files.out,
        PUNCH_EXEC_ERR: files.err,
      },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    trackChild(child);
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const status = await child.status.finally(() => clearTimeout(timer));
    const [stdout, stderr] = await Promise.all(
      [files.out, files.err].map((f) => Deno.readTextFile(f).catch(() => "")),
    );
    if (status.code === NOT_FOUND && /not found/.test(stderr!)) {
      throw new Deno.errors.NotFound(`"${argv[0]}" not found`);
    }
    return { code: status.code, stdout: stdout!, stderr: stderr! };
  } finally {
    await Promise.all(Object.values(files).map((f) => Deno.remove(f).catch(() => {})));
  }
}

/** Run a program and throw a one-line error naming it when it fails. */
export async function execOk(
  argv: readonly string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  let r: ExecResult;
  try {
    r = await exec(argv, opts);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot run "${argv[0]}": not installed`);
    }
    throw e;
  }
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").pop() || `exit code ${r.code}`;
    throw new Error(`Command "${argv.slice(0, 4).join(" ")}" failed: ${why}`);
  }
  return r.stdout;
}
