import { expect, test } from "vitest";
import { formatAge, formatBytes, formatStatus } from "../../src/cli/format.ts";

test("status text names the interface, peers, LAN hosts and warnings", () => {
  const text = formatStatus({
    name: "home",
    interface: "wg0",
    publicKey: "k=",
    listenPort: 51820,
    addresses: ["10.77.0.1/16"],
    wan: { address: "198.51.100.7", device: "eth1" },
    peers: [{
      name: "cabin",
      publicKey: "p=",
      allowedIps: ["10.77.0.2/32"],
      handshakeAgeSec: 4,
      rxBytes: 2048,
      txBytes: 10,
      state: "connected",
      path: "direct",
      pathWhy: "Directly to the peer's public endpoint",
      pathSince: Date.UTC(2026, 11, 4, 12),
    }],
    warnings: ["something to fix"],
    netcheck: {
      verdict: "nat",
      advice: "Direct tunnels will work",
      publicV4: { host: "203.0.113.5", port: 51820 },
    },
    lanHosts: [{
      name: "nas",
      host: "192.168.1.10",
      port: 51820,
      publicEndpoint: "203.0.113.5:51821",
      remotes: [],
    }],
  });
  expect(text).toContain("interface:   wg0 (router home)");
  expect(text).toMatch(/cabin\s+connected\s+direct\s+-\s+4 s ago\s+2\.0 KiB\s+10 B/);
  expect(text).toContain(
    "path to cabin: direct (since 2026-12-04T12:00:00.000Z) — Directly to the peer's public endpoint",
  );
  expect(text).toContain("netcheck:    nat 203.0.113.5:51820");
  expect(text).toContain(
    "lan host nas: 192.168.1.10:51820 reachable at 203.0.113.5:51821, no pinholes yet (punchctl lan list says why)",
  );
  expect(text).toContain("warning: something to fix");
});

test("sizes and ages", () => {
  expect(formatBytes(0)).toBe("0 B");
  expect(formatBytes(1536)).toBe("1.5 KiB");
  expect(formatAge(undefined)).toBe("never");
  expect(formatAge(300)).toBe("5 min ago");
  expect(formatAge(10_000)).toBe("2 h ago");
});
