import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/lib/errors.ts";
import {
  decodeCard,
  type PeerCard,
  SIGNATURE_LEN,
  signCard,
  verifyCard,
} from "../../src/peer/peer_card.ts";
import { epochBase, MAX_SEQ_EPOCH, SEQ_EPOCH_SPAN } from "../../src/peer/card_seq.ts";
import { flip, makeRouter, outcome, seededRandom } from "./fixtures.ts";

const A = makeRouter("alpha", {
  endpoints: ["198.51.100.5:51820", "[2001:db8::5]:51820", "alpha.example.net:51820"],
  lanHosts: [{ name: "nas", publicEndpoint: "198.51.100.5:40001" }],
});
const B = makeRouter("bravo");

describe("peer card", () => {
  test("sign, encode and verify round trip", () => {
    const back = verifyCard(A.signed.bytes);
    expect(back.card).toEqual(A.card);
    expect(back.bytes).toEqual(A.signed.bytes);
    expect(decodeCard(A.signed.bytes).card).toEqual(A.card);
    expect(A.signed.bytes.length).toBeLessThan(300);
  });

  test("optional lists are omitted when empty and introductions survive", () => {
    const card: PeerCard = {
      ...B.card,
      introduces: [{ wgPublicKey: A.wg, signPublicKey: A.sign }],
    };
    const back = verifyCard(signCard(card, B.keys.signSeed)).card;
    expect(back.introduces).toEqual([{ wgPublicKey: A.wg, signPublicKey: A.sign }]);
    expect("lanHosts" in back).toBe(false);
  });

  test("signing with someone else's key is refused", () => {
    expect(() => signCard(A.card, B.keys.signSeed)).toThrow(UsageError);
  });

  test("every single-byte change is rejected", () => {
    const bytes = A.signed.bytes;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [1, 0x40]) {
        const r = outcome(() => verifyCard(flip(bytes, i, bit)));
        expect(["ParseError", "RangeError"], `byte ${i}`).toContain(r);
      }
    }
  });

  test("an unsigned card (body only) and a zero signature are rejected", () => {
    const body = A.signed.bytes.subarray(0, A.signed.bytes.length - SIGNATURE_LEN);
    expect(() => verifyCard(body)).toThrow(RangeError);
    const zero = A.signed.bytes.slice();
    zero.fill(0, zero.length - SIGNATURE_LEN);
    expect(() => verifyCard(zero)).toThrow(/bad signature/);
  });

  test("a signature moved onto another card is rejected", () => {
    const sig = A.signed.bytes.subarray(A.signed.bytes.length - SIGNATURE_LEN);
    const other = B.signed.bytes.slice();
    other.set(sig, other.length - SIGNATURE_LEN);
    expect(() => verifyCard(other)).toThrow(/bad signature/);
  });

  test("truncation at every length throws RangeError or ParseError", () => {
    for (let n = 0; n < A.signed.bytes.length; n++) {
      expect(["RangeError", "ParseError"]).toContain(
        outcome(() => verifyCard(A.signed.bytes.subarray(0, n))),
      );
    }
    expect(() => verifyCard(new Uint8Array([...A.signed.bytes, 0]))).toThrow(
      /unexpected bytes|NAT hint/,
    );
  });

  test("garbled cards throw only RangeError or ParseError (bounded fuzz)", () => {
    const rand = seededRandom("fuzz card");
    for (let i = 0; i < 2000; i++) {
      const r = rand(4);
      let b: Uint8Array;
      if (i % 2 === 0) b = rand(r[0]! + 3);
      else {
        b = A.signed.bytes.slice(0, (r[0]! * 2) % A.signed.bytes.length + 1);
        b[(r[1]! * 3) % b.length] = r[2]!;
      }
      if (i % 4 === 0) b.set([0x50, 0x43, 0x01]);
      expect(["RangeError", "ParseError"]).toContain(outcome(() => verifyCard(b)));
    }
  });

  test("the largest seq the epochs allow round-trips through the u64 field", () => {
    const last = epochBase(MAX_SEQ_EPOCH) + SEQ_EPOCH_SPAN - 1;
    expect(last).toBe(Number.MAX_SAFE_INTEGER);
    const c = signCard({ ...A.signed.card, seq: last }, A.keys.signSeed);
    expect(verifyCard(c.bytes).card.seq).toBe(last);
  });
});
