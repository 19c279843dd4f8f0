import { expect, test } from "vitest";
import { reachedFromDump } from "../../src/platform/openwrt/netifd_system.ts";

test("network.interface dump: subnets and routes of every up interface but the tunnel", () => {
  const r = reachedFromDump([
    {
      interface: "wan",
      up: true,
      l3_device: "eth1",
      "ipv4-address": [{ address: "198.51.100.7", mask: 24 }],
      route: [{ target: "0.0.0.0", mask: 0, nexthop: "198.51.100.1" }],
    },
    {
      interface: "lan",
      up: true,
      "ipv4-address": [{ address: "192.168.1.1", mask: 24 }],
      "ipv6-prefix-assignment": [{ address: "2001:db8:1::", mask: 64 }],
    },
    { interface: "wg0", up: true, "ipv4-address": [{ address: "10.77.0.1", mask: 16 }] },
    { interface: "guest", up: false, "ipv4-address": [{ address: "192.168.3.1", mask: 24 }] },
  ], "wg0");
  expect(r).toEqual([
    { prefix: "198.51.100.7/24", what: "the wan subnet" },
    { prefix: "0.0.0.0/0", what: "the route to 0.0.0.0 on wan" },
    { prefix: "192.168.1.1/24", what: "the lan subnet" },
    { prefix: "2001:db8:1::/64", what: "the lan subnet" },
  ]);
});
