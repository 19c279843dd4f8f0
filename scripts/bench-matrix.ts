/**
 * The NAT matrix: two routers, each behind {nothing (fw4 only), fw4 accepting 51820, cone NAT,
 * CGNAT (two cone layers, 100.64/10 outside), symmetric NAT}, on one side (the other router is
 * plain fw4) or both, with and without IPv6 on the WANs; plus "shared" (both behind one cone NAT
 * that does not hairpin, IPv4 only). Where no direct path can exist (both symmetric, IPv4 only)
 * the cell has a third router c on a public address that both join (time from the second join
 * to a ↔ b, relayed through c); `--kinds relay` runs that cell alone. Per cell: connected or
 * not, path, and time
 * to first handshake, for Punch (invite → join [→ accept], timed from the last command) and for
 * plain WireGuard with keepalive 5 (wireguard-go + `wg set` by hand, IPv4 public addresses, WAN
 * port left as the cell has it), as scripts/bench-foundation.ts does it. Bounded: one lab per
 * cell and side, each wait ≤ --bound seconds.
 * Router a always invites and b joins; a one-side cell runs both ways round (NAT on a, then
 * NAT on b).
 * Usage: scripts/bench matrix [--bound 15] [--kinds nothing,accept,cone,cgnat,symmetric,shared]
 *   [--v6 off,on] [--runs 1 (Punch pairings per cell: median, connected count)]
 *   [--orders ab,ba (one-side cells: ab the NATed router invites, with all other cells; ba it
 *   joins)]
 *   [--punchd OTHER/bin/punchd (compare another checkout)] [--no-naive] [--no-nebula]
 * Nebula (when installed): lighthouse with relaying on a lab internet host, punchy on; timed from
 * starting b's nebula to its first completed handshake with a (from its log), direct or relayed.
 */
import { type Lab, labUp, type RouterSpec, waitFor } from "../test/lab/lab.ts";
import { ctl, hasHandshake, naiveHandshakeMs } from "./bench_common.ts";
import { publicV4s } from "../src/wg/path_choice.ts";
import {
  haveNebula,
  NEBULA_PORT,
  nebulaFiles,
  nebulaHandshake,
  startNebula,
} from "./bench_nebula.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : dflt;
};
const BOUND_MS = (Number(arg("--bound", "15")) || 15) * 1000;
const KINDS = ["nothing", "accept", "cone", "cgnat", "symmetric", "shared", "relay"] as const;
/** Kinds that make only the both-sides cell, IPv4 only (the lab cannot route IPv6 behind a
 * shared NAT; with IPv6 the relay cell is the symmetric one). */
const PAIR_ONLY: readonly Kind[] = ["shared", "relay"];
type Kind = typeof KINDS[number];
const kinds = arg("--kinds", KINDS.filter((k) => k !== "relay").join(",")).split(",").filter((
  k,
): k is Kind => (KINDS as readonly string[]).includes(k));
const v6s = arg("--v6", "off,on").split(",").map((s) => s === "on");
const NAME = arg("--lab", "bmx");
/** Another checkout's `bin/punchd` to compare with (same lab, same punchctl). */
const PUNCHD = arg("--punchd", "");
const skipNaive = Deno.args.includes("--no-naive");
const RUNS = Math.max(1, Number(arg("--runs", "1")) || 1);
/** Pairing orders of one-side cells: "ab" the NATed router invites (and every other cell runs),
 * "ba" it joins (the mirrored cell alone). */
const orders = arg("--orders", "ab,ba").split(",");

/** No direct path can exist: the cell gets a relay member c (public) that a and b join. */
const relayed = (a: Kind, b: Kind, v6: boolean) =>
  a === "relay" || (!v6 && a === "symmetric" && b === "symmetric");

function router(id: string, i: number, kind: Kind, v6: boolean): RouterSpec {
  const base: RouterSpec = { id, hosts: 0, ...(v6 ? { v6: true } : {}) };
  switch (kind) {
    case "nothing":
      return base;
    case "accept":
      return { ...base, acceptWanUdp: [51820, NEBULA_PORT] };
    case "cone":
      return { ...base, upstream: [{ kind: "cone", inside: `10.0.${i}.0/24` }] };
    case "cgnat":
      return {
        ...base,
        upstream: [{ kind: "cone", inside: `10.0.${i}.0/24` }, {
          kind: "cone",
          inside: `100.64.${i}.0/24`,
        }],
      };
    case "symmetric":
    case "relay":
      return { ...base, upstream: [{ kind: "symmetric", inside: `10.0.${i}.0/24` }] };
    case "shared":
      return { ...base, upstream: [{ kind: "cone", inside: "10.0.9.0/24", shared: "up" }] };
  }
}

