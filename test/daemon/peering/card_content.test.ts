import { describe, expect, test } from "vitest";
import {
  bestEndpoint,
  cardBody,
  type CardInputs,
  endpointCandidates,
  hostRoute,
  joinHosts,
  natHint,
  planRoutes,
  sameBody,
} from "../../../src/daemon/peering/card_content.ts";
import { parseDuration } from "../../../src/daemon/peering/duration.ts";
import { makeRouter, NOW } from "../../peer/fixtures.ts";

const a = makeRouter("alpha");

function inputs(extra: Partial<CardInputs> = {}): CardInputs {
  return {
    wgPublicKey: a.wg,
    signPublicKey: a.sign,
    name: "alpha",
    listenPort: 51820,
    wanV6: [],
    tunnelAddresses: ["10.77.0.1/16"],
    lanSubnets: ["192.168.1.0/24"],
    introduces: [],
    ...extra,
  };
}

describe("our card's endpoints", () => {
  test("public WAN first, netcheck's address, DNS name, IPv6, then a private WAN address", () => {
    expect(endpointCandidates(inputs({
      wanAddress: "203.0.113.10",
      report: {
        checkedAt: NOW,
        durationMs: 1,
        verdict: "public",
        advice: "",
        mapping: "endpoint-independent",
        filtering: "endpoint-independent",
        publicV4: { host: "203.0.113.10", port: 40000 },
        servers: [],
        notes: [],
      },
      dnsName: "Home.Example.org",
      wanV6: ["2001:db8::1"],
    }))).toEqual(["203.0.113.10:51820", "home.example.org:51820", "[2001:db8::1]:51820"]);
    // For a router behind the same upstream NAT only (peers check the public address).
    expect(endpointCandidates(inputs({ wanAddress: "10.0.4.2" }))).toEqual(["10.0.4.2:51820"]);
    expect(endpointCandidates(inputs({ wanAddress: "100.64.0.2" }))).toEqual([
      "100.64.0.2:51820",
    ]);
  });

  test("behind a NAT the netcheck address is used with the listen port", () => {
    expect(endpointCandidates(inputs({
      wanAddress: "192.168.0.2",
      report: {
        checkedAt: NOW,
        durationMs: 1,
        verdict: "nat",
        advice: "",
        mapping: "endpoint-independent",
        filtering: "address-and-port-dependent",
        publicV4: { host: "198.51.100.7", port: 3333 },
        servers: [],
        notes: [],
      },
    }))).toEqual(["198.51.100.7:51820", "192.168.0.2:51820"]);
  });

  test("the NAT hint: what netcheck found, reachable when a stranger gets in", () => {
    const report = (mapping: "endpoint-independent" | "address-and-port-dependent") => ({
      checkedAt: NOW,
      durationMs: 1,
      verdict: "nat" as const,
      advice: "",
      mapping,
      filtering: "address-and-port-dependent" as const,
      servers: [],
      notes: [],
    });
    expect(natHint(inputs({ wanAddress: "10.0.4.2" }))).toBeUndefined();
    expect(
      natHint(inputs({ wanAddress: "10.0.4.2", report: report("address-and-port-dependent") })),
    )
      .toEqual({
        mapping: "address-and-port-dependent",
        filtering: "address-and-port-dependent",
        reachable: false,
      });
    expect(natHint(inputs({ wanAddress: "203.0.113.10" }))).toEqual({
      mapping: "unknown",
      filtering: "unknown",
      reachable: true,
    });
    expect(cardBody(inputs({ wanAddress: "10.0.4.2", report: report("endpoint-independent") })).nat)
      .toEqual({
        mapping: "endpoint-independent",
        filtering: "address-and-port-dependent",
        reachable: false,
      });
  });

  test("sameBody ignores seq and issuedAt, sees every other change", () => {
    const body = cardBody(inputs({ wanAddress: "203.0.113.10" }));
    const card = { ...body, seq: 7, issuedAt: NOW };
    expect(sameBody(body, card)).toBe(true);
    expect(sameBody(cardBody(inputs({ wanAddress: "203.0.113.11" })), card)).toBe(false);
    expect(
      sameBody(cardBody(inputs({ introduces: [{ wgPublicKey: a.wg, signPublicKey: a.sign }] })), {
        ...cardBody(inputs()),
        seq: 1,
        issuedAt: 0,
      }),
    ).toBe(false);
  });
});

