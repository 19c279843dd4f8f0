import { flagString, type ParsedArgs } from "../lib/args.ts";
import { UsageError } from "../lib/errors.ts";
import { encodeQr, qrToText } from "../lib/qr.ts";
import { type Command, JSON_FLAG, need, onePositional, out } from "./command.ts";

interface LanHost {
  name: string;
  host: string;
  port: number;
  publicPort?: number;
  publicEndpoint?: string;
  remotes: string[];
  /** What gets through and the next step (older daemons: absent). */
  hint?: string;
}

function remotes(a: ParsedArgs): string[] {
  const v = a.flags.remote;
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** `lan list` as text: one line per host, then its pinholes and what to do next. */
export function formatHosts(hosts: LanHost[]): string {
  if (hosts.length === 0) {
    return "no LAN hosts (add one with: punchctl lan add HOST[:PORT] --name NAME)";
  }
  return hosts.map((h) =>
    `${h.name}  ${h.host}:${h.port}  public ${
      h.publicEndpoint ?? (h.publicPort ? `port ${h.publicPort}` : "pending")
    }` +
    (h.remotes.length ? `\n    pinholes for: ${h.remotes.join(", ")}` : "\n    no pinholes yet") +
    (h.hint ? `\n    ${h.hint}` : "")
  ).join("\n");
}

/** `lan add` as text: where the host is reachable, what gets through, the next step. */
export function formatAdded(r: LanHost): string {
  return `LAN host "${r.name}" (${r.host}:${r.port}) is reachable at ${
    r.publicEndpoint ?? `public port ${r.publicPort}`
  }` + (r.hint ? `\n${r.hint}` : "") +
    `\nA host without WireGuard yet: punchctl lan config ${r.name} prints a config for it`;
}

/** `punchctl lan …`: LAN hosts whose hole punching the router takes part in. */
export const LAN_COMMANDS: readonly Command[] = [
  {
    words: ["lan", "add"],
    usage: "lan add HOST[:PORT] --name NAME [--remote IP:PORT]...",
    summary:
      "register a LAN host running WireGuard (default port 51820); it gets a unique public port and pinholes for the LAN hosts of paired Punch routers (from their cards); --remote adds a remote that does not run Punch",
    flags: { name: { type: "string" }, remote: { type: "string", multiple: true } },
    run: async (call, a) => {
      const r = await call("lan.add", {
        host: onePositional(a, "LAN host address (HOST or HOST:PORT)"),
        name: need(a, "name", "a short name for the host, e.g. --name nas"),
        remote: remotes(a),
      }) as LanHost;
      return formatAdded(r);
    },
  },
  {
    words: ["lan", "remove"],
    usage: "lan remove NAME",
    summary: "remove a LAN host, its pinholes and its conntrack entries",
    flags: {},
    run: async (call, a) => {
      await call("lan.remove", { name: onePositional(a, "LAN host name") });
      return "LAN host removed";
    },
  },
  {
    words: ["lan", "list"],
    usage: "lan list [--json]",
    summary: "LAN hosts with their public endpoints and pinholes",
    flags: JSON_FLAG,
    run: async (call, a) => {
      const r = await call("lan.list") as LanHost[];
      return out(a, r, () => formatHosts(r));
    },
  },
  {
    words: ["lan", "config"],
    usage: "lan config NAME [--peer-key KEY] [--qr]",
    summary:
      "a WireGuard config (new key, right port and endpoint) for a LAN host that has none yet",
    flags: { "peer-key": { type: "string" }, qr: { type: "boolean" } },
    run: async (call, a) => {
      const name = onePositional(a, "LAN host name");
      const pk = flagString(a, "peer-key");
      const r = await call("lan.config", { name, ...(pk ? { peerKey: pk } : {}) }) as {
        text: string;
        publicKey: string;
      };
      if (a.flags.qr === true) {
        try {
          return qrToText(encodeQr(r.text)) + `\npublic key: ${r.publicKey}`;
        } catch {
          throw new UsageError("The config is too long for a QR code; copy the text instead");
        }
      }
      return `${r.text.trimEnd()}\n# public key of this host: ${r.publicKey}`;
    },
  },
];
