import { flagBool, flagString, type ParsedArgs } from "../lib/args.ts";
import { UsageError } from "../lib/errors.ts";
import { encodeQr, qrToText } from "../lib/qr.ts";
import { type Command, JSON_FLAG, onePositional, out } from "./command.ts";
import type { InviteView } from "../daemon/peering/invite_list.ts";
import { type Inbound, INBOUND_TEXT } from "../nat/inbound.ts";

interface PeerView {
  name: string;
  publicKey: string;
  endpoints: string[];
  tunnelAddresses: string[];
  lanSubnets: string[];
}

interface CardRow {
  name: string;
  self: boolean;
  paired: boolean;
  fingerprint: string;
  seq: number;
  endpoints: string[];
  tunnelAddresses: string[];
  lanSubnets: string[];
}

const OVERLAP_FLAG = { "allow-overlap": { type: "boolean" } } as const;

/** The token from the single positional argument (spaces from wrapped pastes are dropped). */
function token(a: ParsedArgs, what: string): string {
  if (a.positionals.length === 0) throw new UsageError(`Give the ${what}`);
  return a.positionals.join("");
}

function describePeer(p: PeerView): string {
  const lans = p.lanSubnets.length > 0 ? p.lanSubnets.join(", ") : "no LAN subnets";
  return `"${p.name}" (${p.tunnelAddresses.join(", ")}; ${lans}; endpoint ${
    p.endpoints[0] ?? "learned when it connects"
  })`;
}

/** Text table of `cards.list`. */
export function formatCards(rows: readonly CardRow[]): string {
  if (rows.length === 0) return "no cards yet";
  return rows.map((r) => {
    const tag = r.self ? " (this router)" : r.paired ? " (paired)" : " (introduced)";
    return [
      `${r.name || "(no name)"}${tag}  key ${r.fingerprint}  seq ${r.seq}`,
      `  endpoints: ${r.endpoints.join(", ") || "none (behind NAT; found by roaming)"}`,
      `  tunnel:    ${r.tunnelAddresses.join(", ")}`,
      `  subnets:   ${r.lanSubnets.join(", ") || "none"}`,
    ].join("\n");
  }).join("\n");
}

/** Invites as a table. */
export function formatInvites(list: readonly InviteView[]): string {
  if (list.length === 0) return "no invites (make one with: punchctl invite)";
  return list.map((i) =>
    `${i.id}  ${i.state.padEnd(11)}  ${i.name || "-"}  expires ${
      new Date(i.expiresAt).toISOString()
    }` +
    (i.usedBy ? `  used by ${i.usedBy.slice(0, 8)}…` : "")
  ).join("\n");
}

/** punchctl invite, join, accept and cards. */
export const PEERING_COMMANDS: readonly Command[] = [
  {
    words: ["invite"],
    usage: "invite [--name NAME] [--expires 24h] [--qr] [--json]",
    summary:
      "make a single-use invite token for another router (punchctl join TOKEN there); --name: this router's name in it",
    flags: {
      ...JSON_FLAG,
      name: { type: "string" },
      expires: { type: "string" },
      qr: { type: "boolean" },
    },
    run: async (call, a) => {
      const r = await call("invite.create", {
        ...(flagString(a, "name") ? { name: flagString(a, "name") } : {}),
        ...(flagString(a, "expires") ? { expires: flagString(a, "expires") } : {}),
      }) as { token: string; expiresAt: number; reachable: boolean; inbound?: Inbound };
      return out(a, r, () => {
        const lines = [r.token];
        if (flagBool(a, "qr")) lines.push("", qrToText(encodeQr(r.token, { ecc: "L" })));
        lines.push(
          "",
          `Run on the other router: punchctl join ${r.token}`,
          `Valid once, until ${new Date(r.expiresAt).toISOString()}.`,
        );
        if (r.inbound !== undefined && r.inbound !== "reachable") {
          lines.push(INBOUND_TEXT[r.inbound]);
        } else if (!r.reachable) {
          lines.push(
            "This router has no public endpoint, so the other router will print a reply token for punchctl accept here.",
          );
        }
        return lines.join("\n");
      });
    },
  },
  {
    words: ["join"],
    usage: "join TOKEN [--name NAME] [--allow-overlap] [--json]",
    summary:
      "pair with the router that made the invite (prints a reply token if it cannot be reached)",
    flags: { ...JSON_FLAG, ...OVERLAP_FLAG, name: { type: "string" } },
    timeoutMs: 60_000,
    run: async (call, a) => {
      const r = await call("invite.join", {
        token: token(a, "invite token (punch1-…)"),
        ...(flagString(a, "name") ? { name: flagString(a, "name") } : {}),
        allowOverlap: flagBool(a, "allow-overlap"),
      }) as { peer: PeerView; reply?: string };
      return out(a, r, () =>
        r.reply === undefined ? `paired with ${describePeer(r.peer)}` : [
          `The inviter did not answer, so finish the pairing by hand. Run this on ${
            r.peer.name || "the inviter"
          }:`,
          "",
          `punchctl accept ${r.reply}`,
          "",
          `This router is already set up for ${describePeer(r.peer)}.`,
        ].join("\n"));
    },
  },
  {
    words: ["accept"],
    usage: "accept REPLY [--name NAME] [--allow-overlap] [--json]",
    summary: "finish a pairing with the reply token that punchctl join printed on the other router",
    flags: { ...JSON_FLAG, ...OVERLAP_FLAG, name: { type: "string" } },
    run: async (call, a) => {
      const r = await call("invite.accept", {
        reply: token(a, "reply token (punch1r-…)"),
        ...(flagString(a, "name") ? { name: flagString(a, "name") } : {}),
        allowOverlap: flagBool(a, "allow-overlap"),
      }) as { peer: PeerView };
      return out(a, r, () => `paired with ${describePeer(r.peer)}`);
    },
  },
  {
    words: ["invites"],
    usage: "invites [--json]",
    summary:
      "invites this router handed out and whether each is outstanding, used, expired or revoked",
    flags: JSON_FLAG,
    run: async (call, a) => {
      const list = await call("invite.list") as InviteView[];
      return out(a, list, () => formatInvites(list));
    },
  },
  {
    words: ["invite", "revoke"],
    usage: "invite revoke ID",
    summary: "withdraw an outstanding invite (its token stops working)",
    flags: {},
    run: async (call, a) => {
      const id = onePositional(a, "invite id (see punchctl invites)");
      await call("invite.revoke", { id });
      return `invite ${id} revoked`;
    },
  },
  {
    words: ["cards"],
    usage: "cards [--json]",
    summary: "signed peer cards this router knows: name, key fingerprint, seq, endpoints, subnets",
    flags: JSON_FLAG,
    run: async (call, a) => {
      const rows = await call("cards.list") as CardRow[];
      return out(a, rows, () => formatCards(rows));
    },
  },
];
