// Captured byte vectors for every peer wire format. Regenerate after a deliberate format change
// with UPDATE_VECTORS=1 (and say so in the commit): a diff here means old routers break.
import { describe, expect, test } from "vitest";
import { toBase64 } from "../../src/lib/base64.ts";
import { toHex } from "../../src/lib/bytes.ts";
import { encodeCardBundle } from "../../src/peer/card_bundle.ts";
import { InviteStore } from "../../src/peer/invite_store.ts";
import { encodeInvite, parseInvite } from "../../src/peer/invite_token.ts";
import { handleJoinRequest, startJoin } from "../../src/peer/join_handshake.ts";
import { encodeReject } from "../../src/peer/join_messages.ts";
import { acceptReply, makeReplyToken } from "../../src/peer/reply_token.ts";
import { makeRouter, NOW, seededRandom } from "./fixtures.ts";

const FILE = new URL("../vectors/peer/peer_v1.json", import.meta.url);

function build(): Record<string, unknown> {
  const A = makeRouter("alpha", {
    endpoints: ["203.0.113.7:51820", "[2001:db8::7]:51820", "alpha.example.net:51820"],
  });
  const B = makeRouter("bravo", {
    lanHosts: [{ name: "nas", publicEndpoint: "198.51.100.5:40001" }],
  });
  const secret = seededRandom("vector secret")(16);
  const inv = encodeInvite({
    wgPublicKey: A.wg,
    signPublicKey: A.sign,
    name: "alpha",
    expiresAt: NOW + 86_400_000,
    controlPort: 51821,
    endpoints: ["203.0.113.7:51820", "[2001:db8::7]:51820"],
    tunnelAddresses: ["10.77.0.1/16"],
    lanSubnets: ["192.168.1.0/24"],
  }, secret);
  const invites = new InviteStore();
  invites.add(inv, NOW);
  const parsed = parseInvite(inv.token, NOW);
  const { request } = startJoin(
    B.keys,
    parsed,
    B.signed,
    NOW,
    seededRandom("vector joiner ephemeral"),
  );
  const h = handleJoinRequest(
    A.keys,
    invites,
    A.signed,
    request,
    NOW,
    seededRandom("vector inviter ephemeral"),
  );
  if (h?.kind !== "accepted") throw new Error("vector handshake failed");
  const invites2 = new InviteStore();
  invites2.add(inv, NOW);
  const reply = makeReplyToken(B.keys, parsed, B.card, NOW);
  acceptReply(A.keys, invites2, reply, NOW);
  return {
    note: "Inputs: routers from test/peer/fixtures.ts (seeded), now = " +
      new Date(NOW).toISOString(),
    alpha: {
      wgPrivateKey: toBase64(A.keys.wgPrivateKey),
      signSeed: toBase64(A.keys.signSeed),
      wgPublicKey: A.wg,
      signPublicKey: A.sign,
    },
    bravo: {
      wgPrivateKey: toBase64(B.keys.wgPrivateKey),
      signSeed: toBase64(B.keys.signSeed),
      wgPublicKey: B.wg,
      signPublicKey: B.sign,
    },
    inviteSecretHex: toHex(secret),
    inviteId: inv.id,
    inviteToken: inv.token,
    inviteTokenHashHex: toHex(inv.tokenHash),
    cardAlphaHex: toHex(A.signed.bytes),
    cardBravoHex: toHex(B.signed.bytes),
    joinRequestHex: toHex(request),
    joinResponseHex: toHex(h.reply),
    joinRejectUsedHex: toHex(encodeReject(inv.id, "used")),
    bundleHex: toHex(encodeCardBundle([A.signed])),
    replyToken: reply,
  };
}

describe("peer vectors", () => {
  test("every format reproduces its captured bytes", async () => {
    const now = build();
    if (Deno.env.get("UPDATE_VECTORS") === "1") {
      await Deno.writeTextFile(FILE, JSON.stringify(now, null, 2) + "\n");
    }
    const saved = JSON.parse(await Deno.readTextFile(FILE));
    expect(now).toEqual(saved);
  });
});
