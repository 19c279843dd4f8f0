/**
 * Benchmark for issue 4 (peering). One lab, namespace prefix "peb":
 *
 * - join: router a invites, routers b..f each join once (`punchctl join`); time from starting
 *   `join` to the first handshake in the joiner's `wg show`, per run;
 * - recovery, Punch: a's WAN address changes (a alternates .10 ↔ .110); time until host b1
 *   pings host a1 again (a pushes its re-signed card through the tunnel at once);
 * - recovery, naive: routers n and m paired by hand with `peer add` (static endpoints, keepalive
 *   5 s, no card push); n's WAN address changes; time until m1 pings n1 again.
 *
 *   scripts/bench-peering [--runs 5] [--bound 30]
 *
 * Prints each sample and the medians. Needs root.
 */
import { type Lab, labUp } from "../test/lab/lab.ts";
import { ctl, hasHandshake } from "./bench_common.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : fallback;
}

const runs = Number(arg("runs", "5"));
const boundMs = Number(arg("bound", "30")) * 1000;
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 5) || !(boundMs > 0 && boundMs <= 120_000)) {
  console.error("Cannot run the benchmark: --runs takes 1..5, --bound 1..120 seconds");
  Deno.exit(2);
}
const JOINERS = ["b", "c", "d", "e", "f"].slice(0, runs);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` holds; the elapsed ms since `t0`, or null after the bound. */
async function until(
  t0: number,
  check: () => Promise<boolean>,
  stepMs = 20,
): Promise<number | null> {
  while (Date.now() - t0 < boundMs) {
    if (await check()) return Date.now() - t0;
    await sleep(stepMs);
  }
  return null;
}

const ping = (lab: Lab, from: string, to: string) =>
  lab.exec(from, ["ping", "-c1", "-W0.2", lab.hostAddress(to)]).then((r) => r.code === 0);

async function status(lab: Lab, id: string): Promise<{ publicKey: string; addresses: string[] }> {
  return JSON.parse(await ctl(lab, id, ["status", "--json"]));
}

const ids = ["a", ...JOINERS, "n", "m"];
const lab = await labUp({ name: "peb", routers: ids.map((id) => ({ id })) });
const joinMs: (number | null)[] = [],
  cmdMs: (number | null)[] = [],
  bareMs: (number | null)[] = [],
  punchMs: (number | null)[] = [],
  naiveMs: (number | null)[] = [];
try {
  for (const id of ids) await lab.startPunchd(id);

  for (const j of JOINERS) {
    const token =
      (JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as { token: string }).token;
    const tb = Date.now();
    await ctl(lab, j, ["cards"]); // a punchctl round trip alone, for scale
    bareMs.push(Date.now() - tb);
    const t0 = Date.now();
    await ctl(lab, j, ["join", token]);
    cmdMs.push(Date.now() - t0);
    joinMs.push(await until(t0, () => hasHandshake(lab, j)));
    console.log(
      `join ${j}: punchctl done after ${cmdMs.at(-1)} ms, first handshake after ${
        joinMs.at(-1)
      } ms`,
    );
  }

  // Naive: static endpoints by hand, no peering.
  const [n, m] = [await status(lab, "n"), await status(lab, "m")];
  const host = (s: { addresses: string[] }) => `${s.addresses[0]!.split("/")[0]}/32`;
  await ctl(lab, "n", [
    "peer",
    "add",
    "--public-key",
    m.publicKey,
    "--endpoint",
    `${lab.wanAddress("m")}:51820`,
    "--allowed-ips",
    `${host(m)},192.168.${ids.indexOf("m") + 1}.0/24`,
    "--name",
    "m",
  ]);
  await ctl(lab, "m", [
    "peer",
    "add",
    "--public-key",
    n.publicKey,
    "--endpoint",
    `${lab.wanAddress("n")}:51820`,
    "--allowed-ips",
    `${host(n)},192.168.${ids.indexOf("n") + 1}.0/24`,
    "--name",
    "n",
  ]);

  const wan = (id: string, i: number) =>
    `203.0.113.${(ids.indexOf(id) + 1) * 10 + (i % 2 ? 100 : 0)}/24`;
  for (let i = 1; i <= runs; i++) {
    for (const [router, peer, out] of [["a", "b", punchMs], ["n", "m", naiveMs]] as const) {
      if ((await until(Date.now(), () => ping(lab, `${peer}1`, `${router}1`), 200)) === null) {
        throw new Error(`${peer}1 cannot reach ${router}1 before run ${i}`);
      }
      await sleep(3000); // settle: handshakes fresh, no pushes in flight
      const t0 = Date.now();
      await lab.setWanAddress(router, wan(router, i));
      out.push(await until(t0, () => ping(lab, `${peer}1`, `${router}1`)));
      console.log(`${router === "a" ? "punch" : "naive"} recovery run ${i}: ${out.at(-1)} ms`);
    }
  }
} finally {
  await lab.down();
}

const show = (xs: (number | null)[]) => {
  const ok = xs.filter((x): x is number => x !== null);
  return `median ${median(ok) ?? "-"} ms (${ok.length}/${xs.length} within ${
    boundMs / 1000
  } s; samples ${xs.join(", ")})`;
};
console.log(`\npunchctl cards (process + call):   ${show(bareMs)}`);
console.log(`punchctl join (whole command):     ${show(cmdMs)}`);
console.log(`join → first handshake:            ${show(joinMs)}`);
console.log(`recovery after WAN change, Punch:  ${show(punchMs)}`);
console.log(`recovery after WAN change, naive:  ${show(naiveMs)}`);
