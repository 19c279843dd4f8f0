import { exec, execOk } from "../exec_deno.ts";
import type { FirewallBackend } from "../types.ts";

/** fw4's table and the chain where rules for traffic from the wan zone to the router go. */
const FW4_TABLE = ["inet", "fw4"] as const;
const INPUT_WAN = "input_wan";
const TAG = "punch:";

/**
 * Punch's rules in a fw4-shaped nftables ruleset on plain Linux: each rule carries a comment
 * `punch:<name>` so it can be found, replaced and removed exactly. Re-applied on every reconcile
 * pass, so a firewall reload that drops them is healed.
 */
export class LinuxFirewall implements FirewallBackend {
  private warned = false;

  async allowWanUdp(name: string, port: number | null): Promise<void> {
    const listing = await exec(["nft", "-a", "list", "chain", ...FW4_TABLE, INPUT_WAN]);
    if (listing.code !== 0) {
      if (!this.warned) console.error(`punchd: no fw4 chain "${INPUT_WAN}"; not adding a WAN rule for "${name}"`);
      this.warned = true;
      return;
    }
    const tag = `${TAG}${name}`;
    const rule = port === null ? null : `udp dport ${port} counter accept comment "${tag}"`;
    const mine = findTagged(listing.stdout, tag);
    if (rule !== null && mine.length === 1 && mine[0]!.text.startsWith(`udp dport ${port} `)) return;
    for (const r of mine) await execOk(["nft", "delete", "rule", ...FW4_TABLE, INPUT_WAN, "handle", String(r.handle)]);
    if (rule !== null) await execOk(["nft", "insert", "rule", ...FW4_TABLE, INPUT_WAN, ...rule.split(" ")]);
  }

  async setRules(name: string, nft: string | null): Promise<void> {
    // A named nft script owns its own objects; deleting the table it declares removes it whole.
    const table = `punch_${name.replace(/[^a-z0-9_]/gi, "_")}`;
    await exec(["nft", "delete", "table", "inet", table]);
    if (nft !== null) await execOk(["nft", "-f", "-"], { stdin: `table inet ${table} {\n${nft}\n}\n` });
  }
}

/** Rules in an `nft -a list` output whose comment is exactly `tag`. */
export function findTagged(listing: string, tag: string): { text: string; handle: number }[] {
  const out: { text: string; handle: number }[] = [];
  for (const line of listing.split("\n")) {
    const m = /^\s*(.*) comment "([^"]*)" # handle (\d+)\s*$/.exec(line);
    if (m && m[2] === tag) out.push({ text: m[1]!, handle: Number(m[3]) });
  }
  return out;
}
