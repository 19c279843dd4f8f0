import { expect, test } from "vitest";
import { EndpointOverrides } from "../../src/daemon/endpoint_overrides.ts";

test("overrides replace configured endpoints in RAM, per peer and source", () => {
  const o = new EndpointOverrides();
  const want = {
    ifname: "wg0",
    privateKey: "x",
    addresses: [],
    peers: [
      { publicKey: "a", allowedIps: [], endpoint: "203.0.113.20:51820", routeAllowedIps: true },
      { publicKey: "b", allowedIps: [], routeAllowedIps: true },
    ],
  };
  expect(o.applyTo(want)).toBe(want);
  expect(o.set("a", "[2001:db8::20]:51820", "path")).toBe(true);
  expect(o.set("a", "[2001:db8::20]:51820", "path")).toBe(false);
  expect(o.set("c", "198.51.100.1:1", "relay")).toBe(true);
  const got = o.applyTo(want);
  expect(got.peers.map((p) => p.endpoint)).toEqual(["[2001:db8::20]:51820", undefined]);
  expect(want.peers[0]!.endpoint).toBe("203.0.113.20:51820");
  expect(o.clear("a", "relay")).toBe(false);
  expect(o.clear("a", "path")).toBe(true);
  expect(o.get("a")).toBeUndefined();
  expect(o.clear("c")).toBe(true);
});
