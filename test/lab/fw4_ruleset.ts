/**
 * A router's nftables ruleset shaped like OpenWrt's default firewall4 output (`fw4 print` with the
 * stock lan/wan zones): same table, chain names, order and comments. Sans-I/O: returns text for
 * `nft -f -`.
 */

/** Where fw4 would place an automatic include (`/usr/share/nftables.d/<position>/`). */
export type Fw4IncludePosition =
  | "ruleset-pre"
  | "ruleset-post"
  | "table-pre"
  | "table-post"
  | "chain-pre"
  | "chain-post";

/** Extra nft text placed exactly where fw4 would include it; `chain` is needed for chain-*. */
export interface Fw4Include {
  position: Fw4IncludePosition;
  chain?: string;
  text: string;
}

/** A UCI-style rule `src wan, proto udp, dest_port N, target ACCEPT`. */
export interface Fw4WanRule {
  name: string;
  proto: "udp" | "tcp";
  port: number;
}

export interface Fw4Options {
  wanDev: string;
  lanDev: string;
  lanSubnets?: string[];
  wanSubnets?: string[];
  /** Ports accepted on wan, like `config rule` with `src wan`, `target ACCEPT`. */
  acceptWanUdp?: number[];
  wanRules?: Fw4WanRule[];
  includes?: Fw4Include[];
  /** fw4 `defaults.drop_invalid` (default on here, as in the lab brief). */
  dropInvalid?: boolean;
}

/** Every chain fw4 emits for the default lan/wan zones, in output order. */
export const FW4_CHAINS = [
  "input",
  "forward",
  "output",
  "prerouting",
  "handle_reject",
  "syn_flood",
  "input_lan",
  "output_lan",
  "forward_lan",
  "helper_lan",
  "accept_from_lan",
  "accept_to_lan",
  "input_wan",
  "output_wan",
  "forward_wan",
  "accept_to_wan",
  "reject_from_wan",
  "reject_to_wan",
  "dstnat",
  "srcnat",
  "srcnat_wan",
  "raw_prerouting",
  "raw_output",
  "mangle_prerouting",
  "mangle_postrouting",
  "mangle_input",
  "mangle_output",
  "mangle_forward",
] as const;

interface Chain {
  name: string;
  hook?: string;
  rules: string[];
}

/**
 * Render the ruleset.
 * @example
 * fw4Ruleset({ wanDev: "wan0", lanDev: "lan0", acceptWanUdp: [51820] });
 */
