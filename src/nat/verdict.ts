/** The router's situation (public, NAT, double NAT, CGNAT, hard NAT) and plain advice, sans-I/O. */

import { type Endpoint, isCgnatV4, isIPv4, isPrivateV4 } from "../lib/net.ts";
import type { FilteringBehavior, MappingBehavior, Verdict } from "./netcheck_report.ts";
import type { CgnatHop } from "./path_hops.ts";

/** What the verdict is decided from. */
export interface VerdictInput {
  /** The router's own IPv4 WAN address (netifd / UCI), when known. */
  wanAddress?: string;
  /** The public IPv4 endpoint STUN servers saw. */
  mapped?: Endpoint;
  mapping: MappingBehavior;
  filtering: FilteringBehavior;
  /** The router has a global IPv6 address on WAN. */
  hasGlobalV6?: boolean;
  /** A hop in 100.64.0.0/10 on the way to the STUN server (traceroute), before any public hop. */
  cgnatHop?: CgnatHop;
}

/** Plain advice per verdict; exported so the UI can show the same words. */
export const ADVICE = {
  public:
    "Direct tunnels will work: this router has a public IPv4 address (open the WireGuard port in its firewall)",
  nat:
    "Direct tunnels will work: the NAT keeps one public port per local port, so hole punching succeeds",
  "double-nat":
    "Direct tunnels will likely work through hole punching; for reliability put the modem in front into bridge mode or forward the WireGuard port on it",
  cgnat:
    "Ask your ISP for a public IPv4 or use IPv6; tunnels to peers with a public address or an easy NAT can still punch through, otherwise a relay will be needed",
  "hard-nat":
    "A relay will be needed unless the other side has a public address or a forwarded port; ask your ISP for a public IPv4 or use IPv6",
  unknown:
    "Could not reach any STUN server: check the server list and that outbound UDP is allowed, then run netcheck again",
} as const satisfies Record<Verdict, string>;

const V6_HINT =
  "This router has global IPv6: peers that also have IPv6 can connect over it without NAT";

const dependent = (m: MappingBehavior) =>
  m === "address-dependent" || m === "address-and-port-dependent";

/**
 * Decide the verdict: WAN equal to mapped → public; WAN in 100.64.0.0/10 → CGNAT; private WAN → double
 * NAT (hard NAT when the mapping depends on the destination); no WAN known → NAT or hard NAT.
 * @example decideVerdict({ wanAddress: "100.64.0.2", mapped, mapping: "endpoint-independent", filtering: "unknown" }).verdict // "cgnat"
 */
export function decideVerdict(
  i: VerdictInput,
): { verdict: Verdict; advice: string; notes: string[] } {
  const notes: string[] = [];
  const out = (verdict: Verdict) => {
    const v6 = i.hasGlobalV6 &&
      (verdict === "cgnat" || verdict === "hard-nat" || verdict === "double-nat");
    return { verdict, advice: v6 ? `${ADVICE[verdict]}. ${V6_HINT}` : ADVICE[verdict], notes };
  };
  if (!i.mapped) return out("unknown");
  if (isIPv4(i.mapped.host) && isCgnatV4(i.mapped.host)) {
    notes.push(
      `STUN sees "${i.mapped.host}", a shared (CGNAT) address: the STUN server is inside the carrier's network`,
    );
  }
  const wan = i.wanAddress;
  const hop = i.cgnatHop;
  const hopNote = hop &&
    `Hop ${hop.ttl} towards the STUN server ("${hop.address}") is in the carrier's shared address space (100.64.0.0/10)`;
  if (hop && wan !== i.mapped.host && !(wan !== undefined && isIPv4(wan) && isCgnatV4(wan))) {
    notes.push(`${hopNote}: the NAT in front of this router is itself behind carrier-grade NAT`);
    return out("cgnat");
  }
  if (wan === undefined || !isIPv4(wan)) {
    if (wan !== undefined) {
      notes.push(`WAN address "${wan}" is not an IPv4 address; judged from STUN alone`);
    } else {notes.push(
        "WAN address not given; double NAT and CGNAT cannot be told apart from a single NAT",
      );}
    return out(dependent(i.mapping) ? "hard-nat" : "nat");
  }
  if (wan === i.mapped.host) {
    if (dependent(i.mapping)) {
      notes.push("The mapping changed with the destination although the WAN address is public");
    }
    return out("public");
  }
  if (isCgnatV4(wan)) {
    if (dependent(i.mapping)) {
      notes.push("The carrier's NAT also gives a new port per destination (symmetric)");
    }
    return out("cgnat");
  }
  if (isPrivateV4(wan)) {
    notes.push(`WAN address "${wan}" is private: another NAT sits in front of this router`);
    return out(dependent(i.mapping) ? "hard-nat" : "double-nat");
  }
  notes.push(
    `WAN address "${wan}" is public but STUN sees "${i.mapped.host}": a NAT or proxy sits upstream`,
  );
  return out(dependent(i.mapping) ? "hard-nat" : "nat");
}
