import { describe, expect, test } from "vitest";
import { ADVICE, decideVerdict, type VerdictInput } from "../../src/nat/verdict.ts";

const mapped = { host: "203.0.113.10", port: 51820 };
const eim = { mapping: "endpoint-independent", filtering: "unknown" } as const;
const sym = {
  mapping: "address-and-port-dependent",
  filtering: "address-and-port-dependent",
} as const;

describe("decideVerdict", () => {
  const table: [string, VerdictInput, string][] = [
    ["no answer", { ...eim }, "unknown"],
    ["WAN equals mapped", { ...eim, mapped, wanAddress: "203.0.113.10" }, "public"],
    ["WAN equals mapped, odd mapping", { ...sym, mapped, wanAddress: "203.0.113.10" }, "public"],
    ["private WAN, cone upstream", { ...eim, mapped, wanAddress: "192.168.0.2" }, "double-nat"],
    ["private WAN, symmetric upstream", { ...sym, mapped, wanAddress: "10.0.3.2" }, "hard-nat"],
    ["CGNAT WAN", { ...eim, mapped, wanAddress: "100.64.0.2" }, "cgnat"],
    ["CGNAT WAN, symmetric", { ...sym, mapped, wanAddress: "100.127.255.1" }, "cgnat"],
    ["public WAN, other mapped", { ...eim, mapped, wanAddress: "198.51.100.7" }, "nat"],
    [
      "public WAN, other mapped, symmetric",
      { ...sym, mapped, wanAddress: "198.51.100.7" },
      "hard-nat",
    ],
    ["no WAN given, cone", { ...eim, mapped }, "nat"],
    ["no WAN given, symmetric", { ...sym, mapped }, "hard-nat"],
  ];
  test.each(table)("%s", (_name, input, verdict) => {
    const v = decideVerdict(input);
    expect(v.verdict).toBe(verdict);
    expect(v.advice).toBe(ADVICE[v.verdict as keyof typeof ADVICE]);
  });
  test("advice words the issue asks for", () => {
    expect(ADVICE.public).toMatch(/direct tunnels will work/i);
    expect(ADVICE.cgnat).toMatch(/ask your ISP for a public IPv4 or use IPv6/i);
    expect(ADVICE["hard-nat"]).toMatch(/a relay will be needed/i);
  });
  test("global IPv6 adds a hint for bad IPv4 situations only", () => {
    expect(decideVerdict({ ...eim, mapped, wanAddress: "100.64.0.2", hasGlobalV6: true }).advice)
      .toMatch(/global IPv6/);
    expect(decideVerdict({ ...eim, mapped, wanAddress: "203.0.113.10", hasGlobalV6: true }).advice)
      .toBe(ADVICE.public);
  });
  test("notes explain the decision", () => {
    expect(decideVerdict({ ...eim, mapped }).notes.join()).toMatch(/WAN address not given/);
    expect(decideVerdict({ ...eim, mapped, wanAddress: "192.168.0.2" }).notes.join()).toMatch(
      /"192.168.0.2" is private/,
    );
    expect(decideVerdict({ ...eim, mapped: { host: "100.64.9.9", port: 1 } }).notes.join()).toMatch(
      /CGNAT/,
    );
  });
});