async function cellLab(a: Kind, b: Kind, v6: boolean): Promise<Lab> {
  return await labUp({
    name: NAME,
    routers: [
      router("a", 1, a, v6),
      router("b", 2, b, v6),
      ...(relayed(a, b, v6) ? [{ id: "c", hosts: 0 }] : []),
    ],
    internetHosts: [{
      id: "stun",
      addresses: [
        "203.0.113.3/24",
        "203.0.113.4/24",
        ...(v6 ? ["2001:db8::3", "2001:db8::4"] : []),
      ],
    }, { id: "lh", addresses: ["203.0.113.7/24", ...(v6 ? ["2001:db8::7"] : [])] }],
  });
}

interface Outcome {
  ok: boolean;
  ms?: number;
  path?: string;
  note?: string;
  /** Over `--runs`: connected/runs. */
  count?: string;
}

async function punchCell(a: Kind, b: Kind, v6: boolean): Promise<Outcome> {
  const lab = await cellLab(a, b, v6);
  try {
    await lab.startStun("stun");
    const opts = PUNCHD === "" ? {} : { program: PUNCHD };
    const ids = relayed(a, b, v6) ? ["a", "b", "c"] : ["a", "b"];
    await Promise.all(ids.map((id) => lab.startPunchd(id, [], opts)));
    // Netcheck fills the cards' endpoints (bounded; pairing goes on without them).
    for (const id of ["a", "b"]) {
      await waitFor(
        async () => {
          const cards = JSON.parse(await ctl(lab, id, ["cards", "--json"])) as {
            self: boolean;
            endpoints: string[];
          }[];
          // A public address (a private WAN one is listed from the start).
          const eps = cards.find((c) => c.self)?.endpoints ?? [];
          return publicV4s(eps).length > 0 || eps.some((e) => e.startsWith("["));
        },
        10_000,
        200,
      );
    }
    if (relayed(a, b, v6)) return await relayCell(lab);
    const { token } = JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as { token: string };
    let t0 = performance.now();
    const joined = JSON.parse(await ctl(lab, "b", ["join", "--json", token])) as {
      reply?: string;
    };
    let note = "join";
    if (joined.reply) {
      t0 = performance.now();
      await ctl(lab, "a", ["accept", joined.reply]);
      note = "reply";
    }
    const ok = await waitFor(() => hasHandshake(lab, "b"), BOUND_MS, 20);
    const ms = performance.now() - t0;
    let path = "none";
    if (ok) {
      // The path as status tells it once WireGuard has handshaken.
      await waitFor(
        async () => {
          const st = JSON.parse(await ctl(lab, "b", ["status", "--json"])) as {
            peers: { state: string; path: string }[];
          };
          path = st.peers[0]?.path ?? "none";
          return st.peers[0]?.state === "connected";
        },
        5000,
        100,
      );
    }
    return ok ? { ok, ms, path, note } : { ok, note };
  } catch (e) {
    return { ok: false, note: e instanceof Error ? e.message.split("\n")[0]!.slice(0, 60) : "?" };
  } finally {
    await lab.down();
  }
}

/** a and b join c's invites; time from the second join to a handshake between a and b. */
async function relayCell(lab: Lab): Promise<Outcome> {
  const invite = async () =>
    (JSON.parse(await ctl(lab, "c", ["invite", "--json"])) as { token: string }).token;
  await ctl(lab, "a", ["join", await invite()]);
  const tokenB = await invite();
  const t0 = performance.now();
  await ctl(lab, "b", ["join", tokenB]);
  const keyA = (await lab.nsExecInProcess(lab.punchdPid("a")!, ["wg", "show", "wg0", "public-key"]))
    .stdout.trim();
  const ok = await waitFor(() => hasHandshake(lab, "b", keyA), BOUND_MS, 20);
  const ms = performance.now() - t0;
  if (!ok) return { ok, note: "join" };
  let path = "none";
  await waitFor(
    async () => {
      const st = JSON.parse(await ctl(lab, "b", ["status", "--json"])) as {
        peers: { name: string; state: string; path: string }[];
      };
      const p = st.peers.find((x) => x.name === "a");
      path = p?.path ?? "none";
      return p?.state === "connected";
    },
    5000,
    100,
  );
  return { ok, ms, path, note: "join" };
}

async function naiveCell(a: Kind, b: Kind, v6: boolean): Promise<Outcome> {
  const lab = await cellLab(a, b, v6);
  try {
    const ms = await naiveHandshakeMs(lab, BOUND_MS);
    return ms !== null ? { ok: true, ms, path: "direct" } : { ok: false };
  } catch (e) {
    return { ok: false, note: e instanceof Error ? e.message.split("\n")[0]!.slice(0, 60) : "?" };
  } finally {
    await lab.down();
  }
}

