/**
 * Whether a stranger's first packet can reach this router from the internet (sans-I/O): the
 * question an invite answers for its joiner. Punch opens the router's own firewall, but not a NAT
 * in front of it that filters unsolicited packets.
 */
import { isCgnatV4, isIPv4, isPrivateV4 } from "../lib/net.ts";
import type { NetcheckReport } from "./netcheck_report.ts";

/** Yes, no, or unknown (no netcheck yet): with unknown the joiner tries and then falls back. */
export type Inbound = "reachable" | "filtered" | "unknown";

/**
 * Reachable when the WAN address is public (nothing in front), or when netcheck found a NAT
 * that lets anyone through to a mapped port (endpoint-independent filtering), or open IPv6.
 * @example inboundFrom("203.0.113.10", undefined) // "reachable"
 */
export function inboundFrom(
  wanAddress: string | undefined,
  report: NetcheckReport | undefined,
): Inbound {
  if (
    wanAddress !== undefined && isIPv4(wanAddress) && !isPrivateV4(wanAddress) &&
    !isCgnatV4(wanAddress)
  ) {
    return "reachable";
  }
  if (report?.ipv6?.inbound === "open") return "reachable";
  if (!report || report.verdict === "unknown") return "unknown";
  if (report.verdict === "public") return "reachable";
  return report.filtering === "endpoint-independent" ? "reachable" : "filtered";
}

/** Plain words for an invite's joiner path, per answer. */
export const INBOUND_TEXT: Record<Exclude<Inbound, "reachable">, string> = {
  filtered:
    "The NAT in front of this router filters unsolicited packets (netcheck), so the other router will print a reply token for punchctl accept here",
  unknown:
    "This router has no public address and no netcheck result yet; if the other router cannot reach it, it prints a reply token for punchctl accept here",
};
