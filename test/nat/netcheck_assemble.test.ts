import { describe, expect, test } from "vitest";
import { assembleReport, type NetcheckObservations } from "../../src/nat/netcheck_assemble.ts";
import { formatNetcheck } from "../../src/nat/netcheck_report.ts";

const stun = { host: "203.0.113.3", port: 3478 };
const other = { host: "203.0.113.4", port: 3479 };
const ans = (port: number, host = "203.0.113.10") => ({
  kind: "answered" as const,
  mapped: { host, port },
  from: stun,
});

function obs(over: Partial<NetcheckObservations> = {}): NetcheckObservations {
  return {
    checkedAt: Date.UTC(2026, 10, 25, 12, 0, 0),
    durationMs: 412.4,
    wanAddress: "192.168.0.2",
    localPortV4: 40000,
    servers: [
      {
        server: "203.0.113.3:3478",
        address: stun,
        family: 4,
        outcome: ans(40000),
        rttMs: 1.26,
        otherAddress: other,
      },
      {
        server: "198.51.100.1:3478",
        address: { host: "198.51.100.1", port: 3478 },
        family: 4,
        outcome: { kind: "silent" },
      },
    ],
    mappingTests: { altIp: ans(40000), altIpPort: ans(40000) },
    filteringV4: {
      base: ans(40001),
      changeBoth: { kind: "silent" },
      changePort: { kind: "silent" },
    },
    notes: [],
    ...over,
  };
}

describe("assembleReport", () => {
  test("cone upstream: double NAT, port preserved, per-server results", () => {
    const r = assembleReport(obs());
    expect(r).toMatchObject({
      verdict: "double-nat",
      mapping: "endpoint-independent",
      filtering: "address-and-port-dependent",
      publicV4: { host: "203.0.113.10", port: 40000 },
      portPreserved: true,
      wanAddress: "192.168.0.2",
      durationMs: 412,
    });
    expect(r.servers).toEqual([
      { server: "203.0.113.3:3478", rttMs: 1.3, mapped: "203.0.113.10:40000" },
      { server: "198.51.100.1:3478", error: "No response (timed out)" },
    ]);
    expect(r.publicV6).toBeUndefined();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  test("symmetric upstream: hard NAT", () => {
    const r = assembleReport(obs({ mappingTests: { altIp: ans(1111), altIpPort: ans(2222) } }));
    expect(r.verdict).toBe("hard-nat");
    expect(r.mapping).toBe("address-and-port-dependent");
  });
  test("nothing answered: unknown", () => {
    const r = assembleReport(obs({ servers: [], mappingTests: {} }));
    const { filteringV4: _, ...rest } = obs({ servers: [] });
    expect(assembleReport(rest).verdict).toBe("unknown");
    expect(r.publicV4).toBeUndefined();
  });
  test("IPv6 server: publicV6 and inbound state", () => {
    const v6 = { host: "2001:db8::3", port: 3478 };
    const mapped = { host: "2001:db8::5", port: 40002 };
    const r = assembleReport(obs({
      wanV6: ["2001:db8::5/64", "fe80::1/64"],
      servers: [...obs().servers, {
        server: "[2001:db8::3]:3478",
        address: v6,
        family: 6,
        outcome: { kind: "answered", mapped, from: v6 },
        rttMs: 2,
      }],
      filteringV6: { base: { kind: "answered", mapped, from: v6 }, changeBoth: { kind: "silent" } },
    }));
    expect(r.publicV6).toEqual(mapped);
    expect(r.ipv6).toEqual({ global: ["2001:db8::5"], inbound: "filtered" });
    expect(r.advice).toMatch(/IPv6/);
    const open = assembleReport(obs({
      wanV6: ["2001:db8::5/64"],
      servers: [...obs().servers, {
        server: "[2001:db8::3]:3478",
        address: v6,
        family: 6,
        outcome: { kind: "answered", mapped, from: v6 },
      }],
      filteringV6: {
        base: { kind: "answered", mapped, from: v6 },
        changeBoth: { kind: "answered", mapped, from: { host: "2001:db8::4", port: 3479 } },
      },
      inboundPortV6: 51821,
    }));
    expect(open.ipv6).toEqual({ global: ["2001:db8::5"], inbound: "open", inboundPort: 51821 });
    expect(open.notes.join()).toMatch(/reaches port 51821/);
    expect(formatNetcheck(open)).toContain("(inbound UDP to port 51821 open)");
  });
});

describe("formatNetcheck", () => {
  test("prints verdict, endpoint, servers and notes", () => {
    const text = formatNetcheck(assembleReport(obs()));
    expect(text).toContain("Verdict:       double NAT");
    expect(text).toContain("Public IPv4:   203.0.113.10:40000 (port preserved)");
    expect(text).toContain("Public IPv6:   none found");
    expect(text).toContain("Checked:       2026-11-25T12:00:00Z in 412 ms");
    expect(text).toMatch(/203\.0\.113\.3:3478 +1 ms, sees 203\.0\.113\.10:40000/);
    expect(text).toMatch(/198\.51\.100\.1:3478 +failed: No response/);
    expect(text).toMatch(/Notes:\n {2}- /);
    expect(text.endsWith("\n")).toBe(false);
  });
});
