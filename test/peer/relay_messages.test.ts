import { describe, expect, test } from "vitest";
import {
  decodeRelayMessage,
  encodeRelayMessage,
  MAX_RELAY_MESSAGE,
  type RelayMessage,
} from "../../src/peer/relay_messages.ts";
import { ParseError, UsageError } from "../../src/lib/errors.ts";

const A = "urJ+pyK7ui0JFJ9VMsJcFVjyUgKxr0pxjqXTbfZFaTQ=";
const B = "yv+scBrmoxvgFpWUeSz+gD6uu8xJpcmTf6i4ifj651k=";

describe("relay messages", () => {
  const cases: RelayMessage[] = [
    { kind: "allocate", id: 1, requester: A, other: B },
    { kind: "grant", id: 0xffffffff, peer: B, endpoint: "203.0.113.30:51830" },
    { kind: "grant", id: 7, peer: A, endpoint: "[2001:db8::1]:51831" },
    { kind: "refuse", id: 9, peer: B, reason: "limit" },
    { kind: "refuse", id: 9, peer: B, reason: "disabled" },
    { kind: "direct", id: 3, peer: A, phase: "request" },
    { kind: "direct", id: 4, peer: B, phase: "failed" },
    { kind: "direct", id: 0xffffffff, peer: A, phase: "probe" },
    { kind: "probe", id: 7, from: B },
  ];
  for (const m of cases) {
    test(`round trip: ${m.kind} ${JSON.stringify(m).slice(0, 40)}`, () => {
      const bytes = encodeRelayMessage(m);
      expect(bytes.length).toBeLessThanOrEqual(MAX_RELAY_MESSAGE);
      expect(String.fromCharCode(bytes[0]!, bytes[1]!)).toBe("PR");
      expect(decodeRelayMessage(bytes)).toEqual(m);
    });
  }

  test("other traffic on the port is not for us (null)", () => {
    expect(decodeRelayMessage(new Uint8Array([0x50, 0x42, 1, 0]))).toBeNull();
    expect(decodeRelayMessage(new Uint8Array([0x50]))).toBeNull();
    expect(decodeRelayMessage(new Uint8Array())).toBeNull();
  });

  test("every truncation is a RangeError", () => {
    const full = encodeRelayMessage(cases[1]!);
    for (let n = 2; n < full.length; n++) {
      expect(() => decodeRelayMessage(full.slice(0, n)), `length ${n}`).toThrow(RangeError);
    }
  });

  test("malformed input is a ParseError naming what is wrong", () => {
    const ok = encodeRelayMessage(cases[0]!);
    const v2 = ok.slice();
    v2[2] = 2;
    expect(() => decodeRelayMessage(v2)).toThrow(/version 2 is not supported/);
    const type = ok.slice();
    type[3] = 9;
    expect(() => decodeRelayMessage(type)).toThrow(ParseError);
    expect(() => decodeRelayMessage(new Uint8Array([...ok, 0]))).toThrow(/unexpected bytes/);
    const refuse = encodeRelayMessage(cases[3]!);
    refuse[refuse.length - 1] = 200;
    expect(() => decodeRelayMessage(refuse)).toThrow(/unknown reason 200/);
    const direct = encodeRelayMessage({ kind: "direct", id: 1, peer: A, phase: "ok" });
    direct[direct.length - 1] = 6;
    expect(() => decodeRelayMessage(direct)).toThrow(/unknown phase 6/);
    const big = new Uint8Array(MAX_RELAY_MESSAGE + 1);
    big.set([0x50, 0x52, 1, 1]);
    expect(() => decodeRelayMessage(big)).toThrow(/too large/);
  });

  test("encoding refuses a bad key or id (UsageError)", () => {
    expect(() => encodeRelayMessage({ kind: "allocate", id: 1, requester: "x", other: B }))
      .toThrow(UsageError);
    expect(() => encodeRelayMessage({ kind: "allocate", id: -1, requester: A, other: B }))
      .toThrow(/not a u32/);
  });
});