export function fw4Ruleset(o: Fw4Options): string {
  for (const inc of o.includes ?? []) {
    const needsChain = inc.position === "chain-pre" || inc.position === "chain-post";
    if (needsChain && !(FW4_CHAINS as readonly string[]).includes(inc.chain ?? "")) {
      throw new RangeError(
        `Cannot place include at "${inc.position}/${inc.chain ?? ""}": name one of fw4's chains`,
      );
    }
  }
  const L = q(o.lanDev), W = q(o.wanDev);
  const flows = (what: string) =>
    `ct state vmap { established : accept, related : accept } comment "!fw4: Handle ${what} flows"`;
  const invalid = o.dropInvalid === false
    ? []
    : [`ct state invalid drop comment "!fw4: Drop flows with invalid conntrack state"`];
  const wanRules = [
    ...(o.acceptWanUdp ?? []).map((port) => ({ name: `Allow-UDP-${port}`, proto: "udp", port })),
    ...(o.wanRules ?? []),
  ].map((r) => `${r.proto} dport ${r.port} counter accept comment "!fw4: ${r.name}"`);
  const mss = "tcp flags syn / syn,fin,rst tcp option maxseg size set rt mtu";
  const chains: Chain[] = [
    {
      name: "input",
      hook: "filter hook input priority filter; policy drop",
      rules: [
        `iif "lo" accept comment "!fw4: Accept traffic from loopback"`,
        "",
        ...invalid,
        flows("inbound"),
        `tcp flags & (fin | syn | rst | ack) == syn jump syn_flood comment "!fw4: Rate limit TCP syn packets"`,
        `iifname ${L} jump input_lan comment "!fw4: Handle lan IPv4/IPv6 input traffic"`,
        `iifname ${W} jump input_wan comment "!fw4: Handle wan IPv4/IPv6 input traffic"`,
        "jump handle_reject",
      ],
    },
    {
      name: "forward",
      hook: "filter hook forward priority filter; policy drop",
      rules: [
        ...invalid,
        flows("forwarded"),
        `iifname ${L} jump forward_lan comment "!fw4: Handle lan IPv4/IPv6 forward traffic"`,
        `iifname ${W} jump forward_wan comment "!fw4: Handle wan IPv4/IPv6 forward traffic"`,
        "jump handle_reject",
      ],
    },
    {
      name: "output",
      hook: "filter hook output priority filter",
      rules: [
        `oif "lo" accept comment "!fw4: Accept traffic towards loopback"`,
        "",
        ...invalid,
        flows("outbound"),
        `oifname ${L} jump output_lan comment "!fw4: Handle lan IPv4/IPv6 output traffic"`,
        `oifname ${W} jump output_wan comment "!fw4: Handle wan IPv4/IPv6 output traffic"`,
      ],
    },
    {
      name: "prerouting",
      hook: "filter hook prerouting priority filter",
      rules: [
        `iifname ${L} jump helper_lan comment "!fw4: Handle lan IPv4/IPv6 helper assignment"`,
      ],
    },
    {
      name: "handle_reject",
      rules: [
        `meta l4proto tcp reject with tcp reset comment "!fw4: Reject TCP traffic"`,
        `reject with icmpx type port-unreachable comment "!fw4: Reject any other traffic"`,
      ],
    },
    {
      name: "syn_flood",
      rules: [
        `limit rate 25/second burst 50 packets return comment "!fw4: Accept SYN packets below rate-limit"`,
        `drop comment "!fw4: Drop excess packets"`,
      ],
    },
    { name: "input_lan", rules: ["jump accept_from_lan"] },
    { name: "output_lan", rules: ["jump accept_to_lan"] },
    {
      name: "forward_lan",
      rules: [
        `jump accept_to_wan comment "!fw4: Accept lan to wan forwarding"`,
        "jump accept_to_lan",
      ],
    },
    { name: "helper_lan", rules: [] },
    {
      name: "accept_from_lan",
      rules: [
        `iifname ${L} counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"`,
      ],
    },
    {
      name: "accept_to_lan",
      rules: [
        `oifname ${L} counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"`,
      ],
    },
    {
      name: "input_wan",
      rules: [
        `meta nfproto ipv4 udp dport 68 counter accept comment "!fw4: Allow-DHCP-Renew"`,
        `meta nfproto ipv4 icmp type 8 counter accept comment "!fw4: Allow-Ping"`,
        `meta nfproto ipv4 meta l4proto igmp counter accept comment "!fw4: Allow-IGMP"`,
        `ip6 saddr fc00::/6 ip6 daddr fc00::/6 udp dport 546 counter accept comment "!fw4: Allow-DHCPv6"`,
        `ip6 saddr fe80::/10 icmpv6 type . icmpv6 code { 130 . 0, 131 . 0, 132 . 0, 143 . 0 } counter accept comment "!fw4: Allow-MLD"`,
        `meta nfproto ipv6 icmpv6 type { 128, 129, 1, 3, 133, 134 } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Input"`,
        `meta nfproto ipv6 icmpv6 type . icmpv6 code { 2 . 0, 4 . 0, 4 . 1, 135 . 0, 136 . 0 } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Input"`,
        ...wanRules,
        "jump reject_from_wan",
      ],
    },
    { name: "output_wan", rules: ["jump accept_to_wan"] },
    {
      name: "forward_wan",
      rules: [
        `meta nfproto ipv6 icmpv6 type { 128, 129, 1, 3 } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Forward"`,
        `meta nfproto ipv6 icmpv6 type . icmpv6 code { 2 . 0, 4 . 0, 4 . 1 } limit rate 1000/second counter accept comment "!fw4: Allow-ICMPv6-Forward"`,
        `meta l4proto esp counter jump accept_to_lan comment "!fw4: Allow-IPSec-ESP"`,
        `udp dport 500 counter jump accept_to_lan comment "!fw4: Allow-ISAKMP"`,
        "jump reject_to_wan",
      ],
    },
    {
      name: "accept_to_wan",
      rules: [
        `meta nfproto ipv4 oifname ${W} ct state invalid counter drop comment "!fw4: Prevent NAT leakage"`,
        `oifname ${W} counter accept comment "!fw4: accept wan IPv4/IPv6 traffic"`,
      ],
    },
    {
      name: "reject_from_wan",
      rules: [
        `iifname ${W} counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"`,
      ],
    },
    {
      name: "reject_to_wan",
      rules: [
        `oifname ${W} counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"`,
      ],
    },
    { name: "dstnat", hook: "nat hook prerouting priority dstnat", rules: [] },
    {
      name: "srcnat",
      hook: "nat hook postrouting priority srcnat",
      rules: [
        `oifname ${W} jump srcnat_wan comment "!fw4: Handle wan IPv4/IPv6 srcnat traffic"`,
      ],
    },
    {
      name: "srcnat_wan",
      rules: [
        `meta nfproto ipv4 masquerade comment "!fw4: Masquerade IPv4 wan traffic"`,
      ],
    },
    { name: "raw_prerouting", hook: "filter hook prerouting priority raw", rules: [] },
    { name: "raw_output", hook: "filter hook output priority raw", rules: [] },
    { name: "mangle_prerouting", hook: "filter hook prerouting priority mangle", rules: [] },
    {
      name: "mangle_postrouting",
      hook: "filter hook postrouting priority mangle",
      rules: [
        `oifname ${W} ${mss} comment "!fw4: Zone wan IPv4/IPv6 egress MTU fixing"`,
      ],
    },
    { name: "mangle_input", hook: "filter hook input priority mangle", rules: [] },
    { name: "mangle_output", hook: "route hook output priority mangle", rules: [] },
    {
      name: "mangle_forward",
      hook: "filter hook forward priority mangle",
      rules: [
        `iifname ${W} ${mss} comment "!fw4: Zone wan IPv4/IPv6 ingress MTU fixing"`,
      ],
    },
  ];
  return render(o, chains);
}

