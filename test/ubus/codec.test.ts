import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import {
  blobmsg,
  BlobmsgType,
  decodeFields,
  decodeMessage,
  decodeTable,
  encodeMessage,
  encodeTable,
  fieldsOf,
  MsgType,
  type UbusMessage,
} from "../../src/ubus/mod.ts";

interface Vec {
  name: string;
  hex: string;
}
const file = JSON.parse(
  Deno.readTextFileSync(new URL("../vectors/ubus/messages.json", import.meta.url)),
) as {
  vectors: Vec[];
  blobmsg: Vec[];
};
const vec = (name: string) => fromHex(file.vectors.find((v) => v.name === name)!.hex);

/** Encode → expected bytes, decode → same message, re-encode → same bytes. */
function roundTrip(name: string, m: UbusMessage): void {
  const bytes = vec(name);
  expect(toHex(encodeMessage(m))).toBe(toHex(bytes));
  const back = decodeMessage(bytes);
  expect(toHex(encodeMessage(back))).toBe(toHex(bytes));
  expect(back.type).toBe(m.type);
  expect(back.seq).toBe(m.seq);
  expect(back.peer).toBe(m.peer);
}

describe("ubus message vectors", () => {
  test("hello", () =>
    roundTrip("hello", { type: MsgType.HELLO, seq: 0, peer: 0x5a1b2c3d, attrs: {} }));

  test("lookup (reference example)", () => {
    roundTrip("lookup", {
      type: MsgType.LOOKUP,
      seq: 2,
      peer: 0,
      attrs: { objpath: "network.interface.wan" },
    });
    expect(decodeMessage(vec("lookup")).attrs).toEqual({ objpath: "network.interface.wan" });
  });

  test("invoke (reference example)", () => {
    roundTrip("invoke", {
      type: MsgType.INVOKE,
      seq: 1,
      peer: 0x12345678,
      attrs: { objid: 0x12345678, method: "status", data: fieldsOf({}) },
    });
    expect(decodeMessage(vec("invoke")).attrs).toEqual({
      objid: 0x12345678,
      method: "status",
      data: [],
    });
  });

  test("status from ubusd and from an object", () => {
    roundTrip("status_ok_ubusd", { type: MsgType.STATUS, seq: 2, peer: 0, attrs: { status: 0 } });
    roundTrip("status_ok_object", {
      type: MsgType.STATUS,
      seq: 1,
      peer: 0x12345678,
      attrs: { status: 0, objid: 0x12345678 },
    });
  });

  test("data reply with a bool", () => {
    roundTrip("data_reply", {
      type: MsgType.DATA,
      seq: 1,
      peer: 0x12345678,
      attrs: { objid: 0x12345678, data: fieldsOf({ up: true }) },
    });
  });

  test("event register and delivery", () => {
    roundTrip("event_register", {
      type: MsgType.INVOKE,
      seq: 3,
      peer: 1,
      attrs: {
        objid: 1,
        method: "register",
        data: fieldsOf({ object: blobmsg.int32(0xdeadbeef), pattern: "network.interface" }),
      },
    });
    roundTrip("event_delivery", {
      type: MsgType.INVOKE,
      seq: 1,
      peer: 0,
      attrs: {
        objid: 0xdeadbeef,
        method: "network.interface",
        data: fieldsOf({ action: "ifup", interface: "wan" }),
      },
    });
  });

  test("every non-data attribute round-trips", () => {
    const m: UbusMessage = {
      type: MsgType.NOTIFY,
      seq: 0xffff,
      peer: 0xffffffff,
      attrs: {
        noReply: true,
        status: 13,
        objpath: "a.b",
        objid: 7,
        method: "m",
        objtype: 9,
        signature: { status: {}, set: { config: BlobmsgType.STRING, values: BlobmsgType.TABLE } },
        target: 11,
        active: false,
        subscribers: [1, 2, 3],
        user: "root",
        group: "root",
      },
    };
    const back = decodeMessage(encodeMessage(m));
    expect(back).toEqual(m);
    expect(Object.keys(back.attrs)).toEqual(Object.keys(m.attrs));
  });
});

