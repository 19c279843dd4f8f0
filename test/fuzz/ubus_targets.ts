// ubus: blob attributes, blobmsg fields, messages and the stream deframer.
import fc from "fast-check";
import { parseBlobAttrs } from "../../src/ubus/blob.ts";
import {
  type BlobmsgField,
  decodeFields,
  decodeTable,
  encodeFields,
} from "../../src/ubus/blobmsg.ts";
import { BlobmsgType, MSG_TYPE_LAST } from "../../src/ubus/constants.ts";
import { UbusDeframer } from "../../src/ubus/deframer.ts";
import { decodeMessage, encodeMessage, type UbusMessage } from "../../src/ubus/message.ts";
import {
  bytes,
  check,
  classify,
  type FuzzTarget,
  mutate,
  mutations,
  outcome,
  sameJson,
} from "./fuzz.ts";

const str = fc.string({ unit: "grapheme", maxLength: 20 });

/** A blobmsg field tree as the decoder returns it (signed integers, INT64 as bigint). */
const field: fc.Arbitrary<BlobmsgField> = fc.letrec<{ f: BlobmsgField }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ name: str, type: fc.constant(BlobmsgType.UNSPEC), value: fc.constant(null) }),
    fc.record({ name: str, type: fc.constant(BlobmsgType.STRING), value: str }),
    fc.record({
      name: str,
      type: fc.constant(BlobmsgType.INT64),
      value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    }),
    fc.record({ name: str, type: fc.constant(BlobmsgType.INT32), value: fc.integer() }),
    fc.record({
      name: str,
      type: fc.constant(BlobmsgType.INT16),
      value: fc.integer({ min: -32768, max: 32767 }),
    }),
    fc.record({
      name: str,
      type: fc.constant(BlobmsgType.INT8),
      value: fc.integer({ min: -128, max: 127 }),
    }),
    fc.record({ name: str, type: fc.constant(BlobmsgType.DOUBLE), value: fc.double() }),
    fc.record({
      name: str,
      type: fc.constantFrom(BlobmsgType.ARRAY, BlobmsgType.TABLE),
      value: fc.array(tie("f"), { maxLength: 4 }),
    }),
  ) as fc.Arbitrary<BlobmsgField>,
})).f;

const u32 = fc.nat({ max: 0xffffffff });

const message: fc.Arbitrary<UbusMessage> = fc.record({
  type: fc.integer({ min: 0, max: MSG_TYPE_LAST - 1 }),
  seq: fc.nat({ max: 0xffff }),
  peer: u32,
  attrs: fc.record({
    status: u32,
    objpath: str,
    objid: u32,
    method: str,
    objtype: u32,
    signature: fc.dictionary(str, fc.dictionary(str, fc.integer()), { maxKeys: 3 }),
    data: fc.array(field, { maxLength: 4 }),
    target: u32,
    active: fc.boolean(),
    noReply: fc.boolean(),
    subscribers: fc.array(u32, { maxLength: 4 }),
    user: str,
    group: str,
  }, { requiredKeys: [] }),
});

/** Bytes shaped like a ubus message: a valid header and a blob length that may lie. */
const messageLooking = fc.tuple(
  fc.integer({ min: 0, max: 13 }),
  fc.uint8Array({ minLength: 6, maxLength: 6 }),
  bytes(400),
  fc.option(fc.nat({ max: 0xffffff }), { freq: 3 }),
).map(([type, head, body, lie]) => {
  const b = new Uint8Array(12 + body.length);
  b[1] = type;
  b.set(head, 2);
  new DataView(b.buffer).setUint32(8, lie ?? 4 + body.length);
  b.set(body, 12);
  return b;
});

export const ubusTargets: FuzzTarget[] = [
  {
    parser: "ubus",
    name: "blob attributes and blobmsg fields from arbitrary bytes: RangeError or ParseError",
    property: () =>
      fc.property(bytes(600), fc.boolean(), (b, named) => {
        outcome(parseBlobAttrs, b, { truncated: true, malformed: true });
        outcome((x: Uint8Array) => decodeFields(x, named), b, { truncated: true, malformed: true });
        outcome(decodeTable, b, { truncated: true, malformed: true });
      }),
  },
  {
    parser: "ubus",
    name: "blobmsg encode → decode round trip; mutations give documented outcomes",
    property: () =>
      fc.property(fc.array(field, { maxLength: 5 }), mutations, (fields, ms) => {
        const b = encodeFields(fields);
        sameJson(decodeFields(b), fields, "blobmsg fields");
        outcome(decodeFields, mutate(b, ms), { truncated: true, malformed: true });
      }),
  },
  {
    parser: "ubus",
    name: "messages from arbitrary bytes: RangeError or ParseError",
    property: () =>
      fc.property(fc.oneof(bytes(600), messageLooking), (b) => {
        outcome(decodeMessage, b, { truncated: true, malformed: true });
      }),
  },
  {
    parser: "ubus",
    name: "message encode → decode round trip; mutations give documented outcomes",
    property: () =>
      fc.property(message, mutations, (m, ms) => {
        const b = encodeMessage(m);
        sameJson(decodeMessage(b), m, "ubus message");
        outcome(decodeMessage, mutate(b, ms), { truncated: true, malformed: true });
      }),
  },
  {
    parser: "ubus",
    name: "deframer: a stream of messages cut anywhere gives them back; junk gives ParseError",
    property: () =>
      fc.property(
        fc.array(message, { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.option(fc.oneof(bytes(100), messageLooking)),
        (msgs, cuts, junk) => {
          const wire = msgs.map(encodeMessage);
          const all = Uint8Array.from([...wire.flatMap((w) => [...w]), ...(junk ?? [])]);
          const d = new UbusDeframer();
          const got: Uint8Array[] = [];
          let off = 0, i = 0;
          try {
            while (off < all.length) {
              const n = cuts[i++ % cuts.length]!;
              got.push(...d.pushFrames(all.subarray(off, off + n)));
              off += n;
            }
          } catch (e) {
            check(junk !== null, "valid messages were refused");
            classify(e, { malformed: true }, all);
            // the connection is dropped: frames of the failing chunk are lost, earlier ones kept
            const n = Math.min(got.length, wire.length);
            sameJson(got.slice(0, n), wire.slice(0, n), "frames before the bad one");
            return;
          }
          sameJson(got.slice(0, wire.length), wire, "frames");
          check(d.buffered <= all.length, "deframer holds more than it was given");
          for (const f of got.slice(wire.length)) {
            outcome(decodeMessage, f, { truncated: true, malformed: true });
          }
        },
      ),
  },
];
