import { describe, expect, test } from "vitest";
import { planRouteSync, PUNCH_ROUTE_PROTO } from "../../../src/platform/linux/route_sync.ts";
import { routesReached } from "../../../src/platform/linux/ip_routes.ts";

const P = String(PUNCH_ROUTE_PROTO);

describe("planRouteSync", () => {
  test("adds what is missing and deletes only routes Punch tagged", () => {
    const plan = planRouteSync(
      ["192.168.2.0/24", "10.77.0.2/32"],
      [
        { dst: "10.77.0.0/16", protocol: "kernel" },
        { dst: "10.77.0.2", protocol: P },
        { dst: "192.168.9.0/24", protocol: P },
        { dst: "default", protocol: "boot" }, // someone else's: never deleted
        { dst: "172.16.5.0/24", protocol: "static" },
      ],
      false,
    );
    expect(plan).toEqual({ add: ["192.168.2.0/24"], retag: [], del: ["192.168.9.0/24"] });
  });

  test("a wanted route on the tunnel without the tag is re-tagged, not added twice", () => {
    expect(planRouteSync(["192.168.2.0/24"], [{ dst: "192.168.2.0/24", protocol: "boot" }], false))
      .toEqual({ add: [], retag: ["192.168.2.0/24"], del: [] });
  });

  test("IPv6 host routes and default are read in their family", () => {
    expect(
      planRouteSync([], [{ dst: "fd00::2", protocol: 80 }, { dst: "default", protocol: P }], true),
    )
      .toEqual({ add: [], retag: [], del: ["fd00::2/128", "::/0"] });
  });
});

describe("routesReached", () => {
  test("routes of other devices, labelled; the tunnel's own left out", () => {
    const json = JSON.stringify([
      { dst: "default", gateway: "203.0.113.1", dev: "wan0" },
      { dst: "203.0.113.0/24", dev: "wan0", protocol: "kernel" },
      { dst: "192.168.1.0/24", dev: "lan0", protocol: "kernel" },
      { dst: "10.77.0.0/16", dev: "wg0", protocol: "kernel" },
      { dst: "10.5.5.5", dev: "eth3" },
    ]);
    expect(routesReached(json, "wg0", { wan: "wan0", lan: "lan0" })).toEqual([
      { prefix: "0.0.0.0/0", what: "the route via 203.0.113.1 on wan0" },
      { prefix: "203.0.113.0/24", what: "the WAN subnet on wan0" },
      { prefix: "192.168.1.0/24", what: "the LAN subnet on lan0" },
      { prefix: "10.5.5.5/32", what: "the route on eth3" },
    ]);
    expect(routesReached("", "wg0", {})).toEqual([]);
  });
});
