// Invite and reply tokens, peer cards, card bundles and the join handshake messages.
import fc from "fast-check";
import { toBase64, toBase64Url } from "../../src/lib/base64.ts";
import { utf8 } from "../../src/lib/bytes.ts";
import { bytesToIpv6, formatEndpoint } from "../../src/lib/net.ts";
import { decodeCardBundle, encodeCardBundle } from "../../src/peer/card_bundle.ts";
import { CardStore } from "../../src/peer/card_store.ts";
import { InviteStore } from "../../src/peer/invite_store.ts";
import {
  decodeInvite,
  encodeInvite,
  INVITE_PREFIX,
  type InviteContent,
  parseInvite,
  REPLY_PREFIX,
} from "../../src/peer/invite_token.ts";
import { finishJoin, handleJoinRequest, startJoin } from "../../src/peer/join_handshake.ts";
import { decodeJoinMessage, encodeReject } from "../../src/peer/join_messages.ts";
import { decodeCard, type PeerCard, signCard, verifyCard } from "../../src/peer/peer_card.ts";
import { PeerError } from "../../src/peer/peer_error.ts";
import { decodeNatHint } from "../../src/peer/nat_hint.ts";
import {
  decodeRelayMessage,
  DIRECT_PHASES,
  encodeRelayMessage,
  REFUSE_REASONS,
  type RelayMessage,
} from "../../src/peer/relay_messages.ts";
import { acceptReply, decodeReplyToken, makeReplyToken } from "../../src/peer/reply_token.ts";
import { makeRouter, NOW, seededRandom } from "../peer/fixtures.ts";
import {
  bytes,
  check,
  classify,
  differ,
  type FuzzTarget,
  mutate,
  mutations,
  outcome,
  sameJson,
  text,
  withPrefix,
} from "./fuzz.ts";

const A = makeRouter("alpha"), B = makeRouter("bravo");

const u8s = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

/** A name as encoders accept it: at most 63 bytes of UTF-8, no control characters. */
const name = fc.string({ maxLength: 30 }).filter((s) =>
  utf8.encode(s).length <= 63 && ![...s].some((c) => c < " " || c === "\x7f")
);

const v4 = u8s(4).map((b) => Array.from(b).join("."));
const v6 = u8s(16).map(bytesToIpv6);

/** HOST:PORT in the form the decoder prints (lower-case DNS, RFC 5952 IPv6, port ≥ 1). */
const endpointText = fc.tuple(
  fc.oneof(v4, v6, fc.domain().map((d) => d.toLowerCase()).filter((d) => !/^[\d.]+$/.test(d))),
  fc.integer({ min: 1, max: 65535 }),
).map(([host, port]) => formatEndpoint({ host, port }));

/** An interface address with host bits kept. */
const address = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
);

function masked(b: Uint8Array, prefix: number): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** A subnet as its network address. */
const subnet = fc.oneof(
  fc.tuple(u8s(4), fc.integer({ min: 0, max: 32 })).map(([b, p]) =>
    `${Array.from(masked(b, p)).join(".")}/${p}`
  ),
  fc.tuple(u8s(16), fc.integer({ min: 0, max: 128 })).map(([b, p]) =>
    `${bytesToIpv6(masked(b, p))}/${p}`
  ),
);

const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });

const inviteContent: fc.Arbitrary<InviteContent> = fc.record({
  wgPublicKey: u8s(32).map(toBase64),
  signPublicKey: fc.constantFrom(A.sign, B.sign),
  name,
  expiresAt: fc.integer({ min: 0, max: 0xffffffff }).map((s) => s * 1000),
  controlPort: fc.integer({ min: 0, max: 65535 }),
  endpoints: list(endpointText),
  tunnelAddresses: list(address),
  lanSubnets: list(subnet),
});

