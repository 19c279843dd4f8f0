/**
 * Benchmark: two LAN hosts (behind routers a and b) on WireGuard port 51820, keepalive 5, each
 * router running its own WireGuard on 51820 too. Compares naive (endpoints WAN:51820, no rules)
 * with Punch (allocated public ports, scoped pinholes, SNAT, conntrack flush), for a router that
 * accepts UDP 51820 on WAN and for the default firewall. Prints success counts and the median
 * time from the second host's start to a handshake on both sides.
 *
 *   scripts/bench assist [--delays 0,2,5,10] [--timeout 20] [--firewalls accept,default]
 *
 * Needs root (network namespaces); uses namespace prefix "bn".
 */
import { labUp } from "../test/lab/lab.ts";
import {
  pairKeys,
  runTrial,
  startRouterWireguard,
  type TrialResult,
  WG_PORT,
} from "../test/lab/assist_lab.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : fallback;
}

const delays = arg("delays", "0,2,5,10").split(",").map((s) => Math.round(Number(s) * 1000));
const timeoutMs = Math.round(Number(arg("timeout", "20")) * 1000);
const firewalls = arg("firewalls", "accept,default").split(",");
if (
  delays.some((d) => !Number.isFinite(d) || d < 0 || d > 60_000) ||
  !(timeoutMs > 0 && timeoutMs <= 120_000)
) {
  console.error("Cannot run the benchmark: --delays takes seconds 0..60, --timeout 1..120");
  Deno.exit(2);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

const rows: { fw: string; variant: string; results: TrialResult[] }[] = [];
for (const fw of firewalls) {
  const accept = fw === "accept" ? [WG_PORT] : [];
  const lab = await labUp({
    name: "bn",
    routers: [{ id: "a", acceptWanUdp: accept }, { id: "b", acceptWanUdp: accept }],
  });
  try {
    const keys = await pairKeys();
    await startRouterWireguard(lab, keys);
    const naive: TrialResult[] = [], punch: TrialResult[] = [];
    for (const first of ["a1", "b1"] as const) {
      for (const delayMs of delays) {
        for (const variant of ["naive", "punch"] as const) {
          const r = await runTrial(lab, keys, {
            punch: variant === "punch",
            first,
            delayMs,
            timeoutMs,
          });
          (variant === "punch" ? punch : naive).push(r);
          console.log(
            `${fw.padEnd(8)} ${variant.padEnd(6)} first=${first} delay=${delayMs / 1000}s -> ` +
              (r.connected ? `handshake in ${r.ms} ms` : `no handshake in ${timeoutMs / 1000} s`),
          );
        }
      }
    }
    rows.push({ fw, variant: "naive", results: naive }, { fw, variant: "punch", results: punch });
  } finally {
    await lab.down();
  }
}

console.log("\nfirewall (router WAN)        variant  connected  median ms  max ms");
for (const r of rows) {
  const ms = r.results.flatMap((x) => (x.ms === null ? [] : [x.ms]));
  const ok = r.results.filter((x) => x.connected).length;
  const label = r.fw === "accept" ? "accepts udp 51820" : "default (rejects)";
  console.log(
    `${label.padEnd(28)} ${r.variant.padEnd(8)} ${`${ok}/${r.results.length}`.padEnd(10)} ` +
      `${String(median(ms) ?? "-").padEnd(10)} ${ms.length > 0 ? Math.max(...ms) : "-"}`,
  );
}
