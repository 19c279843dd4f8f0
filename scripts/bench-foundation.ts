/**
 * Benchmark for the foundation: time from `punchctl peer add` on the second router to the first
 * handshake (routers each behind a cone NAT), against the naive setup (wireguard-go + `wg set` by
 * hand, keepalive 5, WAN port opened by hand) in the same run; then punchd's idle memory and CPU.
 * Usage: scripts/bench-foundation [--runs N]
 */
import { type Lab, labUp, waitFor } from "../test/lab/lab.ts";
import { cpuSecondsOf, fmtMiB, fmtS, median, naiveHandshakeMs, rssOf } from "./bench_common.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1] ?? 5) || 5;
const spec = (name: string, acceptWanUdp: number[]) => ({
  name,
  routers: [
    {
      id: "a",
      hosts: 0,
      acceptWanUdp,
      upstream: [{ kind: "cone" as const, inside: "10.0.1.0/24" }],
    },
    {
      id: "b",
      hosts: 0,
      acceptWanUdp,
      upstream: [{ kind: "cone" as const, inside: "10.0.2.0/24" }],
    },
  ],
});

async function ctlJson(lab: Lab, id: string, argv: string[]) {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

async function punchRun(): Promise<{ ms: number; pid: number; lab: Lab }> {
  const lab = await labUp(spec("fbp", []));
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  const [a, b] = [
    await ctlJson(lab, "a", ["status", "--json"]),
    await ctlJson(lab, "b", ["status", "--json"]),
  ];
  const add = (id: string, o: typeof a, other: string) =>
    lab.punchctl(id, [
      "peer",
      "add",
      "--public-key",
      o.publicKey,
      "--endpoint",
      `${lab.publicAddress(other)}:51820`,
      "--allowed-ips",
      `${o.addresses[0].split("/")[0]}/32`,
    ]);
  await add("a", b, "b");
  const t0 = performance.now();
  await add("b", a, "a");
  const pid = lab.punchdPid("b")!;
  const ok = await waitFor(
    async () => {
      const d = await lab.nsExecInProcess(pid, ["wg", "show", "wg0", "latest-handshakes"]);
      return /\s[1-9]\d*\s*$/m.test(d.stdout);
    },
    30_000,
    20,
  );
  if (!ok) throw new Error("punch: no handshake in 30 s");
  return { ms: performance.now() - t0, pid: lab.punchdPid("a")!, lab };
}

async function naiveRun(): Promise<number> {
  const lab = await labUp(spec("fbn", [51820]));
  try {
    const ms = await naiveHandshakeMs(lab, 30_000);
    if (ms === null) throw new Error("naive: no handshake in 30 s");
    return ms;
  } finally {
    await lab.down();
  }
}

const punch: number[] = [], naive: number[] = [];
let idle: { anonKiB: number; fileKiB: number; totalKiB: number } | undefined;
let cpu = NaN;
for (let i = 0; i < runs; i++) {
  const r = await punchRun();
  punch.push(r.ms);
  if (i === runs - 1) {
    const c0 = await cpuSecondsOf(r.pid);
    await new Promise((res) => setTimeout(res, 30_000));
    idle = await rssOf(r.pid);
    cpu = (await cpuSecondsOf(r.pid)) - c0;
  }
  await r.lab.down();
  naive.push(await naiveRun());
  console.log(`run ${i + 1}: punch ${fmtS(punch[i]!)}, naive ${fmtS(naive[i]!)}`);
}
console.log(`\npeer add on the second router → first handshake, median of ${runs}:`);
console.log(`  punch (punchctl peer add → UCI → wg):  ${fmtS(median(punch))}`);
console.log(`  naive (wg set by hand):                ${fmtS(median(naive))}`);
if (idle) {
  console.log(
    `punchd idle after 30 s: RSS ${fmtMiB(idle.totalKiB)} = anonymous ${
      fmtMiB(idle.anonKiB)
    } + file-backed ${fmtMiB(idle.fileKiB)}`,
  );
  console.log(`punchd CPU while idle: ${(cpu / 30 * 100).toFixed(2)} % of one core over 30 s`);
}
