import { describe, expect, test } from "vitest";
import { findAddressClashes, findOverlaps } from "../../src/peer/overlap.ts";

describe("findOverlaps", () => {
  test("two homes on 192.168.1.0/24: explained", () => {
    const o = findOverlaps(["192.168.1.0/24", "10.0.0.0/8"], ["192.168.1.0/24"], "berlin");
    expect(o.length).toBe(1);
    expect(o[0]!.ours).toBe("192.168.1.0/24");
    expect(o[0]!.explanation).toMatch(
      /^This router and berlin both use 192\.168\.1\.0\/24: .*Renumber/,
    );
  });

  test("nested prefixes and host addresses are normalised", () => {
    const o = findOverlaps(["192.168.1.1/16"], ["192.168.77.0/24"], "paris");
    expect(o).toEqual([
      expect.objectContaining({ ours: "192.168.0.0/16", theirs: "192.168.77.0/24" }),
    ]);
    expect(o[0]!.explanation).toMatch(
      /paris's 192\.168\.77\.0\/24 overlaps this router's 192\.168\.0\.0\/16/,
    );
  });

  test("disjoint, other family and unparsable entries give nothing", () => {
    expect(findOverlaps(["192.168.1.0/24"], ["192.168.2.0/24", "fd00::/8", "junk"])).toEqual([]);
    expect(findOverlaps(["fd00:1::/64"], ["fd00::/16"]).length).toBe(1);
  });
});

describe("findAddressClashes", () => {
  test("same host address clashes, neighbours in the same prefix do not", () => {
    expect(findAddressClashes(["10.77.0.1/16"], ["10.77.0.1/16", "10.77.0.2/16"])).toEqual([
      "10.77.0.1",
    ]);
    expect(findAddressClashes(["10.77.0.1/16"], ["10.77.0.9/16"])).toEqual([]);
    expect(findAddressClashes(["fd77::1/64"], ["FD77:0::1/64"])).toEqual(["fd77::1"]);
  });
});
