/** nftables rule text for one LAN host ↔ one remote endpoint: scoped DNAT pinhole, forward accept, SNAT. */

import { isIPv4 } from "../lib/net.ts";

/** Which of Punch's three chains a rule lives in. */
export type AssistChain = "dstnat" | "forward" | "srcnat";

/** The chains in the order they are listed and applied. */
export const ASSIST_CHAINS: readonly AssistChain[] = ["dstnat", "forward", "srcnat"];

/** Every comment Punch puts on a rule starts with this, so its rules can be listed exactly. */
export const TAG_PREFIX = "punch";

/** One LAN host talking to one remote endpoint through one public port of the router. */
export interface Mapping {
  /** The LAN host's name, for messages only (not part of the rule identity). */
  readonly name: string;
  readonly lanAddress: string;
  readonly lanPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly wanAddress: string;
  readonly publicPort: number;
}

/** A rule Punch wants in one of its chains; `tag` (the rule's comment) is its identity. */
export interface DesiredRule {
  readonly chain: AssistChain;
  readonly tag: string;
  /** Rule text as `nft add rule <table> <chain> …` takes it, comment included. */
  readonly text: string;
}

/**
 * The comment that names a rule: kind, LAN endpoint, remote endpoint, public endpoint. Every
 * parameter of the rule is in it, so a changed mapping gets a new tag and replaces the old rule.
 */
export function ruleTag(chain: AssistChain, m: Mapping): string {
  return `${TAG_PREFIX} ${chain} ${m.lanAddress}:${m.lanPort} ${m.remoteAddress}:${m.remotePort} ` +
    `${m.wanAddress}:${m.publicPort}`;
}

/**
 * The three rules for a mapping:
 * - dstnat: only `REMOTE:RPORT → WAN:PUBLICPORT` is rewritten to `LANHOST:LANPORT`;
 * - forward: only that rewritten flow is accepted (nothing else fw4 rejects gets through);
 * - srcnat: `LANHOST:LANPORT → REMOTE:RPORT` leaves as `WAN:PUBLICPORT`, so the mapping the
 *   remote side was told about is the one it sees.
 * @example renderRules(m).map((r) => r.text)
 */
export function renderRules(m: Mapping): DesiredRule[] {
  checkMapping(m);
  const r = m.remoteAddress, rp = m.remotePort;
  return [
    {
      chain: "dstnat",
      tag: ruleTag("dstnat", m),
      text: `ip saddr ${r} ip daddr ${m.wanAddress} udp sport ${rp} udp dport ${m.publicPort} ` +
        `dnat ip to ${m.lanAddress}:${m.lanPort} comment "${ruleTag("dstnat", m)}"`,
    },
    {
      chain: "forward",
      tag: ruleTag("forward", m),
      text: `ip saddr ${r} ip daddr ${m.lanAddress} udp sport ${rp} udp dport ${m.lanPort} ` +
        `ct status dnat accept comment "${ruleTag("forward", m)}"`,
    },
    {
      chain: "srcnat",
      tag: ruleTag("srcnat", m),
      text: `ip saddr ${m.lanAddress} ip daddr ${r} udp sport ${m.lanPort} udp dport ${rp} ` +
        `snat ip to ${m.wanAddress}:${m.publicPort} comment "${ruleTag("srcnat", m)}"`,
    },
  ];
}

function checkMapping(m: Mapping): void {
  for (
    const [what, ip] of [["LAN", m.lanAddress], ["remote", m.remoteAddress], ["WAN", m.wanAddress]]
  ) {
    // Only IPv4 needs NAT; the strict check also keeps anything odd out of the rule text.
    if (!isIPv4(ip!)) {
      throw new RangeError(
        `Cannot make rules for "${m.name}": ${what} address "${ip}" is not IPv4`,
      );
    }
  }
  for (
    const [what, p] of [["LAN", m.lanPort], ["remote", m.remotePort], ["public", m.publicPort]]
  ) {
    if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535) {
      throw new RangeError(
        `Cannot make rules for "${m.name}": ${what} port "${p}" is not 1 to 65535`,
      );
    }
  }
}
