/**
 * The `lan` and `wan` interfaces of `/etc/config/network`, read only as far as Punch needs:
 * the LAN prefixes to route through tunnels and the WAN address when it is static.
 */

import { type Cidr, ipFamily, ipv4ToInt, networkOf, parseCidr } from "../lib/net.ts";
import type { UciSection } from "./uci_doc.ts";
import { OptionReader } from "./uci_values.ts";

/** What `readLanWan` finds; absent fields are unknown (e.g. a WAN on DHCP has no address here). */
export interface LanWan {
  /** Network prefixes of the LAN (`192.168.1.0/24`), from `ipaddr`/`netmask` and `ip6addr`. */
  lan: Cidr[];
  lanDevice?: string;
  /** The WAN's first IPv4 address, only when `proto static`. */
  wanAddress?: string;
  wanDevice?: string;
  wanProto?: string;
  wanGateway?: string;
}

/** Prefix length of a dotted netmask, or null if it is not contiguous. */
export function netmaskToPrefix(mask: string): number | null {
  if (ipFamily(mask) !== 4) return null;
  const host = ~ipv4ToInt(mask) >>> 0;
  // the host part must be 2^k - 1 (all ones at the bottom)
  if ((host & (host + 1)) !== 0) return null;
  return host === 0 ? 32 : Math.clz32(host);
}

function iface(sections: readonly UciSection[], name: string): UciSection | undefined {
  return sections.find((s) => s.type === "interface" && s.name === name);
}

/** `ipaddr` entries (single, list, with or without `/len`) with `netmask`, as prefixes. */
function addresses(r: OptionReader): Cidr[] {
  const mask = r.string("netmask");
  let maskLen: number | undefined;
  if (mask !== undefined) {
    maskLen = netmaskToPrefix(mask) ??
      r.fail("netmask", mask, "is not a netmask like 255.255.255.0");
  }
  const out: Cidr[] = [];
  for (const opt of ["ipaddr", "ip6addr"]) {
    for (const text of r.list(opt)) {
      const withLen = text.includes("/") || opt === "ip6addr" || maskLen === undefined
        ? text
        : `${text}/${maskLen}`;
      try {
        out.push(parseCidr(withLen));
      } catch {
        r.fail(opt, text, "is not an IP address like 192.168.1.1 or 192.168.1.1/24");
      }
    }
  }
  return out;
}

/** Read the `lan` and `wan` interfaces; throws `ParseError` naming the option when invalid. */
export function readLanWan(sections: readonly UciSection[]): LanWan {
  const out: LanWan = { lan: [] };
  const lan = iface(sections, "lan");
  if (lan) {
    const r = new OptionReader(lan, `interface "lan"`);
    const dev = r.string("device") ?? r.string("ifname");
    if (dev !== undefined) out.lanDevice = dev;
    if ((r.string("proto") ?? "none") === "static") out.lan = addresses(r).map(networkOf);
  }
  const wan = iface(sections, "wan");
  if (wan) {
    const r = new OptionReader(wan, `interface "wan"`);
    const proto = r.string("proto");
    if (proto !== undefined) out.wanProto = proto;
    const dev = r.string("device") ?? r.string("ifname");
    if (dev !== undefined) out.wanDevice = dev;
    if (proto === "static") {
      const v4 = addresses(r).find((c) => c.family === 4);
      if (v4) out.wanAddress = v4.address;
      const gw = r.string("gateway");
      if (gw !== undefined) {
        if (ipFamily(gw) === null) r.fail("gateway", gw, "is not an IP address");
        out.wanGateway = gw;
      }
    }
  }
  return out;
}
