// Long fuzz run: the property table of test/fuzz with more runs and any seed (see scripts/fuzz).
import fc from "fast-check";
import { CI_RUNS, CI_SEED, runsFor, slowest } from "../test/fuzz/fuzz.ts";
import { ALL_TARGETS } from "../test/fuzz/targets.ts";

const USAGE = `Usage: scripts/fuzz [--runs N] [--seed S] [--only TEXT] [--slow-ms M]
Runs every parser property of test/fuzz (the unit run uses seed ${CI_SEED}, ${CI_RUNS} runs each)
  --runs N     runs per property (default 2000; slow properties such as signatures, inflate and
               HTTP forms run N/cost, as in the unit run)
  --seed S     fast-check seed (default: the current time, printed so a failure can be replayed)
  --only TEXT  only properties whose parser or name contains TEXT
  --slow-ms M  print the slowest input when, timed again, it still takes over M ms (default 50)
Prints one line per property: runs, seconds, slowest single parser call and that call timed
again (median of 9: a loaded machine makes one-off outliers); exits 1 on a failure
with the counterexample and the seed and path to replay it.`;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new Error(`${name} needs a value; see --help`);
  return v;
}

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name} "${v}" is not a whole number; see --help`);
  return Number(v);
}

/** The slowest call timed again, median of 9 (a one-off outlier is the machine, not the parser). */
async function retime(): Promise<number | null> {
  const f = slowest.again;
  if (f === null) return null;
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    try {
      await f();
    } catch {
      // the outcome was checked on the first call
    }
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[4]!;
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const runs = int(arg(args, "--runs"), "--runs", 2000);
  const seed = int(arg(args, "--seed"), "--seed", Date.now() % 2 ** 31);
  const only = arg(args, "--only");
  const slowMs = int(arg(args, "--slow-ms"), "--slow-ms", 50);
  const targets = ALL_TARGETS.filter((t) =>
    only === undefined || t.parser.includes(only) || t.name.includes(only)
  );
  console.log(`fuzz: seed ${seed}, ${runs} runs per property, ${targets.length} properties`);
  const start = performance.now();
  let failed = 0, total = 0;
  for (const t of targets) {
    const n = runsFor(t, runs);
    slowest.ms = 0;
    slowest.input = "";
    slowest.again = null;
    const t0 = performance.now();
    const r = await fc.check(t.property(), { seed, numRuns: n });
    const s = (performance.now() - t0) / 1000;
    const again = await retime();
    total += r.numRuns;
    const line = `${t.parser.padEnd(8)} ${String(r.numRuns).padStart(7)} runs ${
      s.toFixed(1).padStart(6)
    } s  slowest ${slowest.ms.toFixed(1).padStart(6)} ms (again ${
      again === null ? "   -    " : `${again.toFixed(2).padStart(5)} ms`
    }) ${t.name}`;
    if (r.failed) {
      failed++;
      console.log(`FAIL ${line}`);
      const clip = (m: string) => m.length > 3000 ? `${m.slice(0, 3000)}… (clipped)` : m;
      console.log(clip(fc.defaultReportMessage(r)));
      console.log(clip(String(r.errorInstance)));
    } else console.log(`ok   ${line}`);
    if (again !== null && again > slowMs) console.log(`     slow input: ${slowest.input}`);
  }
  const secs = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `fuzz: ${total} runs in ${secs} s, seed ${seed}: ${
      failed === 0 ? "all passed" : `${failed} failed`
    }`,
  );
  return failed === 0 ? 0 : 1;
}

try {
  Deno.exit(await main(Deno.args));
} catch (e) {
  console.error((e as Error).message);
  Deno.exit(2);
}
