// scripts/bench-package: package size per architecture, cold start of punchd to a listening
// control socket, and punchd's idle memory (RssAnon / RssFile), all through the bundled loader in
// a musl-only root. A benchmark, not a test: it prints figures and asserts nothing.
import { readIpk } from "../../src/pkg/ipk.ts";
import { inflateRaw } from "../../src/pkg/compress_deno.ts";
import { VERSION } from "../../src/version.ts";
import { networkFile, punchFile } from "../../test/lab/uci_files.ts";
import { benchLab } from "./bench_lab.ts";
import { exists, makeRoot, must, progArgv, unpackIpk } from "./musl_root.ts";

const HELP =
  `Usage: scripts/bench-package [--dist DIR] [--runs N] [--idle SECONDS] [--lab-idle SECONDS]
                             [--v8-flags FLAGS] [--env K=V]

Reports, for the packages in DIR (default dist/, built first when missing):
  size of every .ipk/.apk and the installed size;
  cold start: x86_64 punchd from spawn to its control socket, with an empty DENO_DIR (N runs),
  and warm start (code cache kept);
  idle memory of punchd after SECONDS (default 10): VmRSS, RssAnon, RssFile, RssShmem, threads;
  idle memory in use, in the lab: the package's punchd on two routers (the wrapper pointed at the
  unpacked package), paired with an invite, tunnel up, every web UI page loaded once, then idle
  for --lab-idle SECONDS (default 60; 0 skips it); bin/punchd (source mode) the same way on two
  other routers of the same lab, for comparison.
--v8-flags replaces punchd's V8 flags in the wrapper for comparison (\`none\` = V8 defaults);
--env K=V exports a variable in the wrapper (e.g. MALLOC_ARENA_MAX=2).
Needs root (chroot, unshare, mknod).`;

const PKG_VERSION = `${VERSION}-r1`;
const SOCKET = "/tmp/r/var/run/punch/punchd.sock";
const START_LIMIT_MS = 60_000;

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((f) => setTimeout(f, ms));

function statusKb(pid: number): Record<string, string> {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const out: Record<string, string> = {};
  for (const k of ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"]) {
    out[k] = new RegExp(`^${k}:\\s+(.*)$`, "m").exec(text)?.[1] ?? "?";
  }
  return out;
}

async function startOnce(
  root: string,
  cold: boolean,
): Promise<{ ms: number; child: Deno.ChildProcess }> {
  if (cold) await Deno.remove(`${root}/tmp/punch`, { recursive: true }).catch(() => {});
  await Deno.remove(`${root}/tmp/r/var/run/punch`, { recursive: true }).catch(() => {});
  const argv = [
    ...await progArgv(root, "x86_64", "punchd"),
    "--platform",
    "linux",
    "--root",
    "/tmp/r",
  ];
  const t0 = performance.now();
  const child = new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "null", stderr: "null" })
    .spawn();
  while (!exists(`${root}${SOCKET}`)) {
    if (performance.now() - t0 > START_LIMIT_MS) {
      child.kill("SIGKILL");
      throw new Error(`punchd did not open its socket within ${START_LIMIT_MS} ms`);
    }
    await sleep(2);
  }
  return { ms: performance.now() - t0, child };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await child.status;
  clearTimeout(t);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help")) return (console.log(HELP), 0);
  const repo = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const dist = arg(argv, "--dist", `${repo}/dist`);
  const runs = Number(arg(argv, "--runs", "5"));
  const idle = Number(arg(argv, "--idle", "10"));
  const v8 = arg(argv, "--v8-flags", "");
  const labIdle = Number(arg(argv, "--lab-idle", "60"));
  if (!(labIdle >= 0 && labIdle <= 3600)) throw new Error("--lab-idle takes 0..3600 seconds");
  const ipk = `${dist}/punch_${PKG_VERSION}_x86_64.ipk`;
  if (!exists(ipk)) await must([`${repo}/scripts/build-packages`, "--out", dist], 900_000);

  console.log("## Package size");
  for (const arch of ["x86_64", "aarch64_generic"]) {
    const i = `${dist}/punch_${PKG_VERSION}_${arch}.ipk`;
    const a = `${dist}/${arch}/punch-${PKG_VERSION}.apk`;
    if (!exists(i)) continue;
    const r = await readIpk(await Deno.readFile(i), inflateRaw);
    const files = r.data.filter((m) => m.type === "file").reduce((n, m) => n + m.data.length, 0);
    console.log(
      `${arch}: ipk ${mb(Deno.statSync(i).size)}, apk ${
        exists(a) ? mb(Deno.statSync(a).size) : "missing"
      }, installed ${mb(files)} (files)`,
    );
  }

  const work = `${repo}/test/tmp/bench-package`;
  const root = `${work}/root`;
  await Deno.mkdir(work, { recursive: true });
  await makeRoot(root, false);
  await unpackIpk(ipk, root, work);
  if (v8 !== "") {
    const w = `${root}/usr/bin/punchd`;
    const text = (await Deno.readTextFile(w)).replace(/ --v8-flags=\S+/, "");
    await Deno.writeTextFile(
      w,
      v8 === "none" ? text : text.replace(" -A ", ` -A --v8-flags=${v8} `),
    );
  }
  const env = arg(argv, "--env", "");
  if (env !== "") {
    const w = `${root}/usr/bin/punchd`;
    await Deno.writeTextFile(
      w,
      (await Deno.readTextFile(w)).replace(/^exec /m, `export ${env}\nexec `),
    );
  }
  await Deno.mkdir(`${root}/tmp/r/etc/config`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/tmp/r/etc/config/network`,
    networkFile({ lan: "192.168.77.1/24", wan: "198.51.100.2/24", wanGateway: "198.51.100.1" }),
  );
  await Deno.writeTextFile(
    `${root}/tmp/r/etc/config/punch`,
    punchFile({ name: "bench", stunServers: [] }),
  );
  await Deno.writeTextFile(
    `${root}/usr/bin/wg`,
    '#!/bin/sh\necho "Unable to access interface: No such device" >&2\nexit 1\n',
  );
  await Deno.chmod(`${root}/usr/bin/wg`, 0o755);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    for (const cold of [true, false]) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { ms, child } = await startOnce(root, cold);
        times.push(ms);
        await stop(child);
      }
      console.log(
        `## ${cold ? "Cold" : "Warm"} start to listening socket (x86_64, ${runs} runs${
          v8 ? `, v8 ${v8}` : ""
        })`,
      );
      console.log(
        `median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms, max ${
          Math.max(...times).toFixed(0)
        } ms`,
      );
    }
    const { child } = await startOnce(root, false);
    try {
      await sleep(idle * 1000);
      const s = statusKb(child.pid);
      console.log(`## Idle memory after ${idle} s (x86_64)`);
      console.log(
        `VmRSS ${s.VmRSS}, RssAnon ${s.RssAnon}, RssFile ${s.RssFile}, RssShmem ${s.RssShmem}, VmHWM ${s.VmHWM}, threads ${s.Threads}`,
      );
    } finally {
      await stop(child);
    }
    if (labIdle > 0) {
      console.log(`## Idle memory in use, lab (x86_64, paired, web UI used, ${labIdle} s idle)`);
      await benchLab(root, work, labIdle);
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`bench-package: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
