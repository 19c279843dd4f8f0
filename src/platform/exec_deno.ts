import type { ExecResult } from "./types.ts";

const DEFAULT_TIMEOUT_MS = 15_000;

/** Run a program, feeding `stdin`; never throws for a non-zero exit (see `execOk`). */
export async function exec(
  argv: readonly string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new TypeError("Cannot run an empty command");
  const child = new Deno.Command(cmd, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.env ? { env: opts.env } : {}),
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
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
    if (e instanceof Deno.errors.NotFound) throw new Error(`Cannot run "${argv[0]}": not installed`);
    throw e;
  }
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").pop() || `exit code ${r.code}`;
    throw new Error(`Command "${argv.slice(0, 4).join(" ")}" failed: ${why}`);
  }
  return r.stdout;
}