describe("blobmsg", () => {
  const allTypes = fromHex(file.blobmsg[0]!.hex);

  test("deep nesting is malformed, not a stack overflow (found by fuzzing)", () => {
    // 10000 arrays inside each other: 8 bytes each (header, empty name), 80 KB in all
    let inner = new Uint8Array(0);
    for (let i = 0; i < 10_000; i++) {
      const b = new Uint8Array(8 + inner.length);
      new DataView(b.buffer).setUint32(
        0,
        (0x80000000 | (BlobmsgType.ARRAY << 24) | b.length) >>> 0,
      );
      b.set(inner, 8);
      inner = b;
    }
    expect(() => decodeFields(inner)).toThrow(ParseError);
    expect(() => decodeFields(inner)).toThrow(/nested deeper than 64 levels/);
    const ok = encodeTable({ a: JSON.parse("[".repeat(60) + "]".repeat(60)) });
    expect(() => decodeTable(ok)).not.toThrow();
  });

  test("every type, byte-exact", () => {
    const enc = encodeTable({
      n: null,
      i: blobmsg.int16(-2),
      l: 2 ** 40,
      d: 1.5,
      a: [1, "x"],
      t: { b: false },
      m: blobmsg.int64(-1),
    });
    expect(toHex(enc)).toBe(toHex(allTypes));
    expect(decodeTable(allTypes)).toEqual({
      n: null,
      i: -2,
      l: 2 ** 40,
      d: 1.5,
      a: [1, "x"],
      t: { b: false },
      m: -1,
    });
    expect(decodeFields(allTypes).map((f) => f.type)).toEqual([0, 6, 4, 8, 1, 2, 4]);
  });

  test("JSON mapping as blobmsg_add_json_element", () => {
    const types = decodeFields(encodeTable({
      b: true,
      small: 2147483647,
      neg: -2147483648,
      big: 2147483648,
      real: 0.5,
      s: "",
      z: null,
      big2: 1n << 62n,
    })).map((f) => [f.name, f.type]);
    expect(types).toEqual([
      ["b", BlobmsgType.INT8],
      ["small", BlobmsgType.INT32],
      ["neg", BlobmsgType.INT32],
      ["big", BlobmsgType.INT64],
      ["real", BlobmsgType.DOUBLE],
      ["s", BlobmsgType.STRING],
      ["z", BlobmsgType.UNSPEC],
      ["big2", BlobmsgType.INT64],
    ]);
  });

  test("int64 beyond 2^53 stays a bigint", () => {
    const v = (1n << 62n) + 1n;
    expect(decodeTable(encodeTable({ v }))).toEqual({ v });
    expect(decodeTable(encodeTable({ u: blobmsg.int64(0xffffffffffffffffn) }))).toEqual({ u: -1 });
  });

  test("nesting several levels, names and padding of every length", () => {
    const deep = { a: { bb: [{ ccc: ["dddd", { eeeee: [[1], [true]] }] }] } };
    expect(decodeTable(encodeTable(deep))).toEqual(deep);
    for (let n = 0; n < 9; n++) {
      const name = "k".repeat(n + 1);
      const enc = encodeTable({ [name]: "v".repeat(n) });
      expect(enc.length % 4).toBe(0);
      expect(decodeTable(enc)).toEqual({ [name]: "v".repeat(n) });
    }
  });

  test("malformed input is a ParseError", () => {
    expect(() => decodeFields(fromHex("03000008 00016100"))).toThrow(ParseError); // no extended bit
    expect(() => decodeFields(fromHex("83000009 00016100 78"))).toThrow(ParseError); // string without NUL
    expect(() => decodeFields(fromHex("85000009 00016100 01"))).toThrow(ParseError); // INT32 of 1 byte
    expect(() => decodeFields(fromHex("85000040 00016100"))).toThrow(ParseError); // overruns
    expect(() => decodeFields(fromHex("89000008 00016100"))).toThrow(ParseError); // type 9
  });
});

describe("message decoding errors", () => {
  test("truncated is a RangeError, malformed a ParseError", () => {
    const lookup = vec("lookup");
    expect(() => decodeMessage(lookup.subarray(0, 10))).toThrow(RangeError);
    expect(() => decodeMessage(lookup.subarray(0, 20))).toThrow(RangeError);
    const badType = lookup.slice();
    badType[1] = 99;
    expect(() => decodeMessage(badType)).toThrow(ParseError);
    expect(() => decodeMessage(fromHex("0001 0001 00000000 0000000c 01000006 0000 0000"))).toThrow(
      ParseError,
    );
  });
});