function render(o: Fw4Options, chains: Chain[]): string {
  const inc = (position: Fw4IncludePosition, chain?: string): string[] =>
    (o.includes ?? [])
      .filter((i) => i.position === position && (chain === undefined || i.chain === chain))
      .flatMap((i) => i.text.replace(/\n+$/, "").split("\n"));
  const indent = (lines: string[], tabs: string) => lines.map((l) => (l === "" ? "" : tabs + l));
  const set = (xs: string[] | undefined, quote: boolean) =>
    (xs ?? []).map((x) => (quote ? q(x) : x)).join(", ");
  const out: string[] = [
    ...inc("ruleset-pre"),
    "table inet fw4",
    "flush table inet fw4",
    "",
    "table inet fw4 {",
    ...indent(inc("table-pre"), "\t"),
    "\t#",
    "\t# Defines",
    "\t#",
    "",
    `\tdefine lan_devices = { ${q(o.lanDev)} }`,
    `\tdefine lan_subnets = { ${set(o.lanSubnets, false)} }`,
    "",
    `\tdefine wan_devices = { ${q(o.wanDev)} }`,
    `\tdefine wan_subnets = { ${set(o.wanSubnets, false)} }`,
    "",
    "",
    "\t#",
    "\t# User includes",
    "\t#",
    "",
    "\t# The lab inlines includes at their fw4 positions instead of reading /etc/nftables.d",
    "",
  ];
  const sections: Record<string, string> = {
    input: "Filter rules",
    dstnat: "NAT rules",
    raw_prerouting: "Raw rules (notrack)",
    mangle_prerouting: "Mangle rules",
  };
  for (const c of chains) {
    const title = sections[c.name];
    if (title !== undefined) out.push("", "\t#", `\t# ${title}`, "\t#", "");
    out.push(`\tchain ${c.name} {`);
    if (c.hook !== undefined) out.push(`\t\ttype ${c.hook}`);
    out.push(
      ...indent([...inc("chain-pre", c.name), ...c.rules, ...inc("chain-post", c.name)], "\t\t"),
    );
    out.push("\t}", "");
  }
  out.push(...indent(inc("table-post"), "\t"), "}", ...inc("ruleset-post"), "");
  return out.join("\n");
}

function q(s: string): string {
  if (!/^[A-Za-z0-9_.:@+-]+$/.test(s)) throw new RangeError(`Cannot quote device name "${s}"`);
  return `"${s}"`;
}
