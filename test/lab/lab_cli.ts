/**
 * `scripts/lab`: bring the Punch lab up or down, show it, run a command on one of its nodes.
 * Needs root (network namespaces). See `--help`.
 */
import { labAttach, labUp } from "./lab.ts";
import { labDirFor, labDown, labNamespaces, readState } from "./lab_state_deno.ts";
import { nsPids } from "./netns_deno.ts";
import { type PresetName, PRESETS, presetSpec } from "./presets.ts";

const HELP = `Usage: scripts/lab <command> [options]

Build the Punch lab: home routers with an OpenWrt-style fw4 firewall, LAN hosts, optional
upstream NATs and an "internet" (203.0.113.0/24), all in network namespaces on this machine.

Commands:
  up       Build the lab (tears down an existing lab of the same name first)
  status   Show namespaces, addresses and processes of a running lab
  down     Kill the lab's processes, delete its namespaces and its directory
  exec     Run a command on a node: scripts/lab exec a1 -- ping -c1 203.0.113.1
  help     Show this text

Options:
  --name N        Lab name, prefix of every namespace (default "punch")
  --dir D         Lab directory (default $PUNCH_LAB_DIR/<name> or /tmp/punch-lab/<name>)
  --preset P      Layout for "up": ${PRESETS.join(", ")} (default "demo")
  --punchd        After "up", start bin/punchd on every router
  --no-stun       Do not start the STUN server (coturn) on the "stun" host
  --accept-udp P  Open UDP port P on every router's wan (fw4 rule src wan, target ACCEPT);
                  repeatable. By default no port is open, as on a stock OpenWrt
  -h, --help      Show this text

Node ids: "inet", routers "a", "b", LAN hosts "a1", "a2", upstream NATs "b-up0",
internet hosts "stun", "stranger". Namespaces are named <name>-inet, <name>-ra, <name>-ha1, ...
Each router's punchd root is <dir>/<router>/ (etc/config/network, etc/config/punch).`;

interface Args {
  cmd: string;
  name: string;
  dir: string | undefined;
  preset: PresetName;
  punchd: boolean;
  stun: boolean;
  acceptUdp: number[];
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    cmd: "",
    name: "punch",
    dir: undefined,
    preset: "demo",
    punchd: false,
    stun: true,
    acceptUdp: [],
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Option "${x}" needs a value: see scripts/lab --help`);
      return v;
    };
    if (x === "--") {
      a.rest.push(...argv.slice(i + 1));
      break;
    } else if (x === "-h" || x === "--help") a.cmd = "help";
    else if (x === "--name") a.name = value();
    else if (x === "--dir") a.dir = value();
    else if (x === "--preset") {
      const p = value();
      if (!(PRESETS as readonly string[]).includes(p)) {
        throw new Error(`Unknown preset "${p}": use one of ${PRESETS.join(", ")}`);
      }
      a.preset = p as PresetName;
    } else if (x === "--punchd") a.punchd = true;
    else if (x === "--no-stun") a.stun = false;
    else if (x === "--accept-udp") {
      const v = value();
      if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
        throw new Error(`Cannot accept UDP port "${v}": use a number from 1 to 65535`);
      }
      a.acceptUdp.push(Number(v));
    } else if (x.startsWith("-")) throw new Error(`Unknown option "${x}": see scripts/lab --help`);
    else if (a.cmd === "") a.cmd = x;
    else a.rest.push(x);
  }
  return a;
}

async function status(a: Args): Promise<number> {
  const dir = labDirFor(a.name, a.dir);
  const state = await readState(dir);
  const namespaces = await labNamespaces(a.name);
  if (state === null && namespaces.length === 0) {
    console.log(`Lab "${a.name}" is not up: start it with scripts/lab up --name ${a.name}`);
    return 1;
  }
  console.log(`Lab "${a.name}" in ${dir}`);
  for (const n of state?.plan.nodes ?? []) {
    const addrs = Object.entries(n.addrs).map(([dev, xs]) => `${dev} ${xs.join(" ")}`).join(", ");
    const up = namespaces.includes(n.ns) ? "" : " (namespace missing)";
    console.log(`  ${n.id.padEnd(9)} ${n.ns.padEnd(18)} ${n.kind.padEnd(13)} ${addrs}${up}`);
    for (const pid of await nsPids(n.ns)) {
      const cmd = (await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "")).split("\0")
        .join(" ").trim();
      console.log(`            pid ${pid}: ${cmd.slice(0, 100)}`);
    }
  }
  const known = new Set(state?.plan.nodes.map((n) => n.ns) ?? []);
  for (const ns of namespaces.filter((x) => !known.has(x))) {
    console.log(`  (stray namespace ${ns})`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  switch (a.cmd) {
    case "":
    case "help":
      console.log(HELP);
      return a.cmd === "" ? 2 : 0;
    case "up": {
      const lab = await labUp(presetSpec(a.preset, a.name, a.dir, a.acceptUdp));
      console.log(`Lab "${a.name}" is up in ${lab.dir} (preset ${a.preset})`);
      for (const n of lab.plan.nodes) {
        if (n.router !== undefined) {
          console.log(
            `  router ${n.id}: wan ${n.router.wan}, public ${n.router.publicAddress}, lan ${n.router.lan}, root ${
              lab.routerDir(n.id)
            }`,
          );
        }
      }
      if (a.stun && lab.plan.nodes.some((n) => n.id === "stun")) {
        await lab.startStun("stun");
        console.log(
          `  STUN server (coturn) on stun: ${lab.hostAddress("stun")}:3478, log ${
            lab.logPath("stun", "stun")
          }`,
        );
      }
      if (a.punchd) {
        for (const n of lab.plan.nodes) {
          if (n.router === undefined) continue;
          await lab.startPunchd(n.id);
          console.log(
            `  punchd on ${n.id}: socket ${lab.socketPath(n.id)}, log ${
              lab.logPath(n.id, "punchd")
            }`,
          );
        }
      }
      console.log(`Next: scripts/lab status --name ${a.name}; scripts/lab down --name ${a.name}`);
      return 0;
    }
    case "status":
      return await status(a);
    case "down":
      await labDown(a.name, a.dir);
      console.log(`Lab "${a.name}" is down`);
      return 0;
    case "exec": {
      const [node, ...cmd] = a.rest;
      if (node === undefined || cmd.length === 0) {
        throw new Error(`Usage: scripts/lab exec NODE -- COMMAND…`);
      }
      const lab = await labAttach(a.name, a.dir);
      const p = new Deno.Command("ip", {
        args: ["netns", "exec", lab.ns(node), ...cmd],
        stdin: "inherit",
      }).spawn();
      return (await p.status).code;
    }
    default:
      throw new Error(
        `Unknown command "${a.cmd}": use up, status, down or exec (see scripts/lab --help)`,
      );
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