describe("peer endpoint and routes", () => {
  test("join requests skip private addresses outside the networks we are on", () => {
    const eps = ["203.0.113.20:51821", "10.0.1.2:51820", "192.168.7.2:51820", "[2001:db8::2]:1"];
    expect(joinHosts(eps, ["10.0.1.0/24", "0.0.0.0/0"])).toEqual([
      "203.0.113.20",
      "10.0.1.2",
      "2001:db8::2",
    ]);
    expect(joinHosts(["junk", "203.0.113.20:1", "203.0.113.20:2"], [])).toEqual(["203.0.113.20"]);
  });

  test("best endpoint prefers public IPv4, then a DNS name, then IPv6; never a private one", () => {
    expect(bestEndpoint(["10.0.1.2:51820", "198.51.100.1:51820"]))
      .toEqual({ host: "198.51.100.1", port: 51820 });
    expect(bestEndpoint(["10.0.1.2:51820"])).toBeUndefined();
    expect(bestEndpoint(["[2001:db8::1]:51820", "h.example:5", "198.51.100.1:51820"]))
      .toEqual({ host: "198.51.100.1", port: 51820 });
    expect(bestEndpoint(["[2001:db8::1]:51820", "h.example:5"])).toEqual({
      host: "h.example",
      port: 5,
    });
    expect(bestEndpoint(["[2001:db8::1]:51820"])).toEqual({ host: "2001:db8::1", port: 51820 });
    expect(bestEndpoint([])).toBeUndefined();
  });

  test("allowed IPs: tunnel host routes plus LAN subnets", () => {
    expect(hostRoute("10.77.3.4/16")).toBe("10.77.3.4/32");
    expect(hostRoute("fd77::4/64")).toBe("fd77::4/128");
    const plan = planRoutes(
      { tunnelAddresses: ["10.77.0.1/16"], lanSubnets: ["192.168.1.0/24"] },
      { name: "b", tunnelAddresses: ["10.77.0.2/16"], lanSubnets: ["192.168.2.0/24"] },
      false,
    );
    expect(plan).toEqual({
      allowedIps: ["10.77.0.2/32", "192.168.2.0/24"],
      leftOut: [],
      explanations: [],
      refused: [],
    });
  });

  test("with what the router reaches, a hostile card's WAN, public and default routes are left out", () => {
    const plan = planRoutes(
      {
        tunnelAddresses: ["10.77.0.1/16"],
        lanSubnets: ["192.168.1.0/24"],
        reached: [
          { prefix: "203.0.113.0/24", what: "the WAN subnet on wan0" },
          { prefix: "0.0.0.0/0", what: "the default route" },
        ],
      },
      {
        name: "b",
        tunnelAddresses: ["10.77.0.2/16", "203.0.113.1/24"],
        lanSubnets: [
          "192.168.2.0/24",
          "203.0.113.0/24",
          "198.51.100.0/24",
          "0.0.0.0/0",
          "10.9.0.0/16",
        ],
        endpoints: ["10.9.0.7:51820"],
      },
      false,
    );
    expect(plan.allowedIps).toEqual(["10.77.0.2/32", "192.168.2.0/24"]);
    expect(plan.refused.map((r) => r.subnet)).toEqual([
      "203.0.113.1/32",
      "203.0.113.0/24",
      "198.51.100.0/24",
      "0.0.0.0/0",
      "10.9.0.0/16", // holds the peer's own endpoint
    ]);
  });

  test("overlapping LANs refuse with the explanation, or are left out with allowOverlap", () => {
    const ours = { tunnelAddresses: ["10.77.0.1/16"], lanSubnets: ["192.168.1.0/24"] };
    const theirs = {
      name: "berlin",
      tunnelAddresses: ["10.77.0.2/16"],
      lanSubnets: ["192.168.1.0/24", "192.168.9.0/24"],
    };
    expect(() => planRoutes(ours, theirs, false)).toThrow(
      /both use 192\.168\.1\.0\/24.*--allow-overlap/,
    );
    const plan = planRoutes(ours, theirs, true);
    expect(plan.allowedIps).toEqual(["10.77.0.2/32", "192.168.9.0/24"]);
    expect(plan.leftOut).toEqual(["192.168.1.0/24"]);
    expect(plan.explanations[0]).toMatch(/Renumber/);
  });

  test("a tunnel address clash always refuses", () => {
    expect(() =>
      planRoutes(
        { tunnelAddresses: ["10.77.0.1/16"], lanSubnets: [] },
        { name: "b", tunnelAddresses: ["10.77.0.1/16"], lanSubnets: [] },
        true,
      )
    ).toThrow(/both routers use tunnel address 10\.77\.0\.1/);
  });
});

describe("invite lifetimes", () => {
  test("units and bounds", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    for (const bad of ["", "0h", "1y", "-1h", "31d", "h"]) {
      expect(() => parseDuration(bad), bad).toThrow(/Cannot use expiry/);
    }
  });
});

describe("mesh overlaps", () => {
  test("a subnet already routed to another peer is not taken over", () => {
    const ours = {
      tunnelAddresses: ["10.77.0.1/16"],
      lanSubnets: ["192.168.2.0/24"],
      routed: [{ peer: "a", subnets: ["192.168.1.0/24"] }],
    };
    const e = { name: "e", tunnelAddresses: ["10.77.0.5/16"], lanSubnets: ["192.168.1.0/24"] };
    expect(() => planRoutes(ours, e, false)).toThrow(/already routes to "a"/);
    expect(planRoutes(ours, e, true).allowedIps).toEqual(["10.77.0.5/32"]);
  });
});
