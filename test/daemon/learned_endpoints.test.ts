import { expect, test } from "vitest";
import { LearnedEndpoints } from "../../src/daemon/learned_endpoints.ts";

test("learned endpoints replace configured ones in RAM; a relay's override is stronger", () => {
  const l = new LearnedEndpoints();
  const want = {
    ifname: "wg0",
    privateKey: "x",
    addresses: [],
    peers: [
      { publicKey: "a", allowedIps: [], endpoint: "203.0.113.20:51820", routeAllowedIps: true },
      { publicKey: "b", allowedIps: [], routeAllowedIps: true },
      { publicKey: "c", allowedIps: [], endpoint: "203.0.113.30:51840", routeAllowedIps: true },
    ],
  };
  expect(l.applyTo(want)).toBe(want);
  expect(l.set("a", "203.0.113.21:51820")).toBe(true);
  expect(l.set("a", "203.0.113.21:51820")).toBe(false);
  expect(l.set("b", "b.example:51820")).toBe(true);
  expect(l.set("c", "203.0.113.31:51820")).toBe(true);
  const relayed = new Map([["c", {}]]);
  expect(l.applyTo(want, relayed).peers.map((p) => p.endpoint)).toEqual([
    "203.0.113.21:51820",
    "b.example:51820",
    "203.0.113.30:51840",
  ]);
  expect(want.peers[0]!.endpoint).toBe("203.0.113.20:51820");
  expect(l.get("a")).toEqual({ endpoint: "203.0.113.21:51820", source: "card" });
  l.keepOnly(new Set(["a"]));
  expect(l.get("b")).toBeUndefined();
  expect(l.clear("a")).toBe(true);
  expect(l.clear("a")).toBe(false);
});
