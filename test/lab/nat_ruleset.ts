/**
 * nftables ruleset for an upstream NAT layer (an ISP box or carrier-grade NAT in front of a
 * router): masquerade out, only established/related back in. Sans-I/O.
 */

export interface UpstreamNatOptions {
  kind: "cone" | "symmetric";
  insideDev: string;
  outsideDev: string;
  /**
   * Route IPv6 through unfiltered, without NAT66, like an ISP router delegating a prefix: the
   * router behind it filters with its own fw4.
   */
  routeV6?: boolean;
}

/**
 * "cone" is plain Linux masquerade, which keeps the source port when it can (endpoint-independent
 * mapping); "symmetric" picks a random port per flow (`random,fully-random`), so the mapping
 * depends on the destination. Both filter like a home router.
 * @example
 * upstreamNatRuleset({ kind: "symmetric", insideDev: "in0", outsideDev: "out0" });
 */
export function upstreamNatRuleset(o: UpstreamNatOptions): string {
  const masq = o.kind === "symmetric" ? "masquerade random,fully-random" : "masquerade";
  return [
    "table inet lab_nat",
    "flush table inet lab_nat",
    "",
    "table inet lab_nat {",
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop",
    '\t\tiif "lo" accept',
    "\t\tct state invalid drop",
    "\t\tct state established,related accept",
    `\t\tiifname "${o.insideDev}" accept`,
    "\t\ticmp type echo-request accept",
    ...(o.routeV6
      ? ["\t\ticmpv6 type { echo-request, nd-neighbor-solicit, nd-neighbor-advert } accept"]
      : []),
    "\t}",
    "",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy drop",
    "\t\tct state invalid drop",
    "\t\tct state established,related accept",
    `\t\tiifname "${o.insideDev}" oifname "${o.outsideDev}" accept`,
    ...(o.routeV6
      ? ['\t\tmeta nfproto ipv6 accept comment "IPv6 is routed, not filtered here"']
      : []),
    "\t\tcounter",
    "\t}",
    "",
    "\tchain srcnat {",
    "\t\ttype nat hook postrouting priority srcnat; policy accept",
    `\t\toifname "${o.outsideDev}" meta nfproto ipv4 ${masq}`,
    "\t}",
    "}",
    "",
  ].join("\n");
}
