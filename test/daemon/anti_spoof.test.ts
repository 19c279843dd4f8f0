import { describe, expect, test } from "vitest";
import { antiSpoofNft, spoofPrefixes } from "../../src/daemon/anti_spoof.ts";
import { tunnelInputRules } from "../../src/platform/linux/firewall_linux.ts";

describe("anti-spoofing on the WAN", () => {
  test("prefixes are normalized per family; default routes and junk are left out", () => {
    expect(
      spoofPrefixes([
        "10.77.0.5/16",
        "10.77.0.9/32",
        "0.0.0.0/0",
        "::/0",
        "fd00:77::1/64",
        "192.168.2.0/24",
        "bogus",
      ]),
    ).toEqual({
      v4: ["10.77.0.0/16", "10.77.0.9/32", "192.168.2.0/24"],
      v6: ["fd00:77::/64"],
    });
  });

  test("never a public prefix (exit peer) nor one holding a WAN address", () => {
    expect(
      spoofPrefixes(["0.0.0.0/1", "128.0.0.0/1", "8.8.8.0/24", "2001:db8::/32", "10.0.0.0/8"], [
        "10.1.2.3",
      ]),
    ).toEqual({ v4: [], v6: [] });
    expect(spoofPrefixes(["10.77.0.0/16"], ["10.1.2.3"]).v4).toEqual(["10.77.0.0/16"]);
  });

  test("drops tunnel and LAN sources arriving on the WAN device only", () => {
    const t = antiSpoofNft("eth1", ["10.77.0.1/16", "192.168.1.1/24"])!;
    expect(t).toContain("elements = { 10.77.0.0/16, 192.168.1.0/24 }");
    expect(t).toContain('iifname "eth1" ip saddr @tunnel4 counter drop');
    expect(t).toContain("auto-merge");
    expect(antiSpoofNft(undefined, ["10.77.0.1/16"])).toBeNull();
    expect(antiSpoofNft("eth1", [])).toBeNull();
  });
});

describe("tunnel input policy (plain Linux)", () => {
  test("accept: everything; restricted: replies, ping and the control port, the rest refused", () => {
    expect(tunnelInputRules('"wg0"', { input: "accept", controlPort: 51821 })).toEqual([
      'iifname "wg0" counter accept',
    ]);
    const r = tunnelInputRules('"wg0"', { input: "restricted", controlPort: 51821 });
    expect(r).toContain('iifname "wg0" udp dport 51821 counter accept');
    expect(r).toContain('iifname "wg0" meta l4proto { icmp, ipv6-icmp } counter accept');
    expect(r.at(-1)).toBe('iifname "wg0" counter reject');
    expect(r.some((x) =>
      x.endsWith("counter accept") && !x.includes("dport") &&
      !x.includes("icmp") && !x.includes("ct state")
    )).toBe(false);
  });
});
