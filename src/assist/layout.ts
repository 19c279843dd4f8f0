/** Where Punch's rules live in the ruleset, and the nft text that creates, fills and persists it. */

import type { ListedRule } from "./nft_listing.ts";
import type { InstalledRule, Operation } from "./plan.ts";
import { ASSIST_CHAINS, type AssistChain, TAG_PREFIX } from "./rules.ts";

/** Table and chain names; `hooks` are fw4 chains that jump to Punch's, or null for own base chains. */
export interface AssistLayout {
  /** Family and name, e.g. `inet fw4`. */
  readonly table: string;
  readonly chains: Readonly<Record<AssistChain, string>>;
  readonly hooks: Readonly<Record<AssistChain, string>> | null;
}

const CHAINS = {
  dstnat: "punch_dstnat",
  forward: "punch_forward",
  srcnat: "punch_srcnat",
} as const;

/**
 * Punch's regular chains inside fw4's table, entered by a jump at the start of fw4's `dstnat`,
 * `forward_wan` and `srcnat`. The forward accept must be inside fw4's own chains: an accept in
 * another table does not override fw4's drop.
 */
export const FW4_LAYOUT: AssistLayout = {
  table: "inet fw4",
  chains: CHAINS,
  hooks: { dstnat: "dstnat", forward: "forward_wan", srcnat: "srcnat" },
};

/**
 * A separate `table inet punch` with its own base chains, just before fw4's priorities, for a
 * plain Linux host whose forward policy is accept (no fw4 that would drop the forwarded flow).
 */
export const OWN_TABLE_LAYOUT: AssistLayout = { table: "inet punch", chains: CHAINS, hooks: null };

/** Comment on the jump rules in fw4's chains. */
export const JUMP_TAG = `${TAG_PREFIX} jump`;

const BASE_CHAIN: Record<AssistChain, string> = {
  dstnat: "type nat hook prerouting priority dstnat - 5; policy accept;",
  forward: "type filter hook forward priority filter - 5; policy accept;",
  srcnat: "type nat hook postrouting priority srcnat - 5; policy accept;",
};

/**
 * Commands that create Punch's chains (idempotent: `add chain` keeps an existing one) and, for
 * fw4, the jump into each that `hookRules` (the listing of the hook chains) does not show yet.
 */
export function setupScript(layout: AssistLayout, hookRules: readonly ListedRule[]): string[] {
  const cmds: string[] = [];
  if (!layout.hooks) cmds.push(`add table ${layout.table}`);
  for (const c of ASSIST_CHAINS) {
    const name = layout.chains[c];
    cmds.push(
      layout.hooks
        ? `add chain ${layout.table} ${name}`
        : `add chain ${layout.table} ${name} { ${BASE_CHAIN[c]} }`,
    );
  }
  if (layout.hooks) {
    for (const c of ASSIST_CHAINS) {
      const hook = layout.hooks[c];
      const present = hookRules.some((r) => r.chain === hook && r.comment === JUMP_TAG);
      if (!present) cmds.push(`insert rule ${layout.table} ${hook} ${jumpRule(layout, c)}`);
    }
  }
  return cmds;
}

/** Why a hook chain can be missing, and what makes fw4 create it. */
const HOOK_FIX: Record<string, string> = {
  forward_wan:
    'fw4 makes "forward_wan" for a firewall zone named "wan": give the WAN zone that name in /etc/config/firewall, then run "fw4 reload"',
};
const DEFAULT_HOOK_FIX =
  'fw4 makes "dstnat" and "srcnat" in every ruleset: run "fw4 reload" (or "/etc/init.d/firewall restart") and look at "fw4 check" for errors';

/**
 * What stops LAN assist from hooking into the ruleset, as a sentence with the fix, or null when
 * nothing does. `tables` is what `nft list tables` printed (`table inet fw4` lines); `missing`
 * the hook chains that `nft list chain` did not find.
 * @example hookProblem(FW4_LAYOUT, "table inet fw4\n", ["forward"]) // 'the firewall table "inet fw4" has no chain "forward_wan" …'
 */
