import { describe, expect, test } from "vitest";
import { ParseError } from "../../src/lib/errors.ts";
import { netmaskToPrefix, parseUci, readLanWan, sections } from "../../src/uci/mod.ts";
import { fixture } from "./uci_helpers.ts";

const read = (text: string) => readLanWan(sections(parseUci(text)));

describe("readLanWan", () => {
  test("default network: LAN from ipaddr + netmask, WAN on DHCP", () => {
    expect(read(fixture("network_default"))).toEqual({
      lan: [{ address: "192.168.1.0", prefix: 24, family: 4 }],
      lanDevice: "br-lan",
      wanDevice: "wan",
      wanProto: "dhcp",
    });
  });

  test("LAN as a CIDR list, static WAN", () => {
    expect(read(fixture("network_wireguard"))).toEqual({
      lan: [{ address: "192.168.8.0", prefix: 24, family: 4 }],
      lanDevice: "br-lan",
      wanAddress: "203.0.113.7",
      wanDevice: "eth1",
      wanProto: "static",
      wanGateway: "203.0.113.1",
    });
  });

  test("several LAN addresses, mixed forms, IPv6 and the old ifname option", () => {
    const text = "config interface 'lan'\n\toption ifname 'eth0'\n\toption proto 'static'\n" +
      "\tlist ipaddr '10.1.2.3'\n\tlist ipaddr '172.16.5.1/20'\n\toption netmask '255.255.0.0'\n" +
      "\tlist ip6addr 'fd00:1:2::1/64'\n";
    expect(read(text)).toEqual({
      lan: [
        { address: "10.1.0.0", prefix: 16, family: 4 },
        { address: "172.16.0.0", prefix: 20, family: 4 },
        { address: "fd00:1:2::", prefix: 64, family: 6 },
      ],
      lanDevice: "eth0",
    });
  });

  test("no netmask means a host address; no lan or wan gives nothing", () => {
    expect(
      read("config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '10.0.0.1'\n").lan,
    )
      .toEqual([{ address: "10.0.0.1", prefix: 32, family: 4 }]);
    expect(read("")).toEqual({ lan: [] });
  });

  test("invalid addresses and netmasks name the option", () => {
    const bad = (text: string) => () => read(text);
    expect(bad("config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '10.0.0.300'\n"))
      .toThrow(/interface "lan": ipaddr "10.0.0.300" is not an IP address/);
    expect(
      bad(
        "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '10.0.0.1'\n\toption netmask '255.0.255.0'\n",
      ),
    )
      .toThrow(ParseError);
    expect(
      bad(
        "config interface 'wan'\n\toption proto 'static'\n\toption ipaddr '1.2.3.4'\n\toption gateway 'router'\n",
      ),
    )
      .toThrow(/gateway "router"/);
  });

  test("netmaskToPrefix", () => {
    expect(netmaskToPrefix("255.255.255.0")).toBe(24);
    expect(netmaskToPrefix("255.255.255.255")).toBe(32);
    expect(netmaskToPrefix("0.0.0.0")).toBe(0);
    expect(netmaskToPrefix("255.255.240.0")).toBe(20);
    expect(netmaskToPrefix("255.0.255.0")).toBeNull();
    expect(netmaskToPrefix("24")).toBeNull();
  });
});
