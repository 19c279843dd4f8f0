import { describe, expect, test } from "vitest";
import { RELAY_DEFAULTS, RelayAllocator } from "../../src/wg/relay_alloc.ts";

const limits = { portBase: 40000, maxTotal: 3, maxPerRequester: 2, idleMs: 120_000 };

describe("relay allocator", () => {
  test("two ports per pair, each side learned from its first packet", () => {
    const r = new RelayAllocator(limits);
    const x = r.allocate("A", "B", 0);
    expect(x.ok).toBe(true);
    if (!x.ok) return;
    expect([x.alloc.a.port, x.alloc.b.port]).toEqual([40000, 40001]);
    // A's first packet: nothing to forward to yet.
    const first = r.learn(40000, { host: "198.51.100.1", port: 1111 }, 10);
    expect(first?.forwardTo).toBeNull();
    expect(RelayAllocator.ready(x.alloc)).toBe(false);
    // B's first packet goes to A from A's port (the one A's NAT knows).
    const second = r.learn(40001, { host: "198.51.100.2", port: 2222 }, 20);
    expect(second?.forwardTo).toEqual({ host: "198.51.100.1", port: 1111 });
    expect(second?.via).toBe(40000);
    expect(RelayAllocator.ready(x.alloc)).toBe(true);
    // A packet from elsewhere on A's port is not A.
    expect(r.learn(40000, { host: "198.51.100.9", port: 1111 }, 30)).toBeNull();
    // An unknown port, or one the kernel forwards, is not learned in userspace.
    expect(r.learn(40005, { host: "198.51.100.1", port: 1 }, 30)).toBeNull();
    x.alloc.kernel = true;
    expect(r.learn(40000, { host: "198.51.100.1", port: 1111 }, 30)).toBeNull();
  });

  test("bounds: per requester and in total", () => {
    const r = new RelayAllocator(limits);
    expect(r.allocate("A", "B", 0).ok).toBe(true);
    expect(r.allocate("A", "C", 0).ok).toBe(true);
    const third = r.allocate("A", "D", 0);
    expect(third.ok).toBe(false);
    if (!third.ok) expect(third.why).toMatch(/at most 2/);
    expect(r.allocate("E", "F", 0).ok).toBe(true);
    const full = r.allocate("G", "H", 0);
    expect(full.ok).toBe(false);
    if (!full.ok) expect(full.why).toMatch(/3 allocations already \(at most 3\)/);
  });

  test("asking again for a pair replaces it with fresh ports, either order", () => {
    const r = new RelayAllocator(limits);
    const one = r.allocate("A", "B", 0);
    const two = r.allocate("B", "A", 5);
    expect(one.ok && two.ok).toBe(true);
    if (!one.ok || !two.ok) return;
    expect(two.fresh).toBe(false);
    expect(r.list()).toHaveLength(1);
    expect([two.alloc.a.port, two.alloc.b.port]).toEqual([40002, 40003]);
  });

  test("old ports are reused only when nothing else is free", () => {
    const r = new RelayAllocator({ ...limits, maxTotal: 1 });
    r.allocate("A", "B", 0);
    const again = r.allocate("A", "B", 1);
    expect(again.ok).toBe(true);
    if (again.ok) expect([again.alloc.a.port, again.alloc.b.port]).toEqual([40000, 40001]);
  });

  test("idle expiry follows the kernel counters; totals survive a rewrite", () => {
    const r = new RelayAllocator(limits);
    const x = r.allocate("A", "B", 0);
    if (!x.ok) throw new Error("no allocation");
    r.count(x.alloc.id, 10, 1000, 60_000);
    expect(r.expire(150_000)).toEqual([]); // active at 60 s
    r.rebase(); // the table is rewritten: kernel counters restart at zero
    r.count(x.alloc.id, 0, 0, 170_000);
    expect(x.alloc.packets).toBe(10);
    expect(x.alloc.bytes).toBe(1000);
    r.count(x.alloc.id, 5, 500, 175_000);
    expect(x.alloc.packets).toBe(15);
    expect(r.expire(294_999)).toEqual([]);
    expect(r.expire(295_000).map((a) => a.id)).toEqual([x.alloc.id]);
    expect(r.list()).toEqual([]);
  });

  test("a removed member's allocations go", () => {
    const r = new RelayAllocator(limits);
    r.allocate("A", "B", 0);
    r.allocate("C", "A", 0);
    r.allocate("C", "D", 0);
    expect(r.dropMember("A")).toHaveLength(2);
    expect(r.list()).toHaveLength(1);
  });

  test("defaults: 32 allocations, 4 per requester, 120 s idle", () => {
    expect(RELAY_DEFAULTS).toMatchObject({ maxTotal: 32, maxPerRequester: 4, idleMs: 120_000 });
  });
});
