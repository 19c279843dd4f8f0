import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { crc32 } from "../../src/lib/crc32.ts";
import { encodeStun, isStun, parseStun, type StunMessageInit } from "../../src/stun/stun_codec.ts";
import * as C from "../../src/stun/stun_constants.ts";
import { loadVector, vectorNames } from "./vectors.ts";

const tid = fromHex("0102030405060708090a0b0c");

function roundTrip(init: StunMessageInit) {
  const bytes = encodeStun(init);
  expect(isStun(bytes)).toBe(init.transactionId.length === 12);
  const msg = parseStun(bytes, { classic: true })!;
  expect(toHex(encodeStun({ ...init, ...msg, extra: [], fingerprint: msg.fingerprint }))).toBe(
    toHex(bytes),
  );
  return msg;
}

describe("crc32", () => {
  test("check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("encode/parse round trip", () => {
  test("plain binding request", () => {
    const bytes = encodeStun({ class: "request", transactionId: tid });
    expect(toHex(bytes)).toBe("000100002112a442" + "0102030405060708090a0b0c");
    expect(parseStun(bytes)).toMatchObject({
      method: 1,
      class: "request",
      classic: false,
      attributes: [],
    });
  });
  test("success with every address attribute, IPv4 and IPv6", () => {
    const m = roundTrip({
      class: "success",
      transactionId: tid,
      xorMappedAddress: { host: "203.0.113.7", port: 40000 },
      mappedAddress: { host: "2001:db8::1", port: 1 },
      responseOrigin: { host: "198.51.100.1", port: 3478 },
      otherAddress: { host: "2001:db8:ffff::2", port: 3479 },
      software: "punch 0.1",
      fingerprint: true,
    });
    expect(m.xorMappedAddress).toEqual({ host: "203.0.113.7", port: 40000 });
    expect(m.mappedAddress).toEqual({ host: "2001:db8::1", port: 1 });
    expect(m.otherAddress).toEqual({ host: "2001:db8:ffff::2", port: 3479 });
    expect(m.software).toBe("punch 0.1");
    expect(m.fingerprint).toBe(true);
  });
  test("XOR-MAPPED-ADDRESS IPv6 uses cookie and transaction id", () => {
    const m = roundTrip({
      class: "success",
      transactionId: tid,
      xorMappedAddress: { host: "2001:db8::42", port: 65535 },
    });
    expect(m.xorMappedAddress).toEqual({ host: "2001:db8::42", port: 65535 });
    // The raw value must differ from the plain encoding (it is XORed).
    expect(toHex(m.attributes[0]!.value)).not.toContain("20010db8");
  });
  test("error response with UNKNOWN-ATTRIBUTES", () => {
    const m = roundTrip({
      class: "error",
      transactionId: tid,
      error: { code: 420, reason: "Unknown attribute" },
      unknownAttributes: [0x7f00, 0x0002],
    });
    expect(m.error).toEqual({ code: 420, reason: "Unknown attribute" });
    expect(m.unknownAttributes).toEqual([0x7f00, 0x0002]);
  });
  test("CHANGE-REQUEST flags and RESPONSE-PORT", () => {
    const m = roundTrip({
      class: "request",
      transactionId: tid,
      changeRequest: { changeIp: true, changePort: false },
      responsePort: 5000,
    });
    expect(m.changeRequest).toEqual({ changeIp: true, changePort: false });
    expect(m.responsePort).toBe(5000);
  });
  test("classic RFC 3489 message has a 16-byte id and no cookie", () => {
    const t16 = fromHex("00112233445566778899aabbccddeeff");
    const m = roundTrip({
      class: "success",
      transactionId: t16,
      mappedAddress: { host: "192.0.2.1", port: 9 },
      sourceAddress: { host: "192.0.2.2", port: 3478 },
      changedAddress: { host: "192.0.2.3", port: 3479 },
    });
    expect(m.classic).toBe(true);
    expect(m.changedAddress).toEqual({ host: "192.0.2.3", port: 3479 });
    expect(parseStun(encodeStun({ class: "request", transactionId: t16 }))).toBeNull();
  });
  test("method bits interleave with class bits", () => {
    const b = encodeStun({ method: 0xfff, class: "error", transactionId: tid });
    expect(toHex(b.subarray(0, 2))).toBe("3fff");
    expect(parseStun(b)).toMatchObject({ method: 0xfff, class: "error" });
    expect(parseStun(encodeStun({ class: "indication", transactionId: tid }))?.class).toBe(
      "indication",
    );
  });
  test("encoder refuses bad input with RangeError", () => {
    expect(() => encodeStun({ class: "request", transactionId: new Uint8Array(5) })).toThrow(
      RangeError,
    );
    expect(() =>
      encodeStun({
        class: "success",
        transactionId: tid,
        xorMappedAddress: { host: "nope", port: 1 },
      })
    ).toThrow(RangeError);
    expect(() =>
      encodeStun({ class: "error", transactionId: tid, error: { code: 200, reason: "" } })
    ).toThrow(RangeError);
  });
});

describe("isStun and the three parse outcomes", () => {
  const good = encodeStun({
    class: "request",
    transactionId: tid,
    software: "x",
    fingerprint: true,
  });
  test("not STUN is null", () => {
    expect(isStun(new Uint8Array([0x80, 1, 2]))).toBe(false);
    expect(parseStun(new Uint8Array([0x80, 1, 2]))).toBeNull();
    const noCookie = good.slice();
    noCookie[4] = 0;
    expect(isStun(noCookie)).toBe(false);
    expect(parseStun(noCookie)).toBeNull();
    // WireGuard handshake initiation starts with type 1 little-endian: 01 00 00 00.
    expect(parseStun(fromHex("01000000" + "00".repeat(144)))).toBeNull();
  });
  test("truncated is RangeError", () => {
    for (const n of [1, 7, 19, good.length - 4]) {
      expect(() => parseStun(good.subarray(0, n))).toThrow(RangeError);
    }
  });
  test("malformed is ParseError", () => {
    const badLen = good.slice();
    badLen[3] = 6;
    expect(() => parseStun(badLen)).toThrow(ParseError);
    const badFp = good.slice();
    badFp[badFp.length - 1]! ^= 1;
    expect(() => parseStun(badFp)).toThrow(ParseError);
    const trailing = new Uint8Array([...good, 0, 0, 0, 0]);
    expect(() => parseStun(trailing)).toThrow(ParseError);
    const badFamily = encodeStun({
      class: "success",
      transactionId: tid,
      extra: [{ type: C.ATTR_MAPPED_ADDRESS, value: fromHex("0003000001020304") }],
    });
    expect(() => parseStun(badFamily)).toThrow(ParseError);
    const afterFp = encodeStun({ class: "request", transactionId: tid, fingerprint: true });
    const extended = encodeStun({
      class: "request",
      transactionId: tid,
      extra: [{ type: C.ATTR_FINGERPRINT, value: afterFp.subarray(-4) }, {
        type: C.ATTR_SOFTWARE,
        value: new Uint8Array(1),
      }],
    });
    expect(() => parseStun(extended)).toThrow(ParseError);
  });
});

describe("captured vectors", () => {
  test("every vector parses", () => {
    const names = vectorNames();
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) {
      expect(parseStun(loadVector(n).bytes, { classic: true }), n).not.toBeNull();
    }
  });
  test("coturn Binding response, IPv4, with FINGERPRINT", () => {
    const v = loadVector("coturn-binding-v4");
    const m = parseStun(v.bytes)!;
    expect(isStun(v.bytes)).toBe(true);
    expect(m.class).toBe("success");
    expect(m.fingerprint).toBe(true);
    expect(m.xorMappedAddress).toEqual(v.to);
    expect(m.mappedAddress).toEqual(v.to);
    expect(m.responseOrigin).toEqual({ host: "127.77.0.1", port: 3478 });
    expect(m.otherAddress).toEqual({ host: "127.77.0.2", port: 3479 });
    expect(m.software).toMatch(/^Coturn/);
  });
  test("coturn answers without FINGERPRINT when the request had none", () => {
    expect(parseStun(loadVector("coturn-binding-v4-nofp").bytes)!.fingerprint).toBe(false);
  });
  test("coturn Binding response, IPv6", () => {
    const v = loadVector("coturn-binding-v6");
    const m = parseStun(v.bytes)!;
    expect(m.xorMappedAddress).toEqual(v.to);
    expect(m.xorMappedAddress?.host).toBe("::1");
  });
  test("coturn CHANGE-REQUEST responses come from the other address/port", () => {
    const both = loadVector("coturn-change-ip-port");
    expect(both.from).toEqual({ host: "127.77.0.2", port: 3479 });
    expect(parseStun(both.bytes)!.responseOrigin).toEqual(both.from);
    const port = loadVector("coturn-change-port");
    expect(parseStun(port.bytes)!.responseOrigin).toEqual({ host: "127.77.0.1", port: 3479 });
  });
  test("coturn errors: 420 for unknown attribute and for CHANGE-REQUEST without RFC 5780", () => {
    const u = parseStun(loadVector("coturn-unknown-attribute").bytes)!;
    expect(u.class).toBe("error");
    expect(u.error?.code).toBe(420);
    expect(u.unknownAttributes).toContain(0x7f00);
    const n = parseStun(loadVector("coturn-no5780-change-request").bytes)!;
    expect(n.error?.code).toBe(420);
    expect(n.error?.reason).toMatch(/5780/);
  });
  test("Debian stun client sends classic RFC 3489 requests with CHANGE-REQUEST", () => {
    const flags = [1, 2, 3].map((i) => {
      const v = loadVector(`stunclient-request-${i}`);
      expect(isStun(v.bytes)).toBe(false);
      expect(parseStun(v.bytes)).toBeNull();
      const m = parseStun(v.bytes, { classic: true })!;
      expect(m).toMatchObject({ class: "request", method: 1, classic: true });
      expect(m.transactionId.length).toBe(16);
      return m.changeRequest;
    });
    expect(flags).toEqual([
      { changeIp: false, changePort: false },
      { changeIp: true, changePort: false },
      { changeIp: false, changePort: true },
    ]);
  });
});
