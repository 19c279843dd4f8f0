import { findSection, type UciChange, type UciSection, type UciValue } from "../../uci/mod.ts";
import { execOk } from "../exec_deno.ts";
import { writeFileAtomic } from "../atomic_file_deno.ts";
import type { ConfigBackend, FirewallBackend, TunnelPolicy } from "../types.ts";

/** Changes that make named section `name` of `type` hold exactly `values` (null deletes it). */
export function ensureSection(
  list: readonly UciSection[],
  type: string,
  name: string,
  values: Record<string, UciValue> | null,
): UciChange[] {
  const have = findSection(list, name);
  if (values === null) return have ? [{ op: "delete", section: name }] : [];
  if (!have || have.type !== type) {
    return [...(have ? [{ op: "delete", section: name } as UciChange] : []), {
      op: "add",
      type,
      name,
      values,
    }];
  }
  const changes: UciChange[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (JSON.stringify(have.options[k]) !== JSON.stringify(v)) {
      changes.push({ op: "set", section: name, option: k, value: v });
    }
  }
  for (const k of Object.keys(have.options)) {
    if (!(k in values)) changes.push({ op: "delete", section: name, option: k });
  }
  return changes;
}

/**
 * Firewall on OpenWrt through UCI `firewall` (fw4 reloads on commit through procd's trigger):
 * a rule per admitted WAN port, a `punch` zone for the WireGuard interface with forwarding to and
 * from `lan`; nftables text for LAN assist under fw4's include directory.
 */
export class UciFirewall implements FirewallBackend {
  constructor(private readonly config: ConfigBackend, private readonly root: string) {}

  private async ensure(changesOf: (list: UciSection[]) => UciChange[]): Promise<void> {
    const changes = changesOf(await this.config.load("firewall"));
    if (changes.length > 0) await this.config.commit("firewall", changes);
  }

  allowWanUdp(name: string, port: number | null): Promise<void> {
    return this.ensure((l) =>
      ensureSection(
        l,
        "rule",
        `punch_${name}`,
        port === null ? null : {
          name: `Punch-${name}`,
          src: "wan",
          proto: "udp",
          dest_port: String(port),
          target: "ACCEPT",
        },
      )
    );
  }

  allowTunnel(
    ifname: string | null,
    _lanDevice: string | null,
    policy: TunnelPolicy = { input: "accept", controlPort: 0 },
  ): Promise<void> {
    const restricted = ifname !== null && policy.input === "restricted";
    return this.ensure((l) => [
      ...ensureSection(
        l,
        "zone",
        "punch",
        ifname === null ? null : {
          name: "punch",
          network: [ifname],
          input: restricted ? "REJECT" : "ACCEPT",
          output: "ACCEPT",
          forward: "REJECT",
        },
      ),
      // fw4 emits "icmp" without a family as both ICMP and ICMPv6.
      ...ensureSection(
        l,
        "rule",
        "punch_tunnel_ping",
        restricted
          ? { name: "Punch-tunnel-ping", src: "punch", proto: "icmp", target: "ACCEPT" }
          : null,
      ),
      ...ensureSection(
        l,
        "rule",
        "punch_tunnel_control",
        restricted
          ? {
            name: "Punch-tunnel-control",
            src: "punch",
            proto: "udp",
            dest_port: String(policy.controlPort),
            target: "ACCEPT",
          }
          : null,
      ),
      ...ensureSection(
        l,
        "forwarding",
        "punch_from_lan",
        ifname === null ? null : { src: "lan", dest: "punch" },
      ),
      ...ensureSection(
        l,
        "forwarding",
        "punch_to_lan",
        ifname === null ? null : { src: "punch", dest: "lan" },
      ),
    ]);
  }

  /** fw4 includes `chain-pre/<chain>/*.nft` at the top of that chain on every reload. */
  async allowRelay(input: readonly string[], forward: readonly string[]): Promise<void> {
    let changed = false;
    for (const [chain, rules] of [["input_wan", input], ["forward_wan", forward]] as const) {
      const path = `${this.root}/usr/share/nftables.d/chain-pre/${chain}/punch-relay.nft`;
      const text = rules.length ? rules.map((r) => `${r} comment "punch:relay"\n`).join("") : null;
      const old = await Deno.readTextFile(path).catch(() => null);
      if (old === text) continue;
      changed = true;
      if (text === null) await Deno.remove(path).catch(() => {});
      else {
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        await writeFileAtomic(path, text);
      }
    }
    if (changed && this.root === "") await execOk(["fw4", "reload"]);
  }

  async setRules(name: string, nft: string | null): Promise<void> {
    const path = `${this.root}/usr/share/nftables.d/ruleset-post/punch-${
      name.replace(/[^a-z0-9_-]/gi, "_")
    }.nft`;
    if (nft === null) await Deno.remove(path).catch(() => {});
    else {await writeFileAtomic(
        path,
        `table inet punch_${name.replace(/[^a-z0-9_]/gi, "_")} {\n${nft}\n}\n`,
      );}
    if (this.root === "") await execOk(["fw4", "reload"]);
  }
}
