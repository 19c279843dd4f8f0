/**
 * Relay through a member router (issue 11). Lab prefix "rb": routers a and b each behind a
 * symmetric NAT, c with a public address. Each run builds the lab, joins a and b to c's invite
 * and times the last join → first handshake between a and b (through c). The first run also
 * measures iperf3 throughput (TCP, 5 s) a1 → b1 (relayed through c) against a1 → c1 (direct,
 * a's tunnel to c), the ping round trip on both paths, and the CPU each iperf3 run cost: the whole
 * machine's busy time (/proc/stat: user, system, softirq…; every namespace shares the kernel) per
 * Mbit/s, and punchd's own CPU on c (userspace: zero if the relay forwards in the kernel). The
 * relayed run's extra CPU per Mbit/s over the direct one is what the relay hop costs (c's nft
 * DNAT/SNAT and b's NAT); other work on the machine shows up as noise.
 *
 *   scripts/bench relay [--runs 3] [--logs DIR (keeps each run's punchd logs, DIR/RUN-ROUTER.log)]
 */
import { type Lab, labUp, waitFor } from "../test/lab/lab.ts";
import { ctl, median } from "./bench_common.ts";

const i = Deno.args.indexOf("--runs");
const runs = Number(i >= 0 ? Deno.args[i + 1] : "3");
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 20)) {
  console.error("Cannot run the benchmark: --runs takes 1..20");
  Deno.exit(2);
}

async function relayedHandshake(lab: Lab): Promise<boolean> {
  const s = JSON.parse(await ctl(lab, "a", ["status", "--json"])) as {
    peers: { name: string; path: string }[];
  };
  return s.peers.find((p) => p.name === "b")?.path === "relayed";
}

/** Busy jiffies of the whole machine (every state but idle and iowait). */
async function machineBusy(): Promise<number> {
  const f = (await Deno.readTextFile("/proc/stat")).split("\n")[0]!.trim().split(/\s+/).slice(1)
    .map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
}

/** utime + stime of a process, in jiffies. */
async function procCpu(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

const HZ = 100; // USER_HZ: /proc's clock ticks

async function iperf(lab: Lab, from: string, to: string, watchPid: number): Promise<string> {
  const server = await lab.spawn(to, ["iperf3", "-s", "-1"]);
  try {
    await waitFor(
      async () => (await lab.exec(to, ["sh", "-c", "ss -ltn | grep -q :5201"])).code === 0,
      5_000,
      100,
    );
    const [busy0, own0] = [await machineBusy(), await procCpu(watchPid)];
    const r = await lab.exec(from, ["iperf3", "-c", lab.hostAddress(to), "-t", "5", "-J"], {
      timeoutMs: 20_000,
    });
    const [busy1, own1] = [await machineBusy(), await procCpu(watchPid)];
    if (r.code !== 0) return `failed (${r.stderr.trim() || r.stdout.slice(0, 200)})`;
    const j = JSON.parse(r.stdout) as {
      end: { sum_received: { bits_per_second: number; seconds: number } };
    };
    const mbps = j.end.sum_received.bits_per_second / 1e6;
    const mbit = mbps * j.end.sum_received.seconds;
    const busyS = (busy1 - busy0) / HZ;
    return `${mbps.toFixed(0)} Mbit/s; machine CPU ${busyS.toFixed(2)} s = ${
      (busyS / mbit * 1000).toFixed(2)
    } ms per Mbit; punchd on c ${((own1 - own0) / HZ).toFixed(2)} s`;
  } finally {
    await lab.kill(server.pid).catch(() => {});
  }
}

async function rtt(lab: Lab, from: string, to: string): Promise<string> {
  const r = await lab.exec(from, ["ping", "-c", "10", "-i", "0.2", "-q", lab.hostAddress(to)]);
  return /= [\d.]+\/([\d.]+)\//.exec(r.stdout)?.[1] ?? "?";
}

const l = Deno.args.indexOf("--logs");
const logDir = l >= 0 ? Deno.args[l + 1] : undefined;

const times: number[] = [];
let failed = 0;
for (let run = 0; run < runs; run++) {
  const lab = await labUp({
    name: "rb",
    routers: [
      { id: "a", upstream: [{ kind: "symmetric", inside: "10.0.1.0/24" }] },
      { id: "b", upstream: [{ kind: "symmetric", inside: "10.0.2.0/24" }] },
      { id: "c" },
    ],
    internetHosts: [{ id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] }],
  });
  try {
    await lab.startStun("stun");
    await Promise.all(["a", "b", "c"].map((id) => lab.startPunchd(id)));
    const invite = async () =>
      (JSON.parse(await ctl(lab, "c", ["invite", "--json"])) as { token: string }).token;
    await ctl(lab, "a", ["join", await invite()]);
    await ctl(lab, "b", ["join", await invite()]);
    const t0 = Date.now();
    if (await waitFor(() => relayedHandshake(lab), 60_000, 100)) {
      times.push(Date.now() - t0);
      console.log(`run ${run + 1}: last join → first relayed handshake ${Date.now() - t0} ms`);
    } else {
      failed++;
      console.log(`run ${run + 1}: no relayed handshake within 60 s`);
    }
    if (run === 0 && times.length === 1) {
      await waitFor(
        async () =>
          (await lab.exec("a1", ["ping", "-c1", "-W1", lab.hostAddress("c1")])).code === 0,
        20_000,
        250,
      );
      console.log(`ping RTT a1 → c1 (direct): ${await rtt(lab, "a1", "c1")} ms`);
      console.log(`ping RTT a1 → b1 (relayed via c): ${await rtt(lab, "a1", "b1")} ms`);
      const c = lab.punchdPid("c")!;
      console.log(`iperf3 a1 → c1 (direct): ${await iperf(lab, "a1", "c1", c)}`);
      console.log(`iperf3 a1 → b1 (relayed via c): ${await iperf(lab, "a1", "b1", c)}`);
      const st = JSON.parse(await ctl(lab, "c", ["status", "--json"])) as {
        relay?: { allocations: { packets: number; bytes: number; forwarding: string }[] };
      };
      console.log(`relay c: ${JSON.stringify(st.relay?.allocations ?? [])}`);
    }
  } finally {
    if (logDir !== undefined) {
      await Deno.mkdir(logDir, { recursive: true });
      for (const id of ["a", "b", "c"]) {
        await Deno.copyFile(lab.logPath(id, "punchd"), `${logDir}/${run + 1}-${id}.log`)
          .catch(() => {});
      }
    }
    await lab.down();
  }
}
console.log(
  `relay: ${times.length}/${runs} connected, median last join → first relayed handshake ${
    median(times)
  } ms${failed ? `, ${failed} failed` : ""}`,
);