async function nebulaCell(a: Kind, b: Kind, v6: boolean): Promise<Outcome> {
  const lab = await cellLab(a, b, v6);
  try {
    const dir = `${lab.dir}/nebula`;
    await nebulaFiles(dir, [
      `203.0.113.7:${NEBULA_PORT}`,
      ...(v6 ? [`[2001:db8::7]:${NEBULA_PORT}`] : []),
    ]);
    await startNebula(lab, "lh", "lh", dir);
    await startNebula(lab, "a", "a", dir);
    // a has found the lighthouse before b starts (bounded).
    await waitFor(
      async () => (await lab.exec("a", ["ping", "-c1", "-W1", "10.98.0.1"])).code === 0,
      10_000,
      100,
    );
    const t0 = performance.now();
    await startNebula(lab, "b", "b", dir);
    // Nebula handshakes on demand: traffic towards a (pings every 0.2 s; a's fw4 rejects them).
    await lab.spawn("b", ["ping", "-i", "0.2", "-W", "1", "10.98.0.2"]);
    let path: string | undefined;
    const ok = await waitFor(
      async () => (path = await nebulaHandshake(lab)) !== undefined,
      BOUND_MS,
      20,
    );
    const ms = performance.now() - t0;
    return ok ? { ok, ms, path: path! } : { ok };
  } catch (e) {
    return { ok: false, note: e instanceof Error ? e.message.split("\n")[0]!.slice(0, 60) : "?" };
  } finally {
    await lab.down();
  }
}

/** `--runs` pairings of one cell: the median time of those that connected, and how many did. */
async function punchRuns(a: Kind, b: Kind, v6: boolean): Promise<Outcome> {
  const outs: Outcome[] = [];
  for (let i = 0; i < RUNS; i++) outs.push(await punchCell(a, b, v6));
  if (RUNS === 1) return outs[0]!;
  const ok = outs.filter((o) => o.ok).sort((x, y) => x.ms! - y.ms!);
  const count = `${ok.length}/${RUNS}`;
  if (ok.length === 0) return { ok: false, note: count };
  const mid = ok[Math.floor((ok.length - 1) / 2)]!;
  return { ...mid, note: mid.note === "reply" ? "reply" : "join", count };
}

const show = (o: Outcome) =>
  o.ok
    ? `${(o.ms! / 1000).toFixed(2)} s ${o.path}${o.note === "reply" ? " (reply)" : ""}${
      o.count ? ` ${o.count}` : ""
    }`
    : o.note === "as above"
    ? "— (as above)"
    : `no${o.note && o.note !== "join" && o.note !== "reply" ? ` (${o.note})` : ""}`;

const rows: string[][] = [];
const nebula = !Deno.args.includes("--no-nebula") && await haveNebula();
if (!nebula) console.log("Nebula: not run (--no-nebula, or the nebula package is not installed)");
const header = [
  "a",
  "b",
  "IPv6",
  "Punch",
  "plain WireGuard ka 5",
  ...(nebula ? ["Nebula (relay on)"] : []),
];
console.log(header.join(" | "));
for (const v6 of v6s) {
  for (const k of kinds) {
    if (v6 && PAIR_ONLY.includes(k)) continue;
    const ab = orders.includes("ab");
    const pairs: [Kind, Kind][] = k === "nothing" || PAIR_ONLY.includes(k)
      ? (ab ? [[k, k]] : [])
      : [
        ...(ab ? [[k, "nothing"] as [Kind, Kind]] : []),
        ...(orders.includes("ba") ? [["nothing", k] as [Kind, Kind]] : []),
        ...(ab ? [[k, k] as [Kind, Kind]] : []),
      ];
    for (const [a, b] of pairs) {
      const punch = await punchRuns(a, b, v6);
      // The mirrored one-side cell: plain WireGuard and Nebula have no pairing order to swap.
      const mirror = a === "nothing" && b !== "nothing";
      const naive = skipNaive || mirror
        ? { ok: false, note: mirror ? "as above" : "skipped" }
        : await naiveCell(a, b, v6);
      const neb = nebula ? [mirror ? "— (as above)" : show(await nebulaCell(a, b, v6))] : [];
      const row = [a, b, v6 ? "yes" : "no", show(punch), show(naive), ...neb];
      rows.push(row);
      console.log(row.join(" | "));
    }
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
console.log(
  `\nTime from the last pairing command (Punch) or the second wg set (plain) to the first handshake, bound ${
    BOUND_MS / 1000
  } s:\n`,
);
console.log(line(header));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
