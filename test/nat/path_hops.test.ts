import { expect, test } from "vitest";
import { findCgnatHop, parseTraceroute } from "../../src/nat/path_hops.ts";
import { decideVerdict } from "../../src/nat/verdict.ts";

test("parseTraceroute reads busybox and iputils-style output", () => {
  const text = [
    "traceroute to 203.0.113.3 (203.0.113.3), 4 hops max, 38 byte packets",
    " 1  10.0.5.1  0.031 ms",
    " 2  *",
    " 3  100.64.1.1  0.052 ms",
    " 4  203.0.113.3  0.07 ms",
    "junk 5 6",
  ].join("\n");
  expect(parseTraceroute(text)).toEqual(["10.0.5.1", null, "100.64.1.1", "203.0.113.3"]);
  expect(parseTraceroute("")).toEqual([]);
});

test("findCgnatHop stops at the first public hop", () => {
  expect(findCgnatHop(["10.0.5.1", "100.64.1.1", "203.0.113.3"])).toEqual({
    ttl: 2,
    address: "100.64.1.1",
  });
  expect(findCgnatHop(["10.0.5.1", "203.0.113.1", "100.64.1.1"])).toBeUndefined();
  expect(findCgnatHop([null, "100.100.0.1"])).toEqual({ ttl: 2, address: "100.100.0.1" });
  expect(findCgnatHop(["192.168.0.1", "10.1.1.1", "172.16.0.1", "198.51.100.1", "100.64.0.1"]))
    .toBeUndefined();
});

test("a CGNAT hop behind a private WAN makes the verdict cgnat", () => {
  const mapped = { host: "203.0.113.10", port: 1 };
  const base = {
    mapped,
    wanAddress: "10.0.5.2",
    mapping: "endpoint-independent",
    filtering: "unknown",
  } as const;
  expect(decideVerdict(base).verdict).toBe("double-nat");
  const v = decideVerdict({ ...base, cgnatHop: { ttl: 2, address: "100.64.1.1" } });
  expect(v.verdict).toBe("cgnat");
  expect(v.notes.join()).toMatch(/Hop 2 .*"100\.64\.1\.1"/);
  // A public WAN equal to the mapped address stays public whatever the path says.
  expect(
    decideVerdict({ ...base, wanAddress: mapped.host, cgnatHop: { ttl: 2, address: "100.64.1.1" } })
      .verdict,
  )
    .toBe("public");
});