/** A card for router A with arbitrary content (A's keys, so A can sign it). */
const cardOfA: fc.Arbitrary<PeerCard> = fc.record({
  name,
  seq: fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  issuedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  endpoints: list(endpointText),
  tunnelAddresses: list(address),
  lanSubnets: list(subnet),
  lanHosts: list(fc.record({ name, publicEndpoint: endpointText })),
  introduces: list(fc.record({
    wgPublicKey: u8s(32).map(toBase64),
    signPublicKey: u8s(32).map(toBase64),
  })),
  // 0 = no hint (a card leaves it out), else one of the 31 hint bytes.
  nat: fc.integer({ min: 0, max: 31 }),
}).map((c): PeerCard => {
  const { lanHosts, introduces, nat, ...rest } = c;
  return {
    ...rest,
    wgPublicKey: A.wg,
    signPublicKey: A.sign,
    ...(lanHosts.length > 0 ? { lanHosts } : {}),
    ...(introduces.length > 0 ? { introduces } : {}),
    ...(nat !== 0 ? { nat: decodeNatHint(nat) } : {}),
  };
});

const relayMessage: fc.Arbitrary<RelayMessage> = fc.oneof(
  fc.record({
    kind: fc.constant("allocate" as const),
    id: fc.nat(),
    requester: fc.constant(A.wg),
    other: fc.constant(B.wg),
  }),
  fc.record({
    kind: fc.constant("grant" as const),
    id: fc.nat(),
    peer: fc.constant(B.wg),
    endpoint: endpointText,
  }),
  fc.record({
    kind: fc.constant("refuse" as const),
    id: fc.nat(),
    peer: fc.constant(A.wg),
    reason: fc.constantFrom(...REFUSE_REASONS),
  }),
  fc.record({
    kind: fc.constant("direct" as const),
    id: fc.nat(),
    peer: fc.constant(A.wg),
    phase: fc.constantFrom(...DIRECT_PHASES),
  }),
  fc.record({ kind: fc.constant("probe" as const), id: fc.nat(), from: fc.constant(B.wg) }),
);

/** Token text: the prefix and base64url of arbitrary bytes, or arbitrary text. */
function tokenText(prefix: string): fc.Arbitrary<string> {
  return fc.oneof(
    bytes(400).map((b) => prefix + toBase64Url(b)),
    text(300).map((t) => prefix + t),
    text(300),
  );
}

/** Mutate the bytes behind a token and encode them again (or mutate the text itself). */
function mutateToken(token: string, prefix: string, ms: Parameters<typeof mutate>[1]): string {
  const body = token.slice(prefix.length);
  const raw = Uint8Array.from(
    atob(body.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - body.length % 4) % 4)),
    (c) => c.charCodeAt(0),
  );
  return prefix + toBase64Url(mutate(raw, ms));
}

const invite = fc.tuple(inviteContent, u8s(16)).map(([c, s]) => encodeInvite(c, s));

