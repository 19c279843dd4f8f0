import { expect, test } from "vitest";
import { assessV6, globalV6 } from "../../src/nat/ipv6_check.ts";

test("globalV6 keeps 2000::/3 only, normalised, without prefix", () => {
  expect(
    globalV6([
      "fe80::1/64",
      "2001:DB8:0:0::5/64",
      "fd00::1",
      "::1",
      "10.0.0.1",
      "junk",
      "2a00:1::1",
    ]),
  )
    .toEqual(["2001:db8::5", "2a00:1::1"]);
});

test("assessV6: open, filtered, unknown; NAT66 noticed", () => {
  const wanV6 = ["2001:db8::5/64"];
  const mapped = { host: "2001:db8::5", port: 40000 };
  const from = { host: "2001:db8:ffff::3", port: 3479 };
  expect(assessV6({ wanV6, mapped, changeBoth: { kind: "answered", mapped, from } }).inbound).toBe(
    "open",
  );
  const f = assessV6({ wanV6, mapped, changeBoth: { kind: "silent" } });
  expect(f.inbound).toBe("filtered");
  expect(f.notes.join()).toMatch(/dropped/);
  expect(assessV6({ wanV6, mapped }).inbound).toBe("unknown");
  expect(assessV6({ wanV6, mapped: { host: "2001:db8:1::9", port: 1 } }).notes.join()).toMatch(
    /NAT66/,
  );
  expect(assessV6({ wanV6 }).notes.join()).toMatch(/No IPv6 STUN server answered/);
  // Listening on a port the router admits: a drop is upstream's doing.
  const up = assessV6({ wanV6, mapped, changeBoth: { kind: "silent" }, inboundPort: 51821 });
  expect(up.notes.join()).toMatch(/port 51821, which this router's firewall admits, is dropped/);
});
