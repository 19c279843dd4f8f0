import { describe, expect, test } from "vitest";
import { toHex } from "../../src/lib/bytes.ts";
import { CardStore } from "../../src/peer/card_store.ts";
import { InviteStore } from "../../src/peer/invite_store.ts";
import { createInvite, type Invite, parseInvite } from "../../src/peer/invite_token.ts";
import {
  finishJoin,
  handleJoinRequest,
  type JoinHandled,
  startJoin,
} from "../../src/peer/join_handshake.ts";
import { decodeJoinMessage, encodeReject } from "../../src/peer/join_messages.ts";
import { PeerError } from "../../src/peer/peer_error.ts";
import { flip, makeRouter, NOW, outcome, seededRandom, type TestRouter } from "./fixtures.ts";

const A = makeRouter("alpha"),
  B = makeRouter("bravo"),
  C = makeRouter("charlie"),
  M = makeRouter("mallory");

function invite(from: TestRouter, store: InviteStore, seed = "inv", ttl = 3600_000): Invite {
  const inv = createInvite(
    { ...from.card, wgPublicKey: from.wg, signPublicKey: from.sign, controlPort: 51821 },
    NOW,
    seededRandom(seed),
    ttl,
  );
  store.add(inv, NOW);
  return parseInvite(inv.token, NOW);
}

function accepted(h: JoinHandled | null): Extract<JoinHandled, { kind: "accepted" }> {
  if (h?.kind !== "accepted") {
    throw new Error(`expected accepted, got ${JSON.stringify(h && { ...h, reply: undefined })}`);
  }
  return h;
}

