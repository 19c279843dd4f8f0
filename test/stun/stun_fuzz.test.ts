import { describe, expect, test } from "vitest";
import { ParseError } from "../../src/lib/errors.ts";
import { StunClient } from "../../src/stun/stun_client.ts";
import { encodeStun, isStun, parseStun, type StunClass } from "../../src/stun/stun_codec.ts";
import { StunResponder } from "../../src/stun/stun_server.ts";
import { loadVector, vectorNames } from "./vectors.ts";

/** Deterministic xorshift32 so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

function expectOnlyDocumentedErrors(bytes: Uint8Array): void {
  for (const classic of [false, true]) {
    try {
      parseStun(bytes, { classic });
    } catch (e) {
      if (!(e instanceof RangeError) && !(e instanceof ParseError)) {
        throw new Error(`Unexpected ${String(e)} for ${Array.from(bytes).join(",")}`);
      }
    }
  }
}

const seeds = vectorNames().map((n) => loadVector(n).bytes);

describe("parser fuzzing (bounded)", () => {
  test("random bytes, some with a STUN-looking header", () => {
    const r = rng(0x5354554e);
    for (let i = 0; i < 5000; i++) {
      const b = new Uint8Array(r(200));
      for (let j = 0; j < b.length; j++) b[j] = r(256);
      if (b.length >= 8 && r(2) === 0) {
        b[0]! &= 0x3f;
        b.set([0x21, 0x12, 0xa4, 0x42], 4);
        if (r(2) === 0) {
          const len = (b.length - 20) & ~3;
          b[2] = len >> 8;
          b[3] = len & 255;
        }
      }
      expectOnlyDocumentedErrors(b);
    }
  });
  test("mutated captured vectors: flips, truncations, splices, length edits", () => {
    const r = rng(42);
    let parsed = 0;
    for (let i = 0; i < 20000; i++) {
      const seed = seeds[r(seeds.length)]!;
      let b = seed.slice();
      switch (r(5)) {
        case 0:
          for (let k = 0; k <= r(4); k++) b[r(b.length)]! ^= 1 << r(8);
          break;
        case 1:
          b = b.subarray(0, r(b.length + 1));
          break;
        case 2: {
          const at = 20 + r(Math.max(1, b.length - 20));
          b[at] = r(256);
          b[at + 1 < b.length ? at + 1 : at] = r(256);
          break;
        }
        case 3:
          b[2] = r(256), b[3] = r(256);
          break;
        default: {
          const other = seeds[r(seeds.length)]!;
          b = new Uint8Array([
            ...b.subarray(0, 20 + r(Math.max(1, b.length - 19))),
            ...other.subarray(20 + r(Math.max(1, other.length - 19))),
          ]);
        }
      }
      expectOnlyDocumentedErrors(b);
      try {
        if (parseStun(b)) parsed++;
      } catch { /* counted above */ }
    }
    expect(parsed).toBeGreaterThan(0);
  });
  test("responder and client never throw on garbage", () => {
    const r = rng(7);
    const responder = new StunResponder({
      primary: { host: "192.0.2.1", port: 3478 },
      alternate: { host: "192.0.2.2", port: 3479 },
    });
    const client = new StunClient();
    const peer = { host: "198.51.100.9", port: 4000 }, local = { host: "192.0.2.1", port: 3478 };
    for (let i = 0; i < 5000; i++) {
      const seed = seeds[r(seeds.length)]!;
      const b = seed.slice(0, r(seed.length + 1));
      if (b.length > 0) b[r(b.length)]! ^= 1 << r(8);
      expect(() => responder.handle(b, peer, local)).not.toThrow();
      expect(() => client.receive(b, peer, 0)).not.toThrow();
    }
  });
  test("isStun agrees with parseStun on mutated input", () => {
    const r = rng(99);
    for (let i = 0; i < 5000; i++) {
      const seed = seeds[r(seeds.length)]!;
      const b = seed.slice();
      b[r(b.length)]! ^= 1 << r(8);
      if (!isStun(b)) continue;
      try {
        expect(parseStun(b)).not.toBeNull();
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError); // a cookie and sane length, but a bad attribute
      }
    }
  });
  test("random valid messages round-trip", () => {
    const r = rng(2024);
    const classes: StunClass[] = ["request", "indication", "success", "error"];
    const v4 = () => ({ host: [r(256), r(256), r(256), r(256)].join("."), port: r(65536) });
    const v6 = () => ({
      host: `2001:db8::${r(65536).toString(16)}:${r(65536).toString(16)}`,
      port: r(65536),
    });
    for (let i = 0; i < 1000; i++) {
      const transactionId = Uint8Array.from({ length: 12 }, () => r(256));
      const init = {
        method: 1 + r(0xffe),
        class: classes[r(4)]!,
        transactionId,
        xorMappedAddress: r(2) ? v4() : v6(),
        otherAddress: r(2) ? v4() : v6(),
        software: "x".repeat(r(40)),
        fingerprint: r(2) === 1,
      };
      const bytes = encodeStun(init);
      expect(isStun(bytes)).toBe(true);
      const m = parseStun(bytes)!;
      expect(m).toMatchObject({ method: init.method, class: init.class, software: init.software });
      expect(m.xorMappedAddress).toEqual(init.xorMappedAddress);
      expect(m.otherAddress).toEqual(init.otherAddress);
      expect(m.transactionId).toEqual(transactionId);
    }
  });
});
