import { exec, execOk } from "../exec_deno.ts";
import type { FirewallBackend, TunnelPolicy } from "../types.ts";

/** fw4's table; the chains Punch adds to are fw4's own (see openwrt.md §6). */
const FW4_TABLE = ["inet", "fw4"] as const;
/** Without fw4: a table of Punch's own with base chains (a plain Linux host, docs/config.md). */
export const OWN_FW_TABLE = ["inet", "punch_fw"] as const;
/** fw4's chain for each of Punch's purposes, and the base chain standing in for it without fw4. */
const OWN_CHAINS: Record<string, string> = {
  input_wan: "input",
  input: "input",
  forward: "forward",
  forward_wan: "forward",
};
const TAG = "punch:";
/** How often rules already in place are looked at again. */
const RECHECK_MS = 60_000;

/**
 * Punch's rules in a fw4-shaped nftables ruleset on plain Linux: each rule carries a comment
 * `punch:<name>` so it can be found, replaced and removed exactly. Re-applied on every reconcile
 * pass, so a firewall reload that drops them is healed.
 */
export class LinuxFirewall implements FirewallBackend {
  private warned = new Set<string>();
  #flavour: Promise<"fw4" | "own"> | undefined;

  /**
   * "fw4" when fw4's table is there (checked once), else "own": Punch's rules then live in a table
   * of its own whose base chains accept what Punch needs (nothing else on the host is changed).
   */
  flavour(): Promise<"fw4" | "own"> {
    this.#flavour ??= exec(["nft", "list", "table", ...FW4_TABLE]).then(
      (r) => (r.code === 0 ? "fw4" : "own") as "fw4" | "own",
      () => "own" as const,
    );
    return this.#flavour;
  }

  private async ownTable(): Promise<void> {
    const [fam, name] = OWN_FW_TABLE;
    const chain = (c: string, hook: string) =>
      `add chain ${fam} ${name} ${c} { type filter hook ${hook} priority filter - 5; policy accept; }`;
    await execOk(["nft", "-f", "-"], {
      stdin: [`add table ${fam} ${name}`, chain("input", "input"), chain("forward", "forward")]
        .join("\n") + "\n",
    });
  }

  /** Make the rules tagged `name` in `chain` exactly `rules` (at the top of the chain). */
  private checked = new Map<string, { rules: string; at: number }>();

  private async ensure(chain: string, name: string, rules: string[]): Promise<void> {
    // Re-reading the ruleset every pass costs a process each; a minute is soon enough to heal.
    const key = `${chain}|${name}`, text = rules.join("\n");
    const last = this.checked.get(key);
    if (last && last.rules === text && Date.now() - last.at < RECHECK_MS) return;
    await this.ensureNow(chain, name, rules);
    this.checked.set(key, { rules: text, at: Date.now() });
  }

  private async ensureNow(fw4Chain: string, name: string, rules: string[]): Promise<void> {
    const own = (await this.flavour()) === "own";
    const table = own ? OWN_FW_TABLE : FW4_TABLE;
    const chain = own ? OWN_CHAINS[fw4Chain] ?? fw4Chain : fw4Chain;
    if (own) await this.ownTable();
    const listing = await exec(["nft", "-a", "list", "chain", ...table, chain]);
    if (listing.code !== 0) {
      if (!this.warned.has(chain)) {
        console.error(`punchd: no fw4 chain "${chain}"; not adding rules for "${name}"`);
      }
      this.warned.add(chain);
      return;
    }
    const tag = `${TAG}${name}`;
    const mine = findTagged(listing.stdout, tag);
    const same = mine.length === rules.length && rules.every((r, i) => sameRule(mine[i]!.text, r));
    if (same) return;
    for (const r of mine) {
      await execOk(["nft", "delete", "rule", ...table, chain, "handle", String(r.handle)]);
    }
    for (const r of [...rules].reverse()) {
      await execOk([
        "nft",
        "insert",
        "rule",
        ...table,
        chain,
        ...r.split(" "),
        "comment",
        `"${tag}"`,
      ]);
    }
  }

  allowWanUdp(name: string, port: number | null): Promise<void> {
    return this.ensure(
      "input_wan",
      name,
      port === null ? [] : [`udp dport ${port} counter accept`],
    );
  }

  async allowTunnel(
    ifname: string | null,
    lanDevice: string | null,
    policy: TunnelPolicy = { input: "accept", controlPort: 0 },
  ): Promise<void> {
    const q = (s: string) => `"${s}"`;
    await this.ensure("input", "zone", ifname ? tunnelInputRules(q(ifname), policy) : []);
    await this.ensure(
      "forward",
      "zone",
      ifname && lanDevice
        ? [
          `iifname ${q(ifname)} oifname ${q(lanDevice)} counter accept`,
          `iifname ${q(lanDevice)} oifname ${q(ifname)} counter accept`,
        ]
        : [],
    );
  }

  async allowRelay(input: readonly string[], forward: readonly string[]): Promise<void> {
    await this.ensure("input_wan", "relay", [...input]);
    await this.ensure("forward_wan", "relay", [...forward]);
  }

  async setRules(name: string, nft: string | null): Promise<void> {
    // A named nft script owns its own table; deleting the table removes it whole.
    const table = `punch_${name.replace(/[^a-z0-9_]/gi, "_")}`;
    await exec(["nft", "delete", "table", "inet", table]);
    if (nft !== null) {
      await execOk(["nft", "-f", "-"], { stdin: `table inet ${table} {\n${nft}\n}\n` });
    }
  }
}

/** Input rules for the tunnel device `dev` (quoted): all, or ping and the control port only. */
export function tunnelInputRules(dev: string, policy: TunnelPolicy): string[] {
  if (policy.input === "accept") return [`iifname ${dev} counter accept`];
  return [
    `iifname ${dev} ct state established,related counter accept`,
    `iifname ${dev} meta l4proto { icmp, ipv6-icmp } counter accept`,
    `iifname ${dev} udp dport ${policy.controlPort} counter accept`,
    `iifname ${dev} meta l4proto tcp counter reject with tcp reset`,
    `iifname ${dev} counter reject`,
  ];
}

/** nft prints counters and normalises quoting; compare rules on what they match and do. */
function sameRule(listed: string, wanted: string): boolean {
  const norm = (s: string) =>
    s.replace(/counter packets \d+ bytes \d+/, "counter").replace(/\s+/g, " ").trim();
  return norm(listed) === norm(wanted);
}

/** Rules in an `nft -a list` output whose comment is exactly `tag`, in chain order. */
export function findTagged(listing: string, tag: string): { text: string; handle: number }[] {
  const out: { text: string; handle: number }[] = [];
  for (const line of listing.split("\n")) {
    const m = /^\s*(.*) comment "([^"]*)" # handle (\d+)\s*$/.exec(line);
    if (m && m[2] === tag) out.push({ text: m[1]!, handle: Number(m[3]) });
  }
  return out;
}
