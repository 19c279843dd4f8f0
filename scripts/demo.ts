/**
 * The README demo: two home routers, each behind its own NAT, run punchd; they are paired with
 * `punchctl invite` / `join` (and `accept` when the inviter cannot be reached), the WireGuard
 * tunnel comes up through both NATs and pings cross it, router to router and LAN to LAN.
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
pairs them with punchctl invite/join, waits for the WireGuard handshake and pings across the
tunnel, router to router and LAN host to LAN host.
  --keep    leave the lab running (then: scripts/lab status --name N, scripts/lab down --name N)
  --name N  lab name, prefix of every namespace (default "punch")`);
  Deno.exit(0);
}

const step = (s: string) => console.log(`\n==> ${s}`);
const t0 = performance.now();

async function ctl(lab: Lab, id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  console.log(`[router ${id}] $ punchctl ${argv.join(" ")}`);
  if (r.code !== 0) {
    throw new Error(`punchctl ${argv.join(" ")} on router ${id} failed: ${r.stderr.trim()}`);
  }
  if (r.stdout.trim()) console.log(r.stdout.trimEnd().replace(/^/gm, "    "));
  return r.stdout;
}

/** Run punchctl and show only the command (for --json output the demo summarises itself). */
async function quiet(lab: Lab, id: string, ...argv: string[]): Promise<string> {
  console.log(`[router ${id}] $ punchctl ${argv.join(" ")}`);
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) {
    throw new Error(`punchctl ${argv.join(" ")} on router ${id} failed: ${r.stderr.trim()}`);
  }
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
    console.log(
      `    router ${id}: WAN ${lab.wanAddress(id)} behind NAT ${lab.publicAddress(id)}, LAN ${
        lab.lanAddress(id)
      }`,
    );
  }

  await lab.startStun("stun");

  step("Starting punchd on both routers (first start creates wg0 in /etc/config/network)");
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  const st = async (id: string) =>
    JSON.parse(await (await lab!.punchctl(id, ["status", "--json"])).stdout);
  const b = await st("b");

  step("Netcheck on router a (STUN against the lab's coturn at 203.0.113.3/.4)");
  await ctl(lab, "a", "netcheck");

  step("Pairing with an invite: router a makes a token, router b joins with it");
  const tPair = performance.now();
  const inv = JSON.parse(await quiet(lab, "a", "invite", "--expires", "1h", "--json"));
  console.log(`    token (${inv.token.length} characters): ${inv.token}`);
  const join = JSON.parse(await quiet(lab, "b", "join", inv.token, "--json"));
  if (join.reply) {
    console.log(
      "    router a sits behind a NAT that filters unsolicited traffic: carrying the reply back",
    );
    await ctl(lab, "a", "accept", join.reply);
  }

  step("Waiting for the WireGuard handshake through both NATs");
  const up = await waitFor(
    async () => (await st("a")).peers[0]?.state === "connected",
    30_000,
    100,
  );
  if (!up) throw new Error("No handshake within 30 s: see the punchd logs in " + lab.dir + "/logs");
  console.log(
    `    handshake ${((performance.now() - tPair) / 1000).toFixed(2)} s after "punchctl invite"`,
  );

  step("Ping from router a to router b through the tunnel");
  const ping = await lab.exec("a", [
    "ping",
    "-c",
    "3",
    "-i",
    "0.2",
    "-W",
    "2",
    b.addresses[0].split("/")[0],
  ]);
  console.log(ping.stdout.trimEnd().replace(/^/gm, "    "));
  if (ping.code !== 0) throw new Error("Ping through the tunnel failed");

  step("Site to site: LAN host a1 (192.168.1.10) pings LAN host b1 (192.168.2.10)");
  const ping2 = await lab.exec("a1", [
    "ping",
    "-c",
    "3",
    "-i",
    "0.2",
    "-W",
    "2",
    lab.hostAddress("b1"),
  ]);
  console.log(ping2.stdout.trimEnd().replace(/^/gm, "    "));
  if (ping2.code !== 0) throw new Error("Site-to-site ping failed");

  step("Status on both routers");
  await ctl(lab, "a", "status");
  await ctl(lab, "b", "status");
  ok = true;
  console.log(
    `\nDemo passed in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s: two routers connected through two NATs.`,
  );
} catch (e) {
  console.error(`\nDemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  if (lab && !keep) await lab.down();
  else if (lab) {
    console.log(
      `Lab "${name}" left running: scripts/lab status --name ${name}; scripts/lab down --name ${name}`,
    );
  }
}
Deno.exit(ok ? 0 : 1);
