import { describe, expect, test } from "vitest";
import { ParseError } from "../../src/lib/errors.ts";
import {
  decodeNatHint,
  directHopeless,
  encodeNatHint,
  type NatBehaviour,
  type NatHint,
} from "../../src/peer/nat_hint.ts";
import { concat } from "../../src/lib/bytes.ts";
import { decodeCard, SIGNATURE_LEN, verifyCard } from "../../src/peer/peer_card.ts";
import { makeRouter } from "./fixtures.ts";

const hint = (mapping: NatBehaviour, filtering: NatBehaviour, reachable = false): NatHint => ({
  mapping,
  filtering,
  reachable,
});
const EI = "endpoint-independent", AD = "address-dependent", APD = "address-and-port-dependent";
/** Linux masquerade (the lab's "cone"): keeps the port, filters per port. */
const CONE = hint(EI, APD);
const SYMMETRIC = hint(APD, APD);
const FULL_CONE = hint(EI, EI, true);

describe("NAT hint", () => {
  test("every byte with the high bits clear round trips", () => {
    for (let b = 0; b < 32; b++) expect(encodeNatHint(decodeNatHint(b))).toBe(b);
    expect(() => decodeNatHint(0x20)).toThrow(ParseError);
    expect(() => decodeNatHint(0xff)).toThrow(ParseError);
  });

  test("no direct path: two symmetric NATs, or symmetric against a port-filtering NAT", () => {
    expect(directHopeless(SYMMETRIC, SYMMETRIC)).toBe(true);
    expect(directHopeless(SYMMETRIC, CONE)).toBe(true);
    expect(directHopeless(CONE, SYMMETRIC)).toBe(true);
    expect(directHopeless(hint(AD, AD), hint(EI, APD))).toBe(true);
  });

  test("a direct path may exist: cones punch, a reachable side or an address filter lets it in", () => {
    expect(directHopeless(CONE, CONE)).toBe(false);
    expect(directHopeless(SYMMETRIC, FULL_CONE)).toBe(false);
    expect(directHopeless(SYMMETRIC, hint(EI, AD))).toBe(false);
    expect(directHopeless(hint(APD, APD, true), SYMMETRIC)).toBe(false);
  });

  test("unknown never rules anything out", () => {
    expect(directHopeless(undefined, SYMMETRIC)).toBe(false);
    expect(directHopeless(SYMMETRIC, undefined)).toBe(false);
    expect(directHopeless(hint("unknown", "unknown"), SYMMETRIC)).toBe(false);
    expect(directHopeless(SYMMETRIC, hint("unknown", "unknown"))).toBe(false);
  });
});

describe("NAT hint in a card", () => {
  test("signed, carried and verified; cards without it read as before", () => {
    const r = makeRouter("hinted", { nat: SYMMETRIC });
    expect(verifyCard(r.signed.bytes).card.nat).toEqual(SYMMETRIC);
    const plain = makeRouter("plain");
    expect(verifyCard(plain.signed.bytes).card.nat).toBeUndefined();
    expect(r.signed.bytes.length).toBe(plain.signed.bytes.length + 2); // a longer name, the hint
  });

  test("an all-unknown hint is left out; a zero byte on the wire is not canonical", () => {
    const r = makeRouter("zero", { nat: hint("unknown", "unknown") });
    expect(r.card.nat).toBeDefined();
    expect(verifyCard(r.signed.bytes).card.nat).toBeUndefined();
    const body = r.signed.bytes.subarray(0, r.signed.bytes.length - SIGNATURE_LEN);
    const padded = concat([body, new Uint8Array([0]), new Uint8Array(SIGNATURE_LEN)]);
    expect(() => decodeCard(padded)).toThrow(/canonical/);
  });
});
