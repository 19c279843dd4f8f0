import { describe, expect, test } from "vitest";
import { type Mapping, renderRules, ruleTag } from "../../src/assist/rules.ts";

const m: Mapping = {
  name: "nas",
  lanAddress: "192.168.1.10",
  lanPort: 51820,
  remoteAddress: "203.0.113.20",
  remotePort: 51821,
  wanAddress: "203.0.113.10",
  publicPort: 51822,
};

describe("renderRules", () => {
  test("scoped pinhole, forward accept and port-preserving SNAT", () => {
    const rules = renderRules(m);
    expect(rules.map((r) => r.chain)).toEqual(["dstnat", "forward", "srcnat"]);
    expect(rules[0]!.text).toBe(
      "ip saddr 203.0.113.20 ip daddr 203.0.113.10 udp sport 51821 udp dport 51822 " +
        'dnat ip to 192.168.1.10:51820 comment "punch dstnat 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51822"',
    );
    expect(rules[1]!.text).toBe(
      "ip saddr 203.0.113.20 ip daddr 192.168.1.10 udp sport 51821 udp dport 51820 " +
        'ct status dnat accept comment "punch forward 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51822"',
    );
    expect(rules[2]!.text).toBe(
      "ip saddr 192.168.1.10 ip daddr 203.0.113.20 udp sport 51820 udp dport 51821 " +
        'snat ip to 203.0.113.10:51822 comment "punch srcnat 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51822"',
    );
  });
  test("every rule names the remote address and port (never wider)", () => {
    for (const r of renderRules(m)) {
      expect(r.text).toContain("203.0.113.20");
      expect(r.text).toContain("51821");
    }
  });
  test("tag changes with every parameter", () => {
    const tags = new Set([
      ruleTag("dstnat", m),
      ruleTag("dstnat", { ...m, remotePort: 1 }),
      ruleTag("dstnat", { ...m, wanAddress: "198.51.100.1" }),
      ruleTag("dstnat", { ...m, publicPort: 2 }),
      ruleTag("dstnat", { ...m, lanAddress: "192.168.1.11" }),
    ]);
    expect(tags.size).toBe(5);
    expect(ruleTag("dstnat", { ...m, name: "other" })).toBe(ruleTag("dstnat", m));
  });
  test("rejects what could break the rule text", () => {
    expect(() => renderRules({ ...m, remoteAddress: "1.2.3.4 accept" })).toThrow(/not IPv4/);
    expect(() => renderRules({ ...m, remoteAddress: "2001:db8::1" })).toThrow(/not IPv4/);
    expect(() => renderRules({ ...m, publicPort: 70000 })).toThrow(/public port "70000"/);
  });
});