export function hookProblem(
  layout: AssistLayout,
  tables: string,
  missing: readonly AssistChain[],
): string | null {
  if (!layout.hooks || missing.length === 0) return null;
  const hooks = layout.hooks;
  const hasTable = tables.split("\n").some((l) => l.trim() === `table ${layout.table}`);
  if (!hasTable) {
    return `the firewall table "${layout.table}" does not exist, so fw4 has not loaded its ruleset; run "fw4 reload" (or "/etc/init.d/firewall restart") and look at "fw4 check" for errors`;
  }
  const names = missing.map((c) => hooks[c]);
  const fixes = [...new Set(names.map((n) => HOOK_FIX[n] ?? DEFAULT_HOOK_FIX))];
  const quoted = names.map((n) => `"${n}"`);
  const chains = quoted.length === 1
    ? `chain ${quoted[0]}`
    : `chains ${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
  return `the firewall table "${layout.table}" has no ${chains}, which LAN assist hooks into; ${
    fixes.join("; ")
  }`;
}

function jumpRule(layout: AssistLayout, c: AssistChain): string {
  return `jump ${layout.chains[c]} comment "${JUMP_TAG}"`;
}

/** The nft commands for the rule operations (conntrack flushes are not nft's business). */
export function operationScript(layout: AssistLayout, ops: readonly Operation[]): string[] {
  const cmds: string[] = [];
  for (const op of ops) {
    if (op.kind === "delete-rule") {
      cmds.push(`delete rule ${layout.table} ${layout.chains[op.chain]} handle ${op.handle}`);
    } else if (op.kind === "add-rule") {
      cmds.push(`add rule ${layout.table} ${layout.chains[op.chain]} ${op.text}`);
    }
  }
  return cmds;
}

/** Commands that take everything out again: the jumps (by handle) and Punch's chains or table. */
export function teardownScript(layout: AssistLayout, hookRules: readonly ListedRule[]): string[] {
  if (!layout.hooks) return [`delete table ${layout.table}`];
  const cmds: string[] = [];
  for (const r of hookRules) {
    if (r.comment === JUMP_TAG) {
      cmds.push(`delete rule ${layout.table} ${r.chain} handle ${r.handle}`);
    }
  }
  for (const c of ASSIST_CHAINS) {
    cmds.push(
      `flush chain ${layout.table} ${layout.chains[c]}`,
      `delete chain ${layout.table} ${layout.chains[c]}`,
    );
  }
  return cmds;
}

/** Punch's rules in a listing of its chains, with the chain translated back to its role. */
export function installedFrom(
  layout: AssistLayout,
  listed: readonly ListedRule[],
): InstalledRule[] {
  const role = new Map(ASSIST_CHAINS.map((c) => [layout.chains[c], c]));
  return listed.flatMap((r) => {
    const chain = role.get(r.chain);
    return chain && r.comment.startsWith(`${TAG_PREFIX} `)
      ? [{ chain, handle: r.handle, tag: r.comment }]
      : [];
  });
}

/** Default directory of fw4's automatic includes on OpenWrt. */
export const FW4_INCLUDE_DIR = "/usr/share/nftables.d";

/**
 * The fw4 include files that rebuild the live state on every `fw4 reload` (fw4 re-reads
 * `table-pre/` and `chain-pre/<chain>/`): Punch's chains with their current rules, and one jump
 * per hook chain. `rules` is the rule text per Punch chain, as listed live.
 */
export function includeFiles(
  layout: AssistLayout,
  rules: readonly { chain: AssistChain; text: string }[],
  dir = FW4_INCLUDE_DIR,
): { path: string; text: string }[] {
  if (!layout.hooks) return [];
  const head = "# Written by punchd (LAN hole-punch assist); edits are overwritten.\n";
  const chains = ASSIST_CHAINS.map((c) => {
    const body = rules.filter((r) => r.chain === c).map((r) => `\t${r.text}\n`).join("");
    return `chain ${layout.chains[c]} {\n${body}}\n`;
  }).join("");
  const files = [{ path: `${dir}/table-pre/punch.nft`, text: head + chains }];
  for (const c of ASSIST_CHAINS) {
    files.push({
      path: `${dir}/chain-pre/${layout.hooks[c]}/punch.nft`,
      text: head + jumpRule(layout, c) + "\n",
    });
  }
  return files;
}
