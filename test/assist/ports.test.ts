import { describe, expect, test } from "vitest";
import { allocatePublicPort, assignPublicPorts } from "../../src/assist/ports.ts";

describe("allocatePublicPort", () => {
  test("keeps the LAN port when free", () => {
    expect(allocatePublicPort(51820, { taken: [] })).toBe(51820);
  });
  test("skips taken and reserved ports", () => {
    expect(allocatePublicPort(51820, { taken: [51820], reserved: [51821] })).toBe(51822);
  });
  test("wraps from 65535 to 1024", () => {
    expect(allocatePublicPort(65535, { taken: [65535] })).toBe(1024);
  });
  test("raises low ports to 1024", () => {
    expect(allocatePublicPort(53, { taken: [] })).toBe(1024);
  });
  test("rejects a bad port", () => {
    expect(() => allocatePublicPort(0, { taken: [] })).toThrow(RangeError);
  });
});

describe("assignPublicPorts", () => {
  test("two hosts on 51820 behind a router that uses 51820 get different ports", () => {
    const ports = assignPublicPorts([
      { name: "a", port: 51820 },
      { name: "b", port: 51820 },
    ], [51820]);
    expect(ports.get("a")).toBe(51821);
    expect(ports.get("b")).toBe(51822);
  });
  test("a published port is kept even when a new host comes first", () => {
    const ports = assignPublicPorts([
      { name: "new", port: 51820 },
      { name: "old", port: 51820, publicPort: 51820 },
    ]);
    expect(ports.get("old")).toBe(51820);
    expect(ports.get("new")).toBe(51821);
  });
  test("a published port that clashes with a reserved one is reallocated", () => {
    const ports = assignPublicPorts([{ name: "a", port: 51820, publicPort: 51820 }], [51820]);
    expect(ports.get("a")).toBe(51821);
  });
  test("is deterministic", () => {
    const hosts = [{ name: "x", port: 4500 }, { name: "y", port: 4500 }, { name: "z", port: 4501 }];
    expect([...assignPublicPorts(hosts)]).toEqual([...assignPublicPorts(hosts)]);
    expect([...assignPublicPorts(hosts).values()]).toEqual([4500, 4501, 4502]);
  });
});
