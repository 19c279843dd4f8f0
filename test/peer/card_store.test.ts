import { describe, expect, test } from "vitest";
import { CardStore } from "../../src/peer/card_store.ts";
import { type PeerCard, signCard } from "../../src/peer/peer_card.ts";
import { flip, makeRouter, NOW, type TestRouter } from "./fixtures.ts";

const [A, B, C, D] = ["alpha", "bravo", "charlie", "delta"].map((n) => makeRouter(n)) as [
  TestRouter,
  TestRouter,
  TestRouter,
  TestRouter,
];

function version(r: TestRouter, seq: number, extra: Partial<PeerCard> = {}) {
  return signCard({ ...r.card, seq, ...extra }, r.keys.signSeed);
}

const intro = (r: TestRouter) => ({ wgPublicKey: r.wg, signPublicKey: r.sign });

describe("CardStore", () => {
  test("newest wins; older, equal and replayed cards are stale", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    expect(s.offer(version(B, 5), NOW).status).toBe("accepted");
    expect(s.offer(version(B, 5), NOW).reason).toMatch(/replayed/);
    expect(s.offer(version(B, 4), NOW).status).toBe("stale");
    expect(s.offer(version(B, 5, { name: "other" }), NOW).reason).toMatch(/same seq/);
    const v6 = version(B, 6, { endpoints: ["203.0.113.9:51820"] });
    expect(s.offer(v6.bytes, NOW).status).toBe("accepted");
    expect(s.get(B.sign)?.card.endpoints).toEqual(["203.0.113.9:51820"]);
    expect(s.offer(version(B, 5), NOW).status).toBe("stale");
  });

  test("invalid cards (bad signature, garbage) are reported, never thrown", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    expect(s.offer(flip(B.signed.bytes, 40), NOW).status).toBe("invalid");
    expect(s.offer(new Uint8Array([1, 2, 3]), NOW).status).toBe("invalid");
    expect(s.offer(B.signed.bytes.subarray(0, 50), NOW).status).toBe("invalid");
    expect(s.list()).toEqual([]);
  });

  test("our own card is never stored", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(A.sign, NOW);
    expect(s.offer(A.signed, NOW).status).toBe("stale");
    s.pin(B.sign, NOW);
    expect(s.offer(version(B, 2, { wgPublicKey: A.wg }), NOW).status).toBe("invalid");
  });

  test("cards from unknown signers are held, then promoted by an introduction", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    expect(s.offer(C.signed, NOW).status).toBe("untrusted");
    expect(s.get(C.sign)).toBeUndefined();
    const r = s.offer(version(B, 2, { introduces: [intro(C)] }), NOW);
    expect(r.status).toBe("accepted");
    expect(r.promoted.map((c) => c.card.name)).toEqual(["charlie"]);
    expect(s.get(C.sign)?.card.name).toBe("charlie");
  });

  test("trust is transitive and withdrawn when the introduction goes", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    s.offer(version(B, 2, { introduces: [intro(C)] }), NOW);
    s.offer(version(C, 2, { introduces: [intro(D)] }), NOW);
    expect(s.offer(D.signed, NOW).status).toBe("accepted");
    const r = s.offer(version(B, 3), NOW);
    expect(r.status).toBe("accepted");
    expect(r.removed.sort()).toEqual([C.sign, D.sign].sort());
    expect(s.list().map((c) => c.card.name)).toEqual(["bravo"]);
    expect(s.offer(version(C, 2, { introduces: [intro(D)] }), NOW).status).toBe("stale"); // seq memory survives
  });

  test("an introduced signer must use the WireGuard key its introducer named", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    s.offer(version(B, 2, { introduces: [{ wgPublicKey: D.wg, signPublicKey: C.sign }] }), NOW);
    expect(s.offer(C.signed, NOW).status).toBe("invalid");
  });

  test("a card claiming another peer's WireGuard key is invalid", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    s.pin(C.sign, NOW);
    s.offer(B.signed, NOW);
    const r = s.offer(version(C, 2, { wgPublicKey: B.wg }), NOW);
    expect(r.status).toBe("invalid");
    expect(r.reason).toMatch(/claims the WireGuard key of "bravo"/);
  });

  test("changedSince lists what to push, and state survives JSON", () => {
    const s = new CardStore(A.sign, A.wg);
    s.pin(B.sign, NOW);
    s.offer(version(B, 2, { introduces: [intro(C)] }), NOW);
    const v = s.version;
    s.offer(C.signed, NOW);
    expect(s.changedSince(v).map((c) => c.card.name)).toEqual(["charlie"]);
    const back = CardStore.fromJSON(JSON.parse(JSON.stringify(s)), A.sign, A.wg, NOW);
    expect(back.list().map((c) => c.card.name).sort()).toEqual(["bravo", "charlie"]);
    expect(back.offer(version(B, 2, { introduces: [intro(C)] }), NOW).status).toBe("stale");
    expect(() => CardStore.fromJSON({ nope: 1 }, A.sign, A.wg, NOW)).toThrow(
      /Cannot read card store/,
    );
  });

  test("the pending pool is bounded", () => {
    const s = new CardStore(A.sign, A.wg, 2);
    for (const r of [B, C, D]) expect(s.offer(r.signed, NOW).status).toBe("untrusted");
    const promoted = [B, C, D].flatMap((r) => s.pin(r.sign, NOW)).map((c) => c.card.name);
    expect(promoted).toEqual(["charlie", "delta"]);
  });
});
