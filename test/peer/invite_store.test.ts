import { describe, expect, test } from "vitest";
import { InviteStore } from "../../src/peer/invite_store.ts";
import { createInvite } from "../../src/peer/invite_token.ts";
import { PeerError } from "../../src/peer/peer_error.ts";
import { makeRouter, NOW, seededRandom } from "./fixtures.ts";

const A = makeRouter("alpha");
const mk = (seed: string, ttl = 3600_000) =>
  createInvite({ ...A.card, controlPort: 51821 }, NOW, seededRandom(seed), ttl);

describe("InviteStore", () => {
  test("outstanding, used, revoked and expired", () => {
    const s = new InviteStore();
    const [a, b, c] = [s.add(mk("a"), NOW), s.add(mk("b"), NOW), s.add(mk("c", 1000), NOW)];
    expect(s.outstanding(NOW).length).toBe(3);
    s.markUsed(a.id, NOW, "x");
    s.revoke(b.id);
    expect(s.outstanding(NOW + 2000)).toEqual([]);
    for (const [r, code] of [[a, "used"], [b, "used"], [c, "expired"]] as const) {
      try {
        s.checkUsable(s.get(r.id)!, NOW + 2000);
        expect.unreachable();
      } catch (e) {
        expect((e as PeerError).code).toBe(code);
      }
    }
  });

  test("prune forgets spent records after the keep time; JSON round trip", () => {
    const s = new InviteStore();
    const a = s.add(mk("a"), NOW);
    s.add(mk("b", 10 * 24 * 3600_000), NOW);
    s.markUsed(a.id, NOW, "x");
    const back = InviteStore.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(back.list()).toEqual(s.list());
    expect(back.prune(NOW + 8 * 24 * 3600_000)).toBe(1);
    expect(back.list().length).toBe(1);
    expect(() => InviteStore.fromJSON([{ id: 1 }])).toThrow(/Cannot read invite store entry/);
  });
});
