import { describe, expect, test } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/lib/base64.ts";
import { ParseError } from "../../src/lib/errors.ts";
import {
  createInvite,
  decodeInvite,
  INVITE_PREFIX,
  type InviteContent,
  parseInvite,
} from "../../src/peer/invite_token.ts";
import { PeerError } from "../../src/peer/peer_error.ts";
import { flip, makeRouter, NOW, outcome, seededRandom } from "./fixtures.ts";

const A = makeRouter("alpha");

function content(extra: Partial<InviteContent> = {}): Omit<InviteContent, "expiresAt"> {
  return {
    wgPublicKey: A.wg,
    signPublicKey: A.sign,
    name: "alpha",
    controlPort: 51821,
    endpoints: ["203.0.113.7:51820"],
    tunnelAddresses: ["10.77.0.1/16"],
    lanSubnets: ["192.168.1.0/24"],
    ...extra,
  };
}

describe("invite token", () => {
  test("round trip keeps every field and derives the id from the secret", () => {
    const inv = createInvite(content(), NOW, seededRandom("t1"), 3600_000);
    const back = parseInvite(inv.token, NOW);
    expect(back).toEqual(inv);
    expect(back.expiresAt).toBe(NOW + 3600_000);
    expect(back.id).toMatch(/^[0-9a-f]{16}$/);
    expect(back.token.startsWith(INVITE_PREFIX)).toBe(true);
  });

  test("a typical token is well under 200 characters; a full one stays near it", () => {
    const typical = createInvite(content(), NOW, seededRandom("t2"));
    expect(typical.token.length).toBeLessThan(200);
    const full = createInvite(
      content({
        endpoints: ["203.0.113.7:51820", "[2001:db8:1::1]:51820", "home.example.org:51820"],
        tunnelAddresses: ["10.77.0.1/16"],
        lanSubnets: ["192.168.1.0/24", "2001:db8:1:100::/56"],
      }),
      NOW,
      seededRandom("t3"),
    );
    expect(full.token.length).toBeLessThan(240);
    expect(parseInvite(full.token, NOW).endpoints).toEqual([
      "203.0.113.7:51820",
      "[2001:db8:1::1]:51820",
      "home.example.org:51820",
    ]);
  });

  test("normalises addresses: subnet to its network, IPv6 to RFC 5952", () => {
    const inv = createInvite(
      content({ lanSubnets: ["192.168.1.77/24"], endpoints: ["[2001:DB8:0:0::1]:1"] }),
      NOW,
      seededRandom("t4"),
    );
    expect(inv.lanSubnets).toEqual(["192.168.1.0/24"]);
    expect(inv.endpoints).toEqual(["[2001:db8::1]:1"]);
  });

  test("tolerates line breaks and spaces from copy and paste", () => {
    const inv = createInvite(content(), NOW, seededRandom("t5"));
    const wrapped = inv.token.replace(/(.{40})/g, "$1\n  ");
    expect(parseInvite(wrapped, NOW).id).toBe(inv.id);
  });

  test("expired tokens are refused with PeerError expired", () => {
    const inv = createInvite(content(), NOW, seededRandom("t6"), 60_000);
    expect(() => parseInvite(inv.token, NOW + 60_000)).toThrow(PeerError);
    try {
      parseInvite(inv.token, NOW + 61_000);
    } catch (e) {
      expect((e as PeerError).code).toBe("expired");
      expect((e as Error).message).toMatch(/ask "alpha" for a new one/);
    }
  });

  test("changing any single byte of the binary token is detected", () => {
    const inv = createInvite(content(), NOW, seededRandom("t7"));
    const bytes = fromBase64Url(inv.token.slice(INVITE_PREFIX.length));
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [1, 0x80]) {
        const text = INVITE_PREFIX + toBase64Url(flip(bytes, i, bit));
        expect(() => decodeInvite(text), `byte ${i}`).toThrow(/damaged or was altered/);
      }
    }
  });

  test("changing any character of the text is detected", () => {
    const inv = createInvite(content(), NOW, seededRandom("t8"));
    for (let i = 0; i < inv.token.length; i++) {
      const c = inv.token[i]!;
      const alt = c === "A" ? "B" : "A";
      const text = inv.token.slice(0, i) + alt + inv.token.slice(i + 1);
      const r = outcome(() => decodeInvite(text));
      // the last character may carry only padding bits; any real change must be refused
      if (r === "ok") {
        expect(decodeInvite(text).token).not.toBe(inv.token), expect(i).toBe(inv.token.length - 1);
      } else expect(["ParseError", "RangeError"]).toContain(r);
    }
  });

  test("truncation at every length throws RangeError or ParseError", () => {
    const inv = createInvite(content(), NOW, seededRandom("t9"));
    for (let n = 0; n < inv.token.length; n++) {
      expect(["RangeError", "ParseError"]).toContain(
        outcome(() => decodeInvite(inv.token.slice(0, n))),
      );
    }
  });

  test("garbled input throws only RangeError or ParseError (bounded fuzz)", () => {
    const rand = seededRandom("fuzz invite");
    const inv = createInvite(content(), NOW, seededRandom("t10"));
    const base = fromBase64Url(inv.token.slice(INVITE_PREFIX.length));
    for (let i = 0; i < 2000; i++) {
      const r = rand(4);
      let b: Uint8Array;
      if (i % 2 === 0) b = rand(r[0]! % 200);
      else {
        b = base.slice(0, (r[0]! % base.length) + 1);
        b[r[1]! % b.length] = r[2]!;
      }
      const res = outcome(() => decodeInvite(INVITE_PREFIX + toBase64Url(b)));
      expect(["RangeError", "ParseError"]).toContain(res);
    }
    for (
      const junk of ["", "punch1", "punch1-", "punch1-!!!!", "hello", "punch2-AAAA", "punch1-A"]
    ) {
      expect(["RangeError", "ParseError"]).toContain(outcome(() => decodeInvite(junk)));
    }
  });

  test("a reply token given to join gets a pointed message", () => {
    expect(() => decodeInvite("punch1r-AAAA")).toThrow(/reply token.*punchctl accept/);
    expect(() => decodeInvite("punch1r-AAAA")).toThrow(ParseError);
  });

  test("bad input to the encoder is a clear UsageError", () => {
    expect(() => createInvite(content({ endpoints: ["nope"] }), NOW, seededRandom("x"))).toThrow(
      /Cannot encode endpoint "nope"/,
    );
    expect(() => createInvite(content({ lanSubnets: ["1.2.3.4/40"] }), NOW, seededRandom("x")))
      .toThrow(/Cannot encode subnet/);
    expect(() => createInvite(content({ name: "x".repeat(64) }), NOW, seededRandom("x"))).toThrow(
      /longer than 63/,
    );
  });
});