describe("join handshake", () => {
  test("end to end in memory: both sides learn and trust each other's cards", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { state, request } = startJoin(B.keys, inv, B.signed, NOW + 1000, seededRandom("b eph"));
    const h = accepted(
      handleJoinRequest(A.keys, invites, A.signed, request, NOW + 1000, seededRandom("a eph"), [
        C.signed,
      ]),
    );
    expect(h.joiner.card).toEqual(B.card);
    expect(h.record.usedBy).toBe(B.wg);
    const f = finishJoin(state, h.reply);
    expect(f?.kind).toBe("joined");
    if (f?.kind !== "joined") return;
    expect(f.inviter.card).toEqual(A.card);
    expect(f.cards.length).toBe(1);

    // what the daemon does next, on both sides
    const atA = new CardStore(A.sign, A.wg), atB = new CardStore(B.sign, B.wg);
    atA.pin(h.joiner.card.signPublicKey, NOW);
    expect(atA.offer(h.joiner, NOW).status).toBe("accepted");
    atB.pin(inv.signPublicKey, NOW);
    expect(atB.offer(f.inviter, NOW).status).toBe("accepted");
    expect(atB.offer(f.cards[0]!, NOW).status).toBe("untrusted"); // until A introduces C
  });

  test("no secret travels in clear: the request contains neither the token secret nor our static key", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const hex = toHex(request);
    expect(hex).not.toContain(toHex(inv.secret));
    expect(hex).not.toContain(toHex(B.keys.wgPublicKey));
    expect(hex).not.toContain(toHex(B.signed.bytes.subarray(3, 40)));
  });

  test("no amplification: a replayed request larger than its reply is answered at most twice", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const h = accepted(
      handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a1"), [
        C.signed,
        M.signed,
      ]),
    );
    expect(h.reply.length).toBeGreaterThan(request.length); // two extra cards
    const answers = Array.from(
      { length: 10 },
      (_, i) => handleJoinRequest(A.keys, invites, A.signed, request, NOW + i, seededRandom("a2")),
    ).filter((r) => r !== null);
    expect(answers.length).toBe(2);
    for (const r of answers) expect(r.kind).toBe("retransmit");
  });

  test("a retransmitted request gets the same reply; a second joiner is refused as used", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const first = accepted(
      handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a1")),
    );
    const again = handleJoinRequest(
      A.keys,
      invites,
      A.signed,
      request,
      NOW + 5000,
      seededRandom("a2"),
    );
    expect(again).toEqual({ kind: "retransmit", reply: first.reply });
    const late = handleJoinRequest(
      A.keys,
      invites,
      A.signed,
      request,
      NOW + 600_000,
      seededRandom("a2"),
    );
    expect(late?.kind === "rejected" && late.code).toBe("used");
    const other = startJoin(C.keys, inv, C.signed, NOW, seededRandom("c eph"));
    const h = handleJoinRequest(A.keys, invites, A.signed, other.request, NOW, seededRandom("a3"));
    expect(h?.kind === "rejected" && h.code).toBe("used");
    const f = finishJoin(other.state, h!.reply);
    expect(f).toEqual({
      kind: "rejected",
      code: "used",
      message: expect.stringMatching(/already used/),
    });
  });

  test("expired at the inviter even if the joiner's clock is behind", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites, "short", 60_000);
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const h = handleJoinRequest(
      A.keys,
      invites,
      A.signed,
      request,
      NOW + 120_000,
      seededRandom("a"),
    );
    expect(h?.kind === "rejected" && h.code).toBe("expired");
    expect(() => startJoin(B.keys, inv, B.signed, NOW + 60_000, seededRandom("b"))).toThrow(
      PeerError,
    );
  });

  test("a token for another router (foreign) is unknown there", () => {
    const inv = invite(A, new InviteStore());
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const h = handleJoinRequest(
      C.keys,
      new InviteStore(),
      C.signed,
      request,
      NOW,
      seededRandom("c"),
    );
    expect(h?.kind === "rejected" && h.code).toBe("unknown-invite");
  });

  test("joining one's own invite is refused", () => {
    const inv = invite(A, new InviteStore());
    expect(() => startJoin(A.keys, inv, A.signed, NOW, seededRandom("a"))).toThrow(
      /made by this router/,
    );
  });

  test("any changed byte of the request is refused without using up the invite", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { state, request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    for (let i = 0; i < request.length; i++) {
      let h: JoinHandled | null = null;
      const r = outcome(
        () => (h = handleJoinRequest(
          A.keys,
          invites,
          A.signed,
          flip(request, i),
          NOW,
          seededRandom("a"),
        )),
      );
      if (r !== "ok") expect(["RangeError", "ParseError"]).toContain(r);
      else expect(h === null || (h as JoinHandled).kind === "rejected", `byte ${i}`).toBe(true);
    }
    expect(invites.outstanding(NOW).length).toBe(1);
    const h = accepted(
      handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a")),
    );
    expect(finishJoin(state, h.reply)?.kind).toBe("joined");
  });

  test("an altered token fails at the inviter (both sides hash the exact token)", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const forged: Invite = { ...inv, tokenHash: flip(inv.tokenHash, 0) };
    const { request } = startJoin(B.keys, forged, B.signed, NOW, seededRandom("b eph"));
    const h = handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a"));
    expect(h?.kind === "rejected" && h.code).toBe("auth-failed");
  });

  test("a response from anyone but the inviter (or altered) is invalid", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { state, request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    const good =
      accepted(handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a"))).reply;
    for (let i = 12; i < good.length; i += 5) {
      expect(finishJoin(state, flip(good, i))?.kind).toBe("invalid");
    }
    // Mallory knows the token (stolen) but not A's WireGuard private key: she cannot answer as A
    const mStore = new InviteStore();
    const m = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b2"));
    const stolen = { ...inv, wgPublicKey: M.wg };
    mStore.add(stolen, NOW);
    const mh = handleJoinRequest(M.keys, mStore, M.signed, m.request, NOW, seededRandom("m"));
    expect(mh?.kind).toBe("rejected");
    expect(finishJoin(state, new Uint8Array([0x13, 0x37]))).toBeNull();
    // Mallory joins A herself with the stolen token and relays A's answer to B: B refuses it
    const invites2 = new InviteStore();
    const inv2 = invite(A, invites2, "inv2");
    const b2 = startJoin(B.keys, inv2, B.signed, NOW, seededRandom("b3"));
    const m2 = startJoin(M.keys, inv2, M.signed, NOW, seededRandom("m2"));
    const forMallory = accepted(
      handleJoinRequest(A.keys, invites2, A.signed, m2.request, NOW, seededRandom("a4")),
    );
    expect(finishJoin(b2.state, forMallory.reply)?.kind).toBe("invalid");
  });

  test("a joiner card with a WireGuard key it did not prove is refused", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const { request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b eph"));
    expect(
      accepted(handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a"))).joiner
        .card.wgPublicKey,
    ).toBe(B.wg);
    expect(() => startJoin(B.keys, inv, C.signed, NOW, seededRandom("b"))).toThrow(/own card/);
  });

  test("message decoder: null for other traffic, only RangeError/ParseError otherwise (bounded fuzz)", () => {
    expect(decodeJoinMessage(new Uint8Array([0, 1, 0, 8]))).toBeNull();
    expect(decodeJoinMessage(encodeReject("0011223344556677", "expired"))).toEqual({
      kind: "reject",
      id: "0011223344556677",
      code: "expired",
    });
    const rand = seededRandom("fuzz join");
    for (let i = 0; i < 3000; i++) {
      const b = rand(rand(1)[0]! % 120);
      if (b.length >= 4) b.set([0x50, 0x4a, 1, i % 4]);
      const r = outcome(() => decodeJoinMessage(b));
      expect(["ok", "RangeError", "ParseError"]).toContain(r);
    }
  });
});
