/**
 * The relay's allocations (sans-I/O, `now` passed in): two UDP ports per pair of members, one for
 * each side. Each side's address:port is learned from its first packet; once both are known the
 * kernel forwards (nft DNAT+SNAT, see relay_rules.ts). Bounded: allocations per requester, in
 * total, and idle expiry (no packet counted for `idleMs`).
 */

export interface RelayLimits {
  /** First port of the relay range; ports `portBase .. portBase + 2·maxTotal - 1`. */
  portBase: number;
  maxTotal: number;
  maxPerRequester: number;
  idleMs: number;
}

export const RELAY_DEFAULTS: Readonly<RelayLimits> = Object.freeze({
  portBase: 51830,
  maxTotal: 32,
  maxPerRequester: 4,
  idleMs: 120_000,
});

/** One side of an allocation: whose key, our port for it, its address once learned. */
export interface RelaySide {
  key: string;
  port: number;
  learned?: { host: string; port: number };
}

export interface Allocation {
  id: number;
  /** Side a asked (the requester); side b was told. */
  a: RelaySide;
  b: RelaySide;
  createdAt: number;
  lastActiveAt: number;
  /** Forwarded by the kernel (both sides learned and the rules installed). */
  kernel: boolean;
  packets: number;
  bytes: number;
  /** Totals before the kernel counters last started from zero (the table was rewritten). */
  base: { packets: number; bytes: number };
}

export type AllocateResult =
  | { ok: true; alloc: Allocation; fresh: boolean }
  | { ok: false; reason: "limit"; why: string };

export class RelayAllocator {
  private readonly allocs = new Map<number, Allocation>();
  private nextId = 1;

  constructor(readonly limits: RelayLimits = RELAY_DEFAULTS) {}

  list(): Allocation[] {
    return [...this.allocs.values()];
  }

  /** The allocation for this pair (either order), if any. */
  find(k1: string, k2: string): Allocation | undefined {
    return this.list().find((x) =>
      (x.a.key === k1 && x.b.key === k2) || (x.a.key === k2 && x.b.key === k1)
    );
  }

  /** The allocation and side a packet to our `port` belongs to. */
  byPort(port: number): { alloc: Allocation; side: RelaySide; other: RelaySide } | undefined {
    for (const x of this.allocs.values()) {
      if (x.a.port === port) return { alloc: x, side: x.a, other: x.b };
      if (x.b.port === port) return { alloc: x, side: x.b, other: x.a };
    }
    return undefined;
  }

  /**
   * Allocate two ports for `requester` ↔ `other`. Asking again for the same pair starts it over
   * (fresh ports: a side's NAT mapping may have changed), keeping the count bounded.
   */
  allocate(requester: string, other: string, now: number): AllocateResult {
    const old = this.find(requester, other);
    if (old) this.allocs.delete(old.id);
    const mine = this.list().filter((x) => x.a.key === requester).length;
    if (mine >= this.limits.maxPerRequester) {
      return {
        ok: false,
        reason: "limit",
        why: `${mine} allocations for this router already (at most ${this.limits.maxPerRequester})`,
      };
    }
    if (this.allocs.size >= this.limits.maxTotal) {
      return {
        ok: false,
        reason: "limit",
        why: `${this.allocs.size} allocations already (at most ${this.limits.maxTotal})`,
      };
    }
    const used = new Set(this.list().flatMap((x) => [x.a.port, x.b.port]));
    const stale = old ? [old.a.port, old.b.port] : [];
    const free: number[] = [];
    for (let i = 0; i < 2 * this.limits.maxTotal; i++) {
      const p = this.limits.portBase + i;
      if (!used.has(p) && !stale.includes(p)) free.push(p);
    }
    free.push(...stale); // the old pair's ports only when nothing else is free
    const alloc: Allocation = {
      id: this.nextId++,
      a: { key: requester, port: free[0]! },
      b: { key: other, port: free[1]! },
      createdAt: now,
      lastActiveAt: now,
      kernel: false,
      packets: 0,
      bytes: 0,
      base: { packets: 0, bytes: 0 },
    };
    this.allocs.set(alloc.id, alloc);
    return { ok: true, alloc, fresh: old === undefined };
  }

  /**
   * A packet reached our `port` from `host:port` (userspace, before the kernel forwards).
   * Returns where to forward it (the other side, once learned), or null.
   */
  learn(
    port: number,
    from: { host: string; port: number },
    now: number,
  ): { alloc: Allocation; forwardTo: { host: string; port: number } | null; via: number } | null {
    const hit = this.byPort(port);
    if (!hit || hit.alloc.kernel) return null;
    // The first packet fixes the side's address; a later one from elsewhere is not that side.
    if (!hit.side.learned) hit.side.learned = { ...from };
    else if (hit.side.learned.host !== from.host || hit.side.learned.port !== from.port) {
      return null;
    }
    hit.alloc.lastActiveAt = now;
    return { alloc: hit.alloc, forwardTo: hit.other.learned ?? null, via: hit.other.port };
  }

  /** Both sides known: ready for the kernel rules. */
  static ready(x: Allocation): boolean {
    return x.a.learned !== undefined && x.b.learned !== undefined;
  }

  /** Kernel counters of an allocation (packets/bytes since its rules were last written). */
  count(id: number, packets: number, bytes: number, now: number): void {
    const x = this.allocs.get(id);
    if (!x) return;
    const total = x.base.packets + packets;
    if (total !== x.packets) x.lastActiveAt = now;
    x.packets = total;
    x.bytes = x.base.bytes + bytes;
  }

  /** The kernel counters start from zero again (the table is being rewritten). */
  rebase(): void {
    for (const x of this.allocs.values()) x.base = { packets: x.packets, bytes: x.bytes };
  }

  /** Remove allocations idle for `idleMs`; returns them (their rules and sockets go). */
  expire(now: number): Allocation[] {
    const gone = this.list().filter((x) => now - x.lastActiveAt >= this.limits.idleMs);
    for (const x of gone) this.allocs.delete(x.id);
    return gone;
  }

  /** Drop every allocation involving `key` (the member was removed). */
  dropMember(key: string): Allocation[] {
    const gone = this.list().filter((x) => x.a.key === key || x.b.key === key);
    for (const x of gone) this.allocs.delete(x.id);
    return gone;
  }
}
