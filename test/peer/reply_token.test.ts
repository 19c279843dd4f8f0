import { describe, expect, test } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/lib/base64.ts";
import { CardStore } from "../../src/peer/card_store.ts";
import { InviteStore } from "../../src/peer/invite_store.ts";
import { createInvite, type Invite, parseInvite } from "../../src/peer/invite_token.ts";
import { PeerError } from "../../src/peer/peer_error.ts";
import {
  acceptReply,
  decodeReplyToken,
  makeReplyToken,
  REPLY_MAC_LEN,
} from "../../src/peer/reply_token.ts";
import { flip, makeRouter, NOW, outcome, seededRandom, type TestRouter } from "./fixtures.ts";

const A = makeRouter("alpha"), B = makeRouter("bravo"), C = makeRouter("charlie");
const PREFIX = "punch1r-";

function invite(from: TestRouter, store: InviteStore, seed = "inv", ttl = 3600_000): Invite {
  const inv = createInvite({ ...from.card, controlPort: 0 }, NOW, seededRandom(seed), ttl);
  store.add(inv, NOW);
  return parseInvite(inv.token, NOW);
}

function code(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    return e instanceof PeerError ? e.code : (e as Error).name;
  }
}

describe("reply token (inviter not reachable)", () => {
  test("join → reply → accept pairs both sides", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const reply = makeReplyToken(B.keys, inv, B.card, NOW + 1000);
    expect(reply.startsWith(PREFIX)).toBe(true);
    expect(reply.length).toBeLessThan(200);
    const { joiner, record } = acceptReply(A.keys, invites, reply, NOW + 2000);
    expect(joiner).toEqual({
      wgPublicKey: B.wg,
      signPublicKey: B.sign,
      name: "bravo",
      endpoints: B.card.endpoints,
      tunnelAddresses: B.card.tunnelAddresses,
      lanSubnets: B.card.lanSubnets,
    });
    expect(record.usedBy).toBe(B.wg);
    // B's signed card, arriving later through the tunnel, is accepted because the key is pinned
    const atA = new CardStore(A.sign, A.wg);
    atA.pin(joiner.signPublicKey, NOW);
    expect(atA.offer(B.signed, NOW).status).toBe("accepted");
  });

  test("single use: the same reply twice, or a second joiner's reply, is refused", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const reply = makeReplyToken(B.keys, inv, B.card, NOW);
    acceptReply(A.keys, invites, reply, NOW);
    expect(() => acceptReply(A.keys, invites, reply, NOW)).toThrow(/already accepted/);
    expect(code(() => acceptReply(A.keys, invites, makeReplyToken(C.keys, inv, C.card, NOW), NOW)))
      .toBe("used");
  });

  test("expired invites: the joiner cannot reply, the inviter cannot accept", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites, "short", 60_000);
    expect(code(() => makeReplyToken(B.keys, inv, B.card, NOW + 60_000))).toBe("expired");
    const reply = makeReplyToken(B.keys, inv, B.card, NOW);
    expect(code(() => acceptReply(A.keys, invites, reply, NOW + 60_000))).toBe("expired");
  });

  test("foreign: a reply to A's invite means nothing to C", () => {
    const inv = invite(A, new InviteStore());
    const reply = makeReplyToken(B.keys, inv, B.card, NOW);
    const cInvites = new InviteStore();
    invite(C, cInvites, "c inv");
    expect(code(() => acceptReply(C.keys, cInvites, reply, NOW))).toBe("unknown-invite");
  });

  test("replying to our own invite is refused", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    expect(code(() => makeReplyToken(A.keys, inv, A.card, NOW))).toBe("self");
  });

  test("every single-byte change is refused and the invite stays outstanding", () => {
    const invites = new InviteStore();
    const inv = invite(A, invites);
    const bytes = fromBase64Url(makeReplyToken(B.keys, inv, B.card, NOW).slice(PREFIX.length));
    for (let i = 0; i < bytes.length; i++) {
      const r = code(() => acceptReply(A.keys, invites, PREFIX + toBase64Url(flip(bytes, i)), NOW));
      expect(["unknown-invite", "ParseError", "RangeError"], `byte ${i}`).toContain(r);
    }
    expect(invites.outstanding(NOW).length).toBe(1);
  });

  test("garbled and truncated replies throw only RangeError or ParseError", () => {
    const inv = invite(A, new InviteStore());
    const reply = makeReplyToken(B.keys, inv, B.card, NOW);
    for (let n = 0; n < reply.length - 1; n++) {
      expect(["RangeError", "ParseError"]).toContain(
        outcome(() => decodeReplyToken(reply.slice(0, n))),
      );
    }
    const rand = seededRandom("fuzz reply");
    for (let i = 0; i < 1500; i++) {
      const b = rand(rand(1)[0]! % 160);
      expect(["RangeError", "ParseError"]).toContain(
        outcome(() => decodeReplyToken(PREFIX + toBase64Url(b))),
      );
    }
    expect(() => decodeReplyToken(inv.token)).toThrow(/invite, not a reply/);
    expect(REPLY_MAC_LEN).toBe(16);
  });
});
