import { flagBool, flagString, parseArgs, type ParsedArgs } from "../lib/args.ts";
import { errorMessage, UsageError } from "../lib/errors.ts";
import { VERSION } from "../version.ts";
import { ControlClient } from "./control_client_deno.ts";
import { type Command, JSON_FLAG, need, onePositional, out } from "./command.ts";
import { formatPeers, formatStatus } from "./format.ts";
import { LAN_COMMANDS } from "./lan_commands.ts";
import { PEERING_COMMANDS } from "./peering_commands.ts";
import { formatNetcheck, type NetcheckReport } from "../nat/netcheck_report.ts";

/** The subcommand table; `punchctl --help` is generated from it. */
export const CORE_COMMANDS: readonly Command[] = [
  {
    words: ["status"],
    usage: "status [--json]",
    summary:
      "interface, public key, WAN, every peer with its state and path (same-lan, ipv6, direct, relayed, none: why, since when), the NAT verdict, LAN hosts and warnings",
    flags: JSON_FLAG,
    run: async (call, a) => {
      const s = await call("status");
      return out(a, s, () => formatStatus(s as Parameters<typeof formatStatus>[0]));
    },
  },
  {
    words: ["netcheck"],
    usage: "netcheck [--json] [--cached]",
    summary: "find the public endpoint and NAT behaviour; says whether direct tunnels will work",
    flags: { ...JSON_FLAG, cached: { type: "boolean" } },
    timeoutMs: 120_000,
    run: async (call, a) => {
      const r = await call("netcheck", { refresh: !flagBool(a, "cached") }) as NetcheckReport;
      return out(a, r, () => formatNetcheck(r));
    },
  },
  {
    words: ["peer", "list"],
    usage: "peer list [--json]",
    summary: "configured peers with state, path, endpoint, handshake age and rx/tx",
    flags: JSON_FLAG,
    run: async (call, a) => {
      const p = await call("peer.list");
      return out(a, p, () => formatPeers(p as Parameters<typeof formatPeers>[0]));
    },
  },
  {
    words: ["peer", "add"],
    usage:
      "peer add --public-key KEY [--endpoint HOST:PORT] --allowed-ips CIDR[,CIDR] [--name NAME]",
    summary:
      "add a peer (or update the peer with that key); keepalive 5 s; no full tunnel (0.0.0.0/0)",
    flags: {
      "public-key": { type: "string" },
      endpoint: { type: "string" },
      "allowed-ips": { type: "string" },
      name: { type: "string" },
    },
    run: async (call, a) => {
      const r = await call("peer.add", {
        publicKey: need(a, "public-key", "the other router's public key (punchctl status there)"),
        allowedIps: need(a, "allowed-ips", "the other router's tunnel address, e.g. 10.77.0.2/32"),
        ...(flagString(a, "endpoint") ? { endpoint: flagString(a, "endpoint") } : {}),
        ...(flagString(a, "name") ? { name: flagString(a, "name") } : {}),
      }) as { updated: boolean };
      return r.updated ? "peer updated" : "peer added";
    },
  },
  {
    words: ["peer", "remove"],
    usage: "peer remove NAME|KEY",
    summary: "remove a peer",
    flags: {},
    run: async (call, a) => {
      await call("peer.remove", { peer: onePositional(a, "peer name or public key") });
      return "peer removed";
    },
  },
  {
    words: ["web-link"],
    usage: "web-link",
    summary: "a link that opens the web UI signed in, once, within 30 s (no password asked)",
    flags: {},
    run: async (call) => {
      const r = await call("web.ticket") as { url: string; expiresIn: number };
      return `${r.url}\n(single use, valid ${r.expiresIn} s)`;
    },
  },
];

/** Every subcommand, in help order. */
export const COMMANDS: readonly Command[] = [
  ...CORE_COMMANDS,
  ...PEERING_COMMANDS,
  ...LAN_COMMANDS,
];

export const PUNCHCTL_HELP = `punchctl ${VERSION} — control Punch (direct WireGuard between homes)

Usage: punchctl [--socket PATH] COMMAND [OPTIONS]

Commands:
${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}

Options:
  --socket PATH  punchd's control socket (default /var/run/punch/punchd.sock)
  --help         show this text
  --version      print the version

Exit code 0 on success; otherwise 1 (failed) or 2 (bad usage) with a one-line reason on stderr.`;

function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  for (const cmd of [...COMMANDS].sort((x, y) => y.words.length - x.words.length)) {
    if (cmd.words.every((w, i) => argv[i] === w)) {
      return { cmd, rest: argv.slice(cmd.words.length) };
    }
  }
  return undefined;
}

/** punchctl entry point; returns the exit code. */
export async function punchctlMain(argv: string[]): Promise<number> {
  let socket = "/var/run/punch/punchd.sock";
  const rest = [...argv];
  while (rest[0]?.startsWith("--")) {
    const a = rest.shift()!;
    if (a === "--help") return (console.log(PUNCHCTL_HELP), 0);
    if (a === "--version") return (console.log(`punchctl ${VERSION}`), 0);
    if (a === "--socket" && rest[0] !== undefined) socket = rest.shift()!;
    else if (a.startsWith("--socket=")) socket = a.slice(9);
    else return (console.error(`punchctl: Unknown option "${a}": see punchctl --help`), 2);
  }
  if (rest.length === 0) {
    return (console.error("punchctl: Missing command: see punchctl --help"), 2);
  }
  const found = findCommand(rest);
  if (!found) {
    return (console.error(`punchctl: Unknown command "${rest.join(" ")}": see punchctl --help`), 2);
  }
  if (found.rest.includes("--help")) {
    return (console.log(`Usage: punchctl ${found.cmd.usage}\n${found.cmd.summary}`), 0);
  }
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(found.rest, found.cmd.flags);
  } catch (e) {
    console.error(`punchctl: ${errorMessage(e)}`);
    return 2;
  }
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.connect(socket);
    const c = client;
    console.log(await found.cmd.run((m, p) => c.call(m, p ?? {}, found.cmd.timeoutMs), parsed));
    return 0;
  } catch (e) {
    console.error(`punchctl: ${errorMessage(e)}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    client?.close();
  }
}

if (import.meta.main) Deno.exit(await punchctlMain(Deno.args));
