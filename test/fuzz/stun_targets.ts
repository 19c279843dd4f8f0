// STUN codec, the responder (datagrams from strangers) and the client (netcheck responses).
import fc from "fast-check";
import { bytesToIpv6, type Endpoint } from "../../src/lib/net.ts";
import { StunClient } from "../../src/stun/stun_client.ts";
import {
  encodeStun,
  isStun,
  parseStun,
  type StunClass,
  type StunMessageInit,
} from "../../src/stun/stun_codec.ts";
import { StunResponder } from "../../src/stun/stun_server.ts";
import {
  bytes,
  check,
  differ,
  type FuzzTarget,
  mutate,
  mutations,
  outcome,
  sameJson,
} from "./fuzz.ts";

const COOKIE = [0x21, 0x12, 0xa4, 0x42];

export const endpoint: fc.Arbitrary<Endpoint> = fc.record({
  host: fc.oneof(
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Array.from(b).join(".")),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToIpv6),
  ),
  port: fc.integer({ min: 0, max: 65535 }),
});

/** Bytes with a STUN header whose length field matches, so parsing reaches the attributes. */
const stunLooking: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.integer({ min: 0, max: 0x3fff }),
  fc.uint8Array({ minLength: 12, maxLength: 12 }),
  fc.array(
    fc.record({
      type: fc.oneof(
        fc.constantFrom(0x0001, 0x0003, 0x0005, 0x0009, 0x000a, 0x0020, 0x0027, 0x8022, 0x8028),
        fc.integer({ min: 0, max: 0xffff }),
      ),
      value: fc.uint8Array({ maxLength: 40 }),
      lie: fc.option(fc.integer({ min: 0, max: 0xffff }), { freq: 4 }),
    }),
    { maxLength: 6 },
  ),
).map(([type, tid, attrs]) => {
  const parts: number[] = [];
  for (const a of attrs) {
    const len = a.lie ?? a.value.length;
    parts.push(a.type >> 8, a.type & 255, len >> 8, len & 255, ...a.value);
    while (parts.length % 4 !== 0) parts.push(0);
  }
  const len = parts.length;
  return Uint8Array.from([type >> 8, type & 255, len >> 8, len & 255, ...COOKIE, ...tid, ...parts]);
});

const stunClass = fc.constantFrom<StunClass>("request", "indication", "success", "error");

const messageInit: fc.Arbitrary<StunMessageInit> = fc.record({
  method: fc.integer({ min: 0, max: 0xfff }),
  class: stunClass,
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  mappedAddress: endpoint,
  xorMappedAddress: endpoint,
  responseOrigin: endpoint,
  otherAddress: endpoint,
  changeRequest: fc.record({ changeIp: fc.boolean(), changePort: fc.boolean() }),
  responsePort: fc.integer({ min: 0, max: 65535 }),
  // trailing NULs are stripped on decode (coturn pads with them), so none are generated
  software: fc.string({ maxLength: 100 }).filter((s) => !s.endsWith("\0")),
  error: fc.record({
    code: fc.integer({ min: 300, max: 699 }),
    reason: fc.string({ maxLength: 60 }).filter((s) => !s.endsWith("\0")),
  }),
  unknownAttributes: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }),
  fingerprint: fc.boolean(),
}, { requiredKeys: ["class", "transactionId"] });

function parseBoth(b: Uint8Array): void {
  outcome((x) => parseStun(x), b);
  outcome((x) => parseStun(x, { classic: true }), b);
  isStun(b); // never throws
}

const responder = new StunResponder({
  primary: { host: "192.0.2.1", port: 3478 },
  alternate: { host: "192.0.2.2", port: 3479 },
  software: "punch",
});

export const stunTargets: FuzzTarget[] = [
  {
    parser: "stun",
    name: "arbitrary bytes: null, RangeError or ParseError",
    property: () => fc.property(bytes(600), (b) => parseBoth(b)),
  },
  {
    parser: "stun",
    name: "STUN-looking bytes with arbitrary attributes: documented outcomes",
    property: () => fc.property(stunLooking, (b) => parseBoth(b)),
  },
  {
    parser: "stun",
    name: "encode → parse gives the fields back",
    property: () =>
      fc.property(messageInit, (m) => {
        const b = encodeStun(m);
        check(isStun(b), "encoded message is not recognised as STUN");
        const p = parseStun(b);
        check(p !== null, "encoded message parsed as not STUN");
        const { fingerprint: _f, method, ...fields } = m;
        sameJson(
          { method: p.method, class: p.class, tid: p.transactionId, fp: p.fingerprint },
          { method: method ?? 1, class: m.class, tid: m.transactionId, fp: m.fingerprint ?? false },
          "header",
        );
        for (const [k, v] of Object.entries(fields)) {
          if (k === "class" || k === "transactionId") continue;
          sameJson(p[k as keyof typeof p], v, k);
        }
      }),
  },
  {
    parser: "stun",
    name: "mutated encodings: documented outcomes; FINGERPRINT rejects a flipped bit",
    property: () =>
      fc.property(messageInit, mutations, fc.nat(), (m, ms, bit) => {
        const b = encodeStun({ ...m, fingerprint: true });
        parseBoth(mutate(b, ms));
        // CRC-32 catches every single-bit error in the bytes it covers
        const at = bit % (b.length - 8);
        const f = b.slice();
        f[at]! ^= 1 << (bit % 8);
        let p;
        try {
          p = parseStun(f);
        } catch {
          return;
        }
        check(
          p === null || !p.fingerprint || !differ(f, b),
          `flipped bit ${bit % 8} of byte ${at} passed the FINGERPRINT`,
        );
      }),
  },
  {
    parser: "stun",
    name: "responder: never throws; any reply is STUN",
    property: () =>
      fc.property(fc.oneof(bytes(600), stunLooking), endpoint, (b, peer) => {
        const r = responder.handle(b, peer, { host: "192.0.2.1", port: 3478 });
        if (r !== null) check(parseStun(r.bytes, { classic: true }) !== null, "reply is not STUN");
      }),
  },
  {
    parser: "stun",
    name: "client (netcheck responses): never throws, matches only its own transactions",
    property: () =>
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.oneof(bytes(600), stunLooking),
        fc.boolean(),
        (tid, b, answer) => {
          const c = new StunClient();
          const to = { host: "192.0.2.1", port: 3478 };
          c.begin(tid, to, encodeStun({ class: "request", transactionId: tid }), 0);
          c.poll(0);
          const reply = answer ? encodeStun({ class: "success", transactionId: tid }) : b;
          const r = c.receive(reply, to, 10);
          if (r !== null) sameJson(r.message.transactionId, tid, "matched transaction");
          if (answer) check(r !== null, "the answer to our request was not matched");
        },
      ),
  },
];
