import { describe, expect, test } from "vitest";
import { inboundFrom } from "../../src/nat/inbound.ts";
import type { NetcheckReport } from "../../src/nat/netcheck_report.ts";

const report = (over: Partial<NetcheckReport>): NetcheckReport => ({
  checkedAt: 0,
  durationMs: 1,
  verdict: "nat",
  advice: "",
  mapping: "endpoint-independent",
  filtering: "address-and-port-dependent",
  servers: [],
  notes: [],
  ...over,
});

describe("can a stranger's first packet reach this router", () => {
  test("a public WAN address: yes, whatever netcheck says", () => {
    expect(inboundFrom("203.0.113.10", undefined)).toBe("reachable");
    expect(inboundFrom("203.0.113.10", report({ verdict: "hard-nat" }))).toBe("reachable");
  });
  test("behind a NAT that filters (double NAT, CGNAT, symmetric): no", () => {
    for (const verdict of ["nat", "double-nat", "cgnat", "hard-nat"] as const) {
      expect(inboundFrom("10.0.4.2", report({ verdict }))).toBe("filtered");
    }
    expect(inboundFrom("100.64.0.2", report({ verdict: "cgnat", filtering: "address-dependent" })))
      .toBe("filtered");
  });
  test("a NAT that lets anyone through to a mapped port, or open IPv6: yes", () => {
    expect(inboundFrom("10.0.4.2", report({ filtering: "endpoint-independent" })))
      .toBe("reachable");
    expect(inboundFrom("10.0.4.2", report({ ipv6: { global: ["2001:db8::1"], inbound: "open" } })))
      .toBe("reachable");
  });
  test("no netcheck yet, or no STUN answer: unknown (the joiner tries, then falls back)", () => {
    expect(inboundFrom("10.0.4.2", undefined)).toBe("unknown");
    expect(inboundFrom(undefined, report({ verdict: "unknown", filtering: "unknown" })))
      .toBe("unknown");
  });
});
