/** IPv6 on WAN: global addresses, NAT66 detection and inbound UDP filtering, sans-I/O. */

import { contains, type Endpoint, parseCidr } from "../lib/net.ts";
import type { ProbeOutcome } from "./nat_classify.ts";
import type { InboundV6 } from "./netcheck_report.ts";

const GLOBAL_UNICAST = parseCidr("2000::/3"); // RFC 4291 §2.4

/**
 * Global unicast IPv6 addresses among `addrs` ("addr" or "addr/len"), normalised, prefix dropped.
 * @example globalV6(["fe80::1/64", "2001:db8::5/64"]) // ["2001:db8::5"]
 */
export function globalV6(addrs: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of addrs) {
    try {
      const c = parseCidr(a);
      if (c.family === 6 && contains(GLOBAL_UNICAST, c.address) && !out.includes(c.address)) {
        out.push(c.address);
      }
    } catch { /* not an address: skip */ }
  }
  return out;
}

/** What the IPv6 probes saw. */
export interface V6Observations {
  wanV6: readonly string[];
  /** The public endpoint an IPv6 STUN server saw. */
  mapped?: Endpoint;
  /** CHANGE-REQUEST (other IP and port) sent from a fresh socket: did the reply get in? */
  changeBoth?: ProbeOutcome;
  /** The socket listened on this port, which the router's own firewall admits from WAN. */
  inboundPort?: number;
}

/**
 * Judge IPv6: global addresses, whether STUN saw one of them, whether inbound UDP is filtered.
 * @example assessV6({ wanV6: ["2001:db8::5/64"], mapped, changeBoth: { kind: "silent" } }).inbound // "filtered"
 */
export function assessV6(
  o: V6Observations,
): { global: string[]; inbound: InboundV6; notes: string[] } {
  const global = globalV6(o.wanV6);
  const notes: string[] = [];
  if (o.mapped && global.length > 0 && !global.includes(o.mapped.host)) {
    notes.push(
      `IPv6 STUN sees "${o.mapped.host}", not a WAN address: NAT66/NPTv6 or another route is in the way`,
    );
  }
  if (!o.mapped && global.length > 0) {
    notes.push("No IPv6 STUN server answered, so IPv6 reachability was not checked");
  }
  let inbound: InboundV6 = "unknown";
  if (o.changeBoth?.kind === "answered") inbound = "open";
  else if (o.changeBoth?.kind === "silent") inbound = "filtered";
  if (inbound === "filtered" && o.inboundPort !== undefined) {
    notes.push(
      `Unsolicited inbound IPv6 UDP to port ${o.inboundPort}, which this router's firewall admits, is dropped before it arrives (a firewall in the modem or at the ISP); allow UDP to this router's IPv6 address there, or rely on punching`,
    );
  } else if (inbound === "filtered") {
    notes.push(
      "Unsolicited inbound IPv6 UDP is dropped (a stateful firewall); open the WireGuard port or rely on punching",
    );
  }
  if (inbound === "open" && o.inboundPort !== undefined) {
    notes.push(
      `Unsolicited inbound IPv6 UDP reaches port ${o.inboundPort}, which this router's firewall admits like the WireGuard port: peers with IPv6 can connect directly`,
    );
  }
  if (o.mapped && inbound === "unknown") {
    notes.push("IPv6 inbound filtering needs an IPv6 STUN server with two addresses (RFC 5780)");
  }
  return { global, inbound, notes };
}
