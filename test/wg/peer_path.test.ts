import { describe, expect, test } from "vitest";
import { PathTracker, peerPath } from "../../src/wg/peer_path.ts";

describe("peer path", () => {
  test("from the endpoint WireGuard last heard: same LAN, IPv6, direct, relayed", () => {
    const c = (liveEndpoint: string, relays?: Map<string, string>) =>
      peerPath({ state: "connected", liveEndpoint, ...(relays ? { relays } : {}) }).path;
    expect(c("192.168.1.20:51820")).toBe("same-lan");
    expect(c("10.0.4.2:51820")).toBe("same-lan");
    expect(c("[2001:db8::20]:51820")).toBe("ipv6");
    expect(c("203.0.113.20:51820")).toBe("direct");
    expect(c("100.64.0.9:4000")).toBe("direct"); // a carrier's shared address is no LAN
    expect(c("203.0.113.30:40001", new Map([["203.0.113.30:40001", "c"]]))).toBe("relayed");
  });

  test("no path: plain words and what would fix it", () => {
    const never = peerPath({ state: "never", verdict: "cgnat" });
    expect(never.path).toBe("none");
    expect(never.why).toMatch(/this router: cgnat/);
    expect(never.why).toMatch(/public address .*IPv6 on both sides.*bridge mode/);
    expect(peerPath({ state: "stale", handshakeAgeSec: 600 }).why).toMatch(/for 10 min/);
    expect(peerPath({ state: "disabled" }).path).toBe("none");
  });

  test("no path after asking the members for a relay: says who refused and why", () => {
    const p = peerPath({
      state: "never",
      verdict: "symmetric",
      relayNote:
        `no member router could relay ("c" refused: relaying is off there (option relay '0'))`,
    });
    expect(p.path).toBe("none");
    expect(p.why).toMatch(
      /^No handshake yet: no direct path \(this router: symmetric\), and no member/,
    );
    expect(p.why).toContain("a member router with a public address");
  });

  test("since when: kept while the path stays, reset when it changes, forgotten with the peer", () => {
    const t = new PathTracker();
    expect(t.since("k", "none", 1000)).toBe(1000);
    expect(t.since("k", "direct", 2000)).toBe(2000);
    expect(t.since("k", "direct", 9000)).toBe(2000);
    t.keepOnly(new Set());
    expect(t.since("k", "direct", 9500)).toBe(9500);
  });
});
