/**
 * The README demo: two home routers, each behind its own NAT, run punchd; they are paired with
 * punchctl only, the WireGuard tunnel comes up through both NATs and a ping crosses it.
 * Usage: scripts/demo [--keep] [--name N]
 */
import { type Lab, labUp, waitFor } from "../test/lab/lab.ts";
import { INTERNET_HOSTS } from "../test/lab/presets.ts";

const args = Deno.args;
const keep = args.includes("--keep");
const name = args.includes("--name") ? args[args.indexOf("--name") + 1]! : "punch";
if (args.includes("--help")) {
  console.log(`Usage: scripts/demo [--keep] [--name N]

Builds the lab (two routers behind NATs, OpenWrt-style fw4 firewalls), starts punchd on both,
pairs them with punchctl, waits for the WireGuard handshake and pings across the tunnel.
  --keep    leave the lab running (then: scripts/lab status --name N, scripts/lab down --name N)
  --name N  lab name, prefix of every namespace (default "punch")`);
  Deno.exit(0);
}

const step = (s: string) => console.log(`\n==> ${s}`);
const t0 = performance.now();

async function ctl(lab: Lab, id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  console.log(`[router ${id}] $ punchctl ${argv.join(" ")}`);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on router ${id} failed: ${r.stderr.trim()}`);
  if (r.stdout.trim()) console.log(r.stdout.trimEnd().replace(/^/gm, "    "));
  return r.stdout;
}

let lab: Lab | undefined;
let ok = false;
try {
  step("Building the lab: internet 203.0.113.0/24, routers a and b each behind a NAT");
  lab = await labUp({
    name,
    routers: [
      { id: "a", hosts: 1, upstream: [{ kind: "cone", inside: "10.0.1.0/24" }] },
      { id: "b", hosts: 1, upstream: [{ kind: "cone", inside: "10.0.2.0/24" }] },
    ],
    internetHosts: INTERNET_HOSTS,
  });
  for (const id of ["a", "b"]) {
    console.log(`    router ${id}: WAN ${lab.wanAddress(id)} behind NAT ${lab.publicAddress(id)}, LAN ${lab.lanAddress(id)}`);
  }

  await lab.startStun("stun");

  step("Starting punchd on both routers (first start creates wg0 in /etc/config/network)");
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  const st = async (id: string) => JSON.parse(await (await lab!.punchctl(id, ["status", "--json"])).stdout);
  const [a, b] = [await st("a"), await st("b")];

  step("Netcheck on router a (STUN against the lab's coturn at 203.0.113.3/.4)");
  await ctl(lab, "a", "netcheck");

  step("Pairing: each router learns the other's key and public endpoint through punchctl");
  const tPair = performance.now();
  await ctl(lab, "a", "peer", "add", "--name", "b", "--public-key", b.publicKey,
    "--endpoint", `${lab.publicAddress("b")}:51820`, "--allowed-ips", `${b.addresses[0].split("/")[0]}/32`);
  await ctl(lab, "b", "peer", "add", "--name", "a", "--public-key", a.publicKey,
    "--endpoint", `${lab.publicAddress("a")}:51820`, "--allowed-ips", `${a.addresses[0].split("/")[0]}/32`);

  step("Waiting for the WireGuard handshake through both NATs");
  const up = await waitFor(async () => (await st("a")).peers[0]?.state === "connected", 30_000, 100);
  if (!up) throw new Error("No handshake within 30 s: see the punchd logs in " + lab.dir + "/logs");
  console.log(`    handshake ${((performance.now() - tPair) / 1000).toFixed(2)} s after the first peer add`);

  step("Ping from router a to router b through the tunnel");
  const ping = await lab.exec("a", ["ping", "-c", "3", "-i", "0.2", "-W", "2", b.addresses[0].split("/")[0]]);
  console.log(ping.stdout.trimEnd().replace(/^/gm, "    "));
  if (ping.code !== 0) throw new Error("Ping through the tunnel failed");

  step("Status on both routers");
  await ctl(lab, "a", "status");
  await ctl(lab, "b", "status");
  ok = true;
  console.log(`\nDemo passed in ${((performance.now() - t0) / 1000).toFixed(1)} s: two routers connected through two NATs.`);
} catch (e) {
  console.error(`\nDemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  if (lab && !keep) await lab.down();
  else if (lab) console.log(`Lab "${name}" left running: scripts/lab status --name ${name}; scripts/lab down --name ${name}`);
}
Deno.exit(ok ? 0 : 1);