export const peerTargets: FuzzTarget[] = [
  {
    parser: "relay message",
    name: "arbitrary bytes after the magic: null, RangeError or ParseError",
    property: () =>
      fc.property(fc.oneof(bytes(200), withPrefix(Uint8Array.of(0x50, 0x52, 0x01), 200)), (b) => {
        outcome(decodeRelayMessage, b, { null: true, truncated: true, malformed: true });
      }),
  },
  {
    parser: "relay message",
    name: "encode → decode gives the message back; mutations never throw anything else",
    property: () =>
      fc.property(relayMessage, mutations, (m, ms) => {
        const b = encodeRelayMessage(m);
        sameJson(decodeRelayMessage(b), m, "relay message");
        outcome(decodeRelayMessage, mutate(b, ms), {
          null: true,
          truncated: true,
          malformed: true,
        });
      }),
  },
  {
    parser: "invite",
    name: "arbitrary token text: RangeError or ParseError",
    property: () =>
      fc.property(tokenText(INVITE_PREFIX), (t) => {
        outcome(decodeInvite, t, { truncated: true, malformed: true });
      }),
  },
  {
    parser: "invite",
    name: "encode → decode gives the content back; wrapped text still decodes",
    property: () =>
      fc.property(inviteContent, u8s(16), fc.nat(), (c, secret, cut) => {
        const inv = encodeInvite(c, secret);
        const back = decodeInvite(inv.token);
        sameJson(back, inv, "invite");
        const { token, secret: _s, id: _i, tokenHash: _h, ...content } = back;
        sameJson(content, c, "invite content");
        const at = cut % token.length;
        const wrapped = `  ${token.slice(0, at)}\r\n\t${token.slice(at)}\n`;
        sameJson(decodeInvite(wrapped), inv, "wrapped invite");
      }),
  },
  {
    parser: "invite",
    name: "mutated tokens: RangeError or ParseError, never an altered invite",
    property: () =>
      fc.property(invite, mutations, (inv, ms) => {
        const t = mutateToken(inv.token, INVITE_PREFIX, ms);
        if (t === inv.token) return;
        const o = outcome((x: string) => parseInvite(x, 0), t, {
          truncated: true,
          malformed: true,
        });
        check(o !== "value", `altered invite accepted: ${t}`);
      }),
  },
  {
    parser: "reply",
    name: "arbitrary token text: RangeError or ParseError",
    property: () =>
      fc.property(tokenText(REPLY_PREFIX), (t) => {
        outcome(decodeReplyToken, t, { truncated: true, malformed: true });
      }),
  },
  {
    parser: "reply",
    name: "make → decode → accept gives the joiner back; mutated replies are refused",
    cost: 4,
    property: () =>
      fc.property(cardOfA, mutations, (card, ms) => {
        const invites = new InviteStore();
        const inv = encodeInvite({
          ...B.card,
          controlPort: 0,
          expiresAt: NOW + 3600_000,
        }, seededRandom("fuzz reply")(16));
        invites.add(inv, NOW);
        const reply = makeReplyToken(A.keys, inv, card, NOW);
        const d = decodeReplyToken(reply);
        const want = {
          wgPublicKey: A.wg,
          signPublicKey: A.sign,
          name: card.name,
          endpoints: card.endpoints,
          tunnelAddresses: card.tunnelAddresses,
          lanSubnets: card.lanSubnets,
        };
        const { signed: _s, tag: _t, ...content } = d;
        sameJson(content, want, "reply");
        const bad = mutateToken(reply, REPLY_PREFIX, ms);
        if (bad !== reply) {
          try {
            acceptReply(B.keys, invites, bad, NOW);
          } catch (e) {
            if (e instanceof PeerError) {
              check(e.code === "unknown-invite", `altered reply refused with "${e.code}"`);
              return;
            }
            classify(e, { truncated: true, malformed: true }, bad);
            return;
          }
          check(false, `altered reply accepted: ${bad}`);
        }
        sameJson(acceptReply(B.keys, invites, reply, NOW).joiner, want, "accepted joiner");
      }),
  },
  {
    parser: "card",
    name: "arbitrary bytes after the magic: RangeError or ParseError",
    property: () =>
      fc.property(fc.oneof(bytes(400), withPrefix(Uint8Array.of(0x50, 0x43, 0x01), 600)), (b) => {
        outcome(decodeCard, b, { truncated: true, malformed: true });
        outcome(verifyCard, b, { truncated: true, malformed: true });
      }),
  },
  {
    parser: "card",
    name: "sign → decode → verify gives the card back; mutated cards fail",
    cost: 4,
    property: () =>
      fc.property(cardOfA, mutations, (card, ms) => {
        const sc = signCard(card, A.keys.signSeed);
        sameJson(verifyCard(sc.bytes).card, card, "card");
        const bad = mutate(sc.bytes, ms);
        if (!differ(bad, sc.bytes)) return;
        const o = outcome(verifyCard, bad, { truncated: true, malformed: true });
        check(o !== "value", "an altered card passed its signature check");
      }),
  },
  {
    parser: "card",
    name: "card store offers (peer exchange): never throw; altered cards are invalid",
    cost: 4,
    property: () =>
      fc.property(
        fc.oneof(bytes(400), withPrefix(Uint8Array.of(0x50, 0x43, 0x01), 400)),
        mutations,
        (junk, ms) => {
          const store = new CardStore(B.sign, B.wg);
          store.pin(A.sign, NOW);
          check(store.offer(junk, NOW).status === "invalid", "junk was not invalid");
          const bad = mutate(A.signed.bytes, ms);
          const r = store.offer(bad, NOW);
          if (differ(bad, A.signed.bytes)) {
            check(r.status === "invalid", `an altered card was "${r.status}"`);
          }
          check(store.offer(A.signed, NOW).status !== "invalid", "the real card was invalid");
        },
      ),
  },
  {
    parser: "bundle",
    name: "arbitrary bytes: null, RangeError or ParseError",
    property: () =>
      fc.property(fc.oneof(bytes(), withPrefix(Uint8Array.of(0x50, 0x42, 0x01))), (b) => {
        outcome(decodeCardBundle, b);
      }),
  },
  {
    parser: "bundle",
    name: "encode → decode round trip; mutations give documented outcomes",
    property: () =>
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 64 }),
        mutations,
        (cards, ms) => {
          const b = encodeCardBundle(cards);
          sameJson(decodeCardBundle(b), cards, "bundle");
          outcome(decodeCardBundle, mutate(b, ms));
        },
      ),
  },
  {
    parser: "join",
    name: "arbitrary datagrams: null, RangeError or ParseError",
    property: () =>
      fc.property(
        fc.oneof(bytes(600), withPrefix(Uint8Array.of(0x50, 0x4a, 0x01), 600)),
        (b) => {
          outcome(decodeJoinMessage, b);
        },
      ),
  },
  {
    parser: "join",
    name: "reject round trip",
    property: () =>
      fc.property(
        u8s(8),
        fc.constantFrom(
          "unknown-invite" as const,
          "expired" as const,
          "used" as const,
          "auth-failed" as const,
          "bad-card" as const,
          "self" as const,
        ),
        (id, code) => {
          const hex = Array.from(id, (x) => x.toString(16).padStart(2, "0")).join("");
          sameJson(
            decodeJoinMessage(encodeReject(hex, code)),
            { kind: "reject", id: hex, code },
            "reject",
          );
        },
      ),
  },
  {
    parser: "join",
    name: "handshake: mutated requests and responses are never accepted",
    cost: 6,
    property: () =>
      fc.property(mutations, mutations, fc.boolean(), (mq, mr, junk) => {
        const invites = new InviteStore();
        const inv = encodeInvite(
          { ...A.card, controlPort: 51821, expiresAt: NOW + 3600_000 },
          seededRandom("fuzz join")(16),
        );
        invites.add(inv, NOW);
        const { state, request } = startJoin(B.keys, inv, B.signed, NOW, seededRandom("b"));
        const badReq = junk
          ? Uint8Array.from([...request.subarray(0, 12), ...mutate(request.subarray(12), mq)])
          : mutate(request, mq);
        if (differ(badReq, request)) {
          let h;
          try {
            h = handleJoinRequest(A.keys, invites, A.signed, badReq, NOW, seededRandom("a"));
          } catch (e) {
            classify(e, { truncated: true, malformed: true }, badReq);
          }
          check(h?.kind !== "accepted", "an altered join request was accepted");
        }
        const ok = handleJoinRequest(A.keys, invites, A.signed, request, NOW, seededRandom("a"));
        check(ok?.kind === "accepted", `the real request was not accepted: ${ok?.kind}`);
        const badResp = mutate(ok.reply, mr);
        if (!differ(badResp, ok.reply)) return;
        let f;
        try {
          f = finishJoin(state, badResp);
        } catch (e) {
          classify(e, { truncated: true, malformed: true }, badResp);
        }
        check(f?.kind !== "joined", "an altered join response was accepted");
        check(finishJoin(state, ok.reply)?.kind === "joined", "the real response failed");
      }),
  },
];
