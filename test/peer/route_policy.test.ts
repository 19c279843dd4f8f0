import { describe, expect, test } from "vitest";
import {
  checkPeerRoutes,
  manualRouteProblem,
  type ReachedPrefix,
  reachedWith,
} from "../../src/peer/route_policy.ts";

const ROUTER: ReachedPrefix[] = [
  { prefix: "203.0.113.0/24", what: "the WAN subnet on wan0" },
  { prefix: "192.168.1.0/24", what: "the LAN subnet on lan0" },
  { prefix: "10.0.4.0/24", what: "the route on eth2" },
  { prefix: "0.0.0.0/0", what: "the route via 203.0.113.1 on wan0" },
];

describe("checkPeerRoutes (routes a card asks for)", () => {
  test("private LANs, CGNAT overlay, ULA and tunnel host routes are accepted", () => {
    const r = checkPeerRoutes(
      ["10.77.0.2/32", "192.168.2.0/24", "100.100.0.0/16", "fd12:3456::/48", "172.20.0.0/16"],
      reachedWith(ROUTER, "198.51.100.20"),
      "b",
    );
    expect(r.refused).toEqual([]);
    expect(r.accepted).toEqual([
      "10.77.0.2/32",
      "192.168.2.0/24",
      "100.100.0.0/16",
      "fd12:3456::/48",
      "172.20.0.0/16",
    ]);
  });

  test("our own WAN subnet, a public prefix and default routes are refused, each explained", () => {
    const r = checkPeerRoutes(
      ["203.0.113.0/24", "198.51.100.0/24", "0.0.0.0/0", "::/0", "2001:db8::/32", "192.168.2.0/24"],
      reachedWith(ROUTER, undefined),
      "b",
    );
    expect(r.accepted).toEqual(["192.168.2.0/24"]);
    expect(r.refused.map((x) => x.subnet)).toEqual([
      "203.0.113.0/24",
      "198.51.100.0/24",
      "0.0.0.0/0",
      "::/0",
      "2001:db8::/32",
    ]);
    expect(r.refused[0]!.reason).toMatch(
      /^"b" asked to route 203\.0\.113\.0\/24, which is not a private range/,
    );
    expect(r.refused[2]!.reason).toMatch(/a default route/);
  });

  test("a private prefix overlapping a connected route, our LAN or the peer's endpoint is refused", () => {
    const r = checkPeerRoutes(
      ["10.0.0.0/8", "192.168.1.128/25", "10.9.9.9/32", "10.77.0.2/32"],
      reachedWith(ROUTER, "10.9.9.9"),
      "b",
    );
    expect(r.accepted).toEqual(["10.77.0.2/32"]);
    expect(r.refused.map((x) => x.reason)).toEqual([
      expect.stringMatching(/10\.0\.0\.0\/8, which overlaps the route on eth2 \(10\.0\.4\.0\/24\)/),
      expect.stringMatching(/overlaps the LAN subnet on lan0 \(192\.168\.1\.0\/24\)/),
      expect.stringMatching(/overlaps the route to the peer's own endpoint \(10\.9\.9\.9\/32\)/),
    ]);
  });

  test("a prefix wider than a private range and junk are refused; host bits are normalised", () => {
    const r = checkPeerRoutes(["10.0.0.0/7", "junk", "192.168.2.7/24"], [], "");
    expect(r.accepted).toEqual(["192.168.2.0/24"]);
    expect(r.refused.map((x) => x.subnet)).toEqual(["10.0.0.0/7", "junk"]);
    expect(r.refused[1]!.reason).toMatch(/^the peer asked to route "junk", which is not a prefix/);
  });

  test("reachedWith drops default routes and adds the endpoint's host route", () => {
    expect(reachedWith(ROUTER, "2001:db8::5").map((r) => r.prefix)).toEqual([
      "203.0.113.0/24",
      "192.168.1.0/24",
      "10.0.4.0/24",
      "2001:db8::5/128",
    ]);
    expect(reachedWith(ROUTER, "peer.example").length).toBe(3);
  });
});

describe("manualRouteProblem (peer add --allowed-ips)", () => {
  const reached = reachedWith(ROUTER, "198.51.100.20");

  test("a full tunnel is refused with what to do instead", () => {
    expect(manualRouteProblem(["0.0.0.0/0"], reached)).toMatch(
      /^0\.0\.0\.0\/0 would replace this router's default route .*Punch does not set up a full tunnel/,
    );
    expect(manualRouteProblem(["10.77.0.2/32", "::/0"], reached)).toMatch(/^::\/0 would replace/);
  });

  test("halves of the internet, the WAN subnet and the endpoint are refused", () => {
    expect(manualRouteProblem(["128.0.0.0/1"], reached)).toMatch(
      /overlaps the WAN subnet on wan0 \(203\.0\.113\.0\/24\)/,
    );
    expect(manualRouteProblem(["198.51.100.0/24"], reached)).toMatch(
      /holds the peer's own endpoint 198\.51\.100\.20/,
    );
  });

  test("the owner may route private and public subnets that do not clash", () => {
    expect(manualRouteProblem(["10.77.0.2/32", "192.168.2.0/24", "192.0.2.0/24"], reached))
      .toBeNull();
    expect(manualRouteProblem(["nope"], reached)).toMatch(/not a prefix/);
  });
});
