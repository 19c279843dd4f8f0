import { describe, expect, test } from "vitest";
import { fromHex } from "../../src/lib/bytes.ts";
import { encodeStun, isStun, parseStun } from "../../src/stun/stun_codec.ts";
import { listenAddresses, StunResponder } from "../../src/stun/stun_server.ts";
import { loadVector } from "./vectors.ts";
import { PAD_SOFTWARE } from "../../src/stun/stun_client_deno.ts";
import { REQUEST_MIN_BYTES } from "../../src/stun/stun_constants.ts";

const A1 = { host: "192.0.2.1", port: 3478 }, A2 = { host: "192.0.2.2", port: 3479 };
const peer = { host: "203.0.113.9", port: 51820 };
const tid = fromHex("aabbccddeeff001122334455");
const req = (fields = {}) => encodeStun({ class: "request", transactionId: tid, ...fields });

describe("StunResponder", () => {
  test("listens on the IP x port product", () => {
    expect(listenAddresses({ primary: A1 })).toEqual([A1]);
    expect(listenAddresses({ primary: A1, alternate: A2 })).toHaveLength(4);
    expect(listenAddresses({ primary: A1, alternate: { host: A1.host, port: 3479 } })).toHaveLength(
      2,
    );
  });
  test("single address: XOR-MAPPED-ADDRESS, RESPONSE-ORIGIN, SOFTWARE, FINGERPRINT, no OTHER-ADDRESS", () => {
    const r = new StunResponder({ primary: A1, software: "punch" }).handle(req(), peer, A1)!;
    expect(r.from).toEqual(A1);
    expect(r.to).toEqual(peer);
    expect(isStun(r.bytes)).toBe(true);
    const m = parseStun(r.bytes)!;
    expect(m).toMatchObject({
      class: "success",
      xorMappedAddress: peer,
      responseOrigin: A1,
      software: "punch",
      fingerprint: true,
    });
    expect(m.otherAddress).toBeUndefined();
    expect(m.transactionId).toEqual(tid);
  });
  test("two addresses: OTHER-ADDRESS and CHANGE-REQUEST pick the answering socket", () => {
    const s = new StunResponder({ primary: A1, alternate: A2 });
    expect(parseStun(s.handle(req(), peer, A1)!.bytes)!.otherAddress).toEqual(A2);
    const cases = [
      [{ changeIp: true, changePort: true }, A2],
      [{ changeIp: true, changePort: false }, { host: A2.host, port: A1.port }],
      [{ changeIp: false, changePort: true }, { host: A1.host, port: A2.port }],
    ] as const;
    for (const [changeRequest, from] of cases) {
      const r = s.handle(req({ changeRequest }), peer, A1)!;
      expect(r.from).toEqual(from);
      expect(parseStun(r.bytes)!.responseOrigin).toEqual(from);
    }
    // Arriving on the alternate socket, "change IP" points back at the primary IP.
    const back = s.handle(req({ changeRequest: { changeIp: true, changePort: false } }), peer, A2)!;
    expect(back.from).toEqual({ host: A1.host, port: A2.port });
  });
  test("CHANGE-REQUEST without an alternate: 420 naming CHANGE-REQUEST", () => {
    const r = new StunResponder({ primary: A1 }).handle(
      req({ changeRequest: { changeIp: true, changePort: false } }),
      peer,
      A1,
    )!;
    const m = parseStun(r.bytes)!;
    expect(m.class).toBe("error");
    expect(m.error?.code).toBe(420);
    expect(m.unknownAttributes).toEqual([0x0003]);
    // All-zero flags ask for nothing and are fine.
    expect(
      parseStun(
        new StunResponder({ primary: A1 }).handle(
          req({ changeRequest: { changeIp: false, changePort: false } }),
          peer,
          A1,
        )!.bytes,
      )!.class,
    ).toBe("success");
  });
  test("unknown comprehension-required attribute: 420; unknown optional: ignored", () => {
    const s = new StunResponder({ primary: A1 });
    const bad = parseStun(
      s.handle(req({ extra: [{ type: 0x0002, value: new Uint8Array(8) }] }), peer, A1)!.bytes,
    )!;
    expect(bad.error?.code).toBe(420);
    expect(bad.unknownAttributes).toEqual([0x0002]);
    const ok = parseStun(
      s.handle(req({ extra: [{ type: 0xc000, value: new Uint8Array(3) }] }), peer, A1)!.bytes,
    )!;
    expect(ok.class).toBe("success");
  });
  test("drops non-requests, non-STUN and malformed; 400 for other methods", () => {
    const s = new StunResponder({ primary: A1 });
    expect(s.handle(encodeStun({ class: "indication", transactionId: tid }), peer, A1)).toBeNull();
    expect(s.handle(encodeStun({ class: "success", transactionId: tid }), peer, A1)).toBeNull();
    expect(s.handle(new Uint8Array([0xff, 0, 0]), peer, A1)).toBeNull();
    expect(s.handle(req().subarray(0, 10), peer, A1)).toBeNull();
    const alloc = parseStun(
      s.handle(encodeStun({ method: 0x003, class: "request", transactionId: tid }), peer, A1)!
        .bytes,
    )!;
    expect(alloc.error?.code).toBe(400);
  });
  test("answers the captured Debian stun client requests the RFC 3489 way", () => {
    const s = new StunResponder({
      primary: { host: "127.77.0.3", port: 3478 },
      alternate: { host: "127.77.0.4", port: 3479 },
      software: "punch",
    });
    const v = loadVector("stunclient-request-2");
    const r = s.handle(v.bytes, v.from, v.to)!;
    expect(r.from).toEqual({ host: "127.77.0.4", port: 3478 });
    const m = parseStun(r.bytes, { classic: true })!;
    expect(m.classic).toBe(true);
    expect(m.transactionId).toEqual(parseStun(v.bytes, { classic: true })!.transactionId);
    expect(m.mappedAddress).toEqual(v.from);
    expect(m.sourceAddress).toEqual({ host: "127.77.0.4", port: 3478 });
    expect(m.changedAddress).toEqual({ host: "127.77.0.4", port: 3479 });
    expect(m.xorMappedAddress).toBeUndefined();
    expect(m.software).toBeUndefined();
  });
  test("noAmplification: a bare request gets nothing, a padded one its answer (never larger)", () => {
    const big = { host: "2001:db8::1", port: 3478 }, alt = { host: "2001:db8::2", port: 3479 };
    const v6peer = { host: "2001:db8:ffff::9", port: 51820 };
    const s = new StunResponder({
      primary: big,
      alternate: alt,
      software: "punch 9.99.999",
      noAmplification: true,
    });
    expect(s.handle(req(), v6peer, big)).toBeNull();
    const padded = req({ software: PAD_SOFTWARE, fingerprint: true });
    expect(padded.length).toBe(REQUEST_MIN_BYTES);
    for (const change of [undefined, { changeIp: true, changePort: true }]) {
      const p = req({ software: PAD_SOFTWARE, fingerprint: true, changeRequest: change });
      const r = s.handle(p, v6peer, big)!;
      expect(r.bytes.length).toBeLessThanOrEqual(p.length);
    }
    // An error answer (420: no alternate) is bounded the same way.
    const lone = new StunResponder({ primary: A1, noAmplification: true });
    expect(lone.handle(req({ changeRequest: { changeIp: true, changePort: false } }), peer, A1))
      .toBeNull();
  });
});
