import { describe, expect, test } from "vitest";
import {
  endpointNames,
  NAME_REFRESH_MS,
  NAME_RETRY_MS,
  NameCache,
  withResolvedEndpoints,
} from "../../src/wg/endpoint_names.ts";
import type { WgDesired } from "../../src/wg/wg_desired.ts";

const want: WgDesired = {
  ifname: "wg0",
  privateKey: "k",
  addresses: ["10.77.0.1/16"],
  peers: [
    {
      publicKey: "A",
      allowedIps: ["10.77.0.2/32"],
      endpoint: "203.0.113.20:51820",
      routeAllowedIps: true,
    },
    {
      publicKey: "B",
      allowedIps: ["10.77.0.3/32"],
      endpoint: "Stuck.Example:51820",
      routeAllowedIps: true,
    },
    {
      publicKey: "C",
      allowedIps: ["10.77.0.4/32"],
      endpoint: "good.example:4500",
      routeAllowedIps: true,
    },
    { publicKey: "D", allowedIps: ["10.77.0.5/32"], routeAllowedIps: true },
  ],
};

describe("endpoint names", () => {
  test("only DNS names are asked, lower-cased", () => {
    expect(endpointNames(want)).toEqual(["stuck.example", "good.example"]);
  });

  test("a name that does not resolve holds up only its own peer", () => {
    const cache = new NameCache();
    cache.record("stuck.example", { error: "no answer within 2000 ms" }, 0);
    cache.record("good.example", { addresses: ["2001:db8::4", "198.51.100.4"] }, 0);
    const r = withResolvedEndpoints(want, cache);
    expect(r.want.peers.map((p) => p.endpoint)).toEqual([
      "203.0.113.20:51820",
      undefined,
      "198.51.100.4:4500", // IPv4 first
      undefined,
    ]);
    expect(r.want.peers[1]!.allowedIps).toEqual(["10.77.0.3/32"]); // the peer itself stays
    expect(r.unresolved).toEqual([
      { publicKey: "B", endpoint: "Stuck.Example:51820", problem: "no answer within 2000 ms" },
    ]);
  });

  test("an endpoint that is not HOST:PORT is reported for its peer, not thrown", () => {
    const bad: WgDesired = {
      ...want,
      peers: [{ publicKey: "E", allowedIps: [], endpoint: "bad host:1", routeAllowedIps: true }],
    };
    expect(endpointNames(bad)).toEqual([]);
    expect(withResolvedEndpoints(bad, new NameCache()).unresolved).toEqual([
      { publicKey: "E", endpoint: "bad host:1", problem: "it is not HOST:PORT" },
    ]);
  });

  test("failures back off; answers are refreshed; the last address outlives a failed refresh", () => {
    const cache = new NameCache();
    const names = ["stuck.example", "good.example"];
    expect(cache.due(names, 0)).toEqual(names);
    cache.record("stuck.example", { error: "x" }, 0);
    cache.record("good.example", { addresses: ["198.51.100.4"] }, 0);
    const stuck = ["stuck.example"];
    expect(cache.due(names, 1000)).toEqual([]);
    expect(cache.due(stuck, NAME_RETRY_MS)).toEqual(stuck);
    cache.record("stuck.example", { error: "x" }, NAME_RETRY_MS);
    expect(cache.due(stuck, 2 * NAME_RETRY_MS)).toEqual([]); // doubled
    expect(cache.due(stuck, 3 * NAME_RETRY_MS)).toEqual(stuck);
    expect(cache.due(["good.example"], NAME_REFRESH_MS - 1)).toEqual([]);
    expect(cache.due(["good.example"], NAME_REFRESH_MS)).toEqual(["good.example"]);
    cache.record("good.example", { error: "timeout" }, NAME_REFRESH_MS);
    expect(cache.lookup("good.example")).toEqual({ address: "198.51.100.4" });
    expect(cache.lookup("never.example")).toEqual({ problem: "not resolved yet" });
    cache.keepOnly(["good.example"]);
    expect(cache.due(["stuck.example"], 0)).toEqual(["stuck.example"]);
  });
});
