import { describe, expect, test } from "vitest";
import type { Allocation } from "../../src/wg/relay_alloc.ts";
import {
  DIRECT_DEAD_MS,
  directDied,
  RELAY_AFTER_MS,
  relayDead,
  wantsRelay,
} from "../../src/wg/relay_decide.ts";
import {
  parseRelayCounters,
  RELAY_RATE_PPS,
  relayFirewall,
  relayTableScript,
} from "../../src/wg/relay_rules.ts";

function alloc(id: number, kernel: boolean, learned = true): Allocation {
  return {
    id,
    a: {
      key: "A",
      port: 51830,
      ...(learned ? { learned: { host: "198.51.100.1", port: 1111 } } : {}),
    },
    b: {
      key: "B",
      port: 51831,
      ...(learned ? { learned: { host: "198.51.100.2", port: 2222 } } : {}),
    },
    createdAt: 0,
    lastActiveAt: 0,
    kernel,
    packets: 0,
    bytes: 0,
    base: { packets: 0, bytes: 0 },
  };
}

describe("relay nft rules", () => {
  test("DNAT, SNAT, rate limit and counters for a learned pair", () => {
    const s = relayTableScript("203.0.113.30", [alloc(7, true)]);
    expect(s).toBe(
      [
        "table ip punch_relay {}",
        "delete table ip punch_relay",
        "table ip punch_relay {",
        "  chain prerouting {",
        "    type nat hook prerouting priority dstnat - 5; policy accept;",
        "    ip saddr 198.51.100.1 udp sport 1111 udp dport 51830 dnat to 198.51.100.2:2222",
        "    ip saddr 198.51.100.2 udp sport 2222 udp dport 51831 dnat to 198.51.100.1:1111",
        "  }",
        "  chain postrouting {",
        "    type nat hook postrouting priority srcnat - 5; policy accept;",
        "    ip daddr 198.51.100.2 udp dport 2222 ct original proto-dst 51830 snat to 203.0.113.30:51831",
        "    ip daddr 198.51.100.1 udp dport 1111 ct original proto-dst 51831 snat to 203.0.113.30:51830",
        "  }",
        "  chain forward {",
        "    type filter hook forward priority filter - 5; policy accept;",
        `    ip saddr 198.51.100.1 udp sport 1111 ip daddr 198.51.100.2 udp dport 2222 limit rate over ${RELAY_RATE_PPS}/second burst 10000 packets counter drop comment "relay 7 over limit"`,
        `    ip saddr 198.51.100.1 udp sport 1111 ip daddr 198.51.100.2 udp dport 2222 counter comment "relay 7"`,
        `    ip saddr 198.51.100.2 udp sport 2222 ip daddr 198.51.100.1 udp dport 1111 limit rate over ${RELAY_RATE_PPS}/second burst 10000 packets counter drop comment "relay 7 over limit"`,
        `    ip saddr 198.51.100.2 udp sport 2222 ip daddr 198.51.100.1 udp dport 1111 counter comment "relay 7"`,
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("an allocation still learning has no kernel rules, only WAN input to its ports", () => {
    const s = relayTableScript("203.0.113.30", [alloc(1, false, false)]);
    expect(s).not.toContain("dnat");
    expect(relayFirewall([alloc(1, false, false)])).toEqual({
      input: ["udp dport { 51830, 51831 } counter accept"],
      forward: [],
    });
    expect(relayFirewall([alloc(1, true)])).toEqual({
      input: [],
      forward: [
        "ip saddr 198.51.100.1 udp sport 1111 ip daddr 198.51.100.2 udp dport 2222 counter accept",
        "ip saddr 198.51.100.2 udp sport 2222 ip daddr 198.51.100.1 udp dport 1111 counter accept",
      ],
    });
    expect(relayFirewall([])).toEqual({ input: [], forward: [] });
  });

  test("counters per allocation from the nft listing (drops are not counted)", () => {
    const listing = `
table ip punch_relay {
	chain forward {
		ip saddr 198.51.100.1 udp sport 1111 ip daddr 198.51.100.2 udp dport 2222 limit rate over 100000/second burst 10000 packets counter packets 3 bytes 300 drop comment "relay 7 over limit"
		ip saddr 198.51.100.1 udp sport 1111 ip daddr 198.51.100.2 udp dport 2222 counter packets 10 bytes 1480 comment "relay 7"
		ip saddr 198.51.100.2 udp sport 2222 ip daddr 198.51.100.1 udp dport 1111 counter packets 12 bytes 1600 comment "relay 7"
		ip saddr 198.51.100.3 udp sport 1 ip daddr 198.51.100.4 udp dport 2 counter packets 0 bytes 0 comment "relay 8"
	}
}`;
    expect([...parseRelayCounters(listing)]).toEqual([
      [7, { packets: 22, bytes: 3080 }],
      [8, { packets: 0, bytes: 0 }],
    ]);
  });
});

describe("when to relay", () => {
  const A = "AAAA", B = "BBBB"; // A wins the tie with B
  const base = { key: B, endpointSince: 0, handshakeAt: 0, relayed: false };

  test("only the tie winner asks, once the grace period is over", () => {
    expect(wantsRelay(A, base, RELAY_AFTER_MS - 1)).toBe(false);
    expect(wantsRelay(A, base, RELAY_AFTER_MS)).toBe(true);
    expect(wantsRelay(B, { ...base, key: A }, RELAY_AFTER_MS)).toBe(false);
  });

  test("not without an endpoint, not with a fresh handshake, not twice in a row", () => {
    const now = 100_000;
    expect(wantsRelay(A, { ...base, endpointSince: undefined }, now)).toBe(false);
    expect(wantsRelay(A, { ...base, handshakeAt: now / 1000 - 10 }, now)).toBe(false);
    expect(wantsRelay(A, { ...base, handshakeAt: now / 1000 - 200 }, now)).toBe(true);
    expect(wantsRelay(A, { ...base, relayed: true }, now)).toBe(false);
    expect(wantsRelay(A, { ...base, askedAt: now - 1000 }, now)).toBe(false);
    expect(wantsRelay(A, { ...base, askedAt: now - 30_000 }, now)).toBe(true);
  });

  test("no grace period when the cards' NAT hints rule out a direct path", () => {
    expect(wantsRelay(A, { ...base, hopeless: true }, 0)).toBe(true);
    expect(wantsRelay(B, { ...base, key: A, hopeless: true }, 0)).toBe(false);
    expect(wantsRelay(A, { ...base, hopeless: true, relayed: true }, 0)).toBe(false);
    expect(wantsRelay(A, { ...base, hopeless: true, endpointSince: undefined }, 0)).toBe(false);
  });

  test("a direct path that died after a relay: ask at once, even with a fresh handshake", () => {
    const now = 100_000;
    const fresh = { ...base, handshakeAt: now / 1000 - 10, endpointSince: now - 1 };
    expect(wantsRelay(A, fresh, now)).toBe(false);
    expect(wantsRelay(A, { ...fresh, fellBack: true }, now)).toBe(true);
    expect(wantsRelay(B, { ...fresh, key: A, fellBack: true }, now)).toBe(false);
    expect(wantsRelay(A, { ...fresh, fellBack: true, askedAt: now - 1000 }, now)).toBe(false);
    expect(directDied(now - DIRECT_DEAD_MS + 1, now)).toBe(false);
    expect(directDied(now - DIRECT_DEAD_MS, now)).toBe(true);
  });

  test("a relay without handshakes is given up after a while", () => {
    expect(relayDead(0, 0, 10_000)).toBe(false);
    expect(relayDead(0, 0, 40_000)).toBe(true);
    expect(relayDead(35, 0, 40_000)).toBe(false);
  });
});

describe("asking again", () => {
  test("30 s, doubling after each round that found no relay, at most 10 min", async () => {
    const { askAgainAfter } = await import("../../src/wg/relay_decide.ts");
    expect([0, 1, 2, 3, 4, 5, 50].map(askAgainAfter)).toEqual([
      30_000,
      60_000,
      120_000,
      240_000,
      480_000,
      600_000,
      600_000,
    ]);
    expect(wantsRelay("AAAA", {
      key: "BBBB",
      endpointSince: 0,
      handshakeAt: 0,
      relayed: false,
      askedAt: 0,
      againMs: 60_000,
    }, 59_000)).toBe(false);
  });
});

describe("trying direct while relayed", () => {
  test("only the winner, only after a change, at most every 20 s, one at a time", async () => {
    const { directTryDue, UPGRADE_EVERY_MS } = await import("../../src/wg/relay_decide.ts");
    const base = { winner: true, triggered: true, lastTryAt: 0, running: false };
    expect(directTryDue(base, UPGRADE_EVERY_MS)).toBe(true);
    expect(directTryDue(base, UPGRADE_EVERY_MS - 1)).toBe(false);
    expect(directTryDue({ ...base, winner: false }, UPGRADE_EVERY_MS)).toBe(false);
    expect(directTryDue({ ...base, triggered: false }, UPGRADE_EVERY_MS)).toBe(false);
    expect(directTryDue({ ...base, running: true }, UPGRADE_EVERY_MS)).toBe(false);
    expect(directTryDue({ ...base, lastTryAt: undefined }, 0)).toBe(true);
  });

  test("a probe round every 10 s while relayed", async () => {
    const { probeDue, PROBE_EVERY_MS } = await import("../../src/wg/relay_decide.ts");
    expect(probeDue(undefined, 0)).toBe(true);
    expect(probeDue(0, PROBE_EVERY_MS - 1)).toBe(false);
    expect(probeDue(0, PROBE_EVERY_MS)).toBe(true);
  });
});
