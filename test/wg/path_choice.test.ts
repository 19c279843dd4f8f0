import { describe, expect, test } from "vitest";
import {
  DEAD_AFTER_MS,
  PathChooser,
  rankCandidates,
  SWITCH_AFTER_MS,
} from "../../src/wg/path_choice.ts";

const V4 = "203.0.113.20:51820", V6 = "[2001:db8:2:1::2]:51820";

describe("rankCandidates", () => {
  test("same LAN first, then IPv6 when we have it, then IPv4; names and junk left out", () => {
    const eps = [V4, "peer.example:51820", V6, "10.0.9.2:51820", "not an endpoint"];
    expect(
      rankCandidates(eps, {
        ownSubnets: ["10.0.9.0/24", "0.0.0.0/0"],
        haveV6: true,
        publicV4: "203.0.113.20",
      }),
    )
      .toEqual([
        { endpoint: "10.0.9.2:51820", kind: "same-lan" },
        { endpoint: V6, kind: "ipv6" },
        { endpoint: V4, kind: "ipv4" },
      ]);
    // A private address on no network of ours is somebody else's: left out.
    expect(rankCandidates(eps, { ownSubnets: [], haveV6: false })).toEqual([
      { endpoint: V4, kind: "ipv4" },
    ]);
    // Only a private address counts as same LAN: a public one in our WAN subnet may be a NAT.
    const own = ["2001:db8:2:1::/64", "fd00:1::/64", "203.0.113.0/24"];
    expect(
      rankCandidates([V4, V6, "[fd00:1::2]:51820"], {
        ownSubnets: own,
        haveV6: true,
        publicV4: "203.0.113.20",
      }),
    )
      .toEqual([
        { endpoint: "[fd00:1::2]:51820", kind: "same-lan" },
        { endpoint: V6, kind: "ipv6" },
        { endpoint: V4, kind: "ipv4" },
      ]);
  });

  test("a private address counts only behind the same public address (one upstream NAT)", () => {
    const eps = [V4, "192.168.1.3:51820"];
    const lan = { ownSubnets: ["192.168.1.0/24"], haveV6: false };
    // Both behind 203.0.113.20: the upstream network first.
    expect(rankCandidates(eps, { ...lan, publicV4: "203.0.113.20" })).toEqual([
      { endpoint: "192.168.1.3:51820", kind: "same-lan" },
      { endpoint: V4, kind: "ipv4" },
    ]);
    // Another home whose modem also hands out 192.168.1.0/24: not ours.
    expect(rankCandidates(eps, { ...lan, publicV4: "198.51.100.7" })).toEqual([
      { endpoint: V4, kind: "ipv4" },
    ]);
    // Our public address not known yet: a peer that has one is not taken for a neighbour.
    expect(rankCandidates(eps, lan)).toEqual([{ endpoint: V4, kind: "ipv4" }]);
    // A peer with no public address at all: its private one on our network is all there is.
    expect(rankCandidates(["192.168.1.3:51820"], lan)).toEqual([
      { endpoint: "192.168.1.3:51820", kind: "same-lan" },
    ]);
  });
});

describe("PathChooser", () => {
  const candidates = rankCandidates([V4, V6], { ownSubnets: [], haveV6: true });
  const step = (c: PathChooser, now: number, hs = 0, live?: string) =>
    c.step({ publicKey: "k", candidates, latestHandshakeMs: hs, liveEndpoint: live }, now)
      ?.endpoint;

  test("starts at the best, moves on after a silent while, wraps around", () => {
    const c = new PathChooser();
    expect(step(c, 0)).toBe(V6);
    expect(step(c, SWITCH_AFTER_MS - 1)).toBe(V6);
    expect(step(c, SWITCH_AFTER_MS)).toBe(V4);
    expect(step(c, 2 * SWITCH_AFTER_MS)).toBe(V6);
  });

  test("stays while handshakes come, moves when the path dies", () => {
    const c = new PathChooser();
    expect(step(c, 0)).toBe(V6);
    expect(step(c, 1000, 900)).toBe(V6);
    expect(step(c, 100_000, 900)).toBe(V6);
    expect(step(c, 900 + DEAD_AFTER_MS, 900)).toBe(V4);
  });

  test("a tunnel working on first sight is left where it is", () => {
    const c = new PathChooser();
    expect(step(c, 10_000, 9_000, V4)).toBe(V4);
    const d = new PathChooser();
    expect(step(d, 10_000, 9_000, "198.51.100.7:4000")).toBeUndefined();
  });

  test("new candidates start over; no candidates, no choice", () => {
    const c = new PathChooser();
    expect(step(c, 0)).toBe(V6);
    expect(step(c, SWITCH_AFTER_MS)).toBe(V4);
    const only4 = rankCandidates([V4], { ownSubnets: [], haveV6: true });
    expect(c.step({ publicKey: "k", candidates: only4, latestHandshakeMs: 0 }, 6000)?.endpoint)
      .toBe(V4);
    expect(c.step({ publicKey: "k", candidates: [], latestHandshakeMs: 0 }, 7000)).toBeUndefined();
  });
});
