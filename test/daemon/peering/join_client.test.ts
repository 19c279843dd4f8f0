import { describe, expect, test } from "vitest";
import { AFTER_REJECT_MS, type JoinIo, runJoin } from "../../../src/daemon/peering/join_client.ts";
import type { Datagram } from "../../../src/daemon/peering/control_port_deno.ts";
import {
  createInvite,
  handleJoinRequest,
  InviteStore,
  parseInvite,
  startJoin,
} from "../../../src/peer/mod.ts";
import { makeRouter, NOW, seededRandom } from "../../peer/fixtures.ts";

const A = makeRouter("alpha"), B = makeRouter("bravo");

/** An inviter "on the wire": answers what reaches `reachable` hosts, after `drop` losses. */
function wire(invites: InviteStore, opts: { reachable: string[]; drop?: number }) {
  const listeners = new Set<(d: Datagram) => boolean>();
  let drop = opts.drop ?? 0;
  const sent: string[] = [];
  const io: JoinIo = {
    send(host, port, bytes) {
      sent.push(`${host}:${port}`);
      if (!opts.reachable.includes(host) || drop-- > 0) return Promise.resolve(false);
      const h = handleJoinRequest(A.keys, invites, A.signed, bytes, NOW, seededRandom("a"), []);
      if (h) queueMicrotask(() => [...listeners].some((fn) => fn({ bytes: h.reply, host, port })));
      return Promise.resolve(true);
    },
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return { io, sent, listeners };
}

function setup() {
  const invites = new InviteStore();
  const inv = createInvite(
    { ...A.card, wgPublicKey: A.wg, signPublicKey: A.sign, controlPort: 51821 },
    NOW,
    seededRandom("inv"),
    3600_000,
  );
  invites.add(inv, NOW);
  const invite = parseInvite(inv.token, NOW);
  const { state } = startJoin(B.keys, invite, B.signed, NOW, seededRandom("b"));
  return { invites, state };
}

describe("join client", () => {
  test("joins through whichever endpoint answers, despite a lost request", async () => {
    const { invites, state } = setup();
    const w = wire(invites, { reachable: ["198.51.100.5"], drop: 1 });
    const out = await runJoin(w.io, state, ["192.0.2.1", "198.51.100.5"], 51821, 2000);
    expect(out.kind).toBe("joined");
    expect(w.sent.slice(0, 2)).toEqual(["192.0.2.1:51821", "198.51.100.5:51821"]);
    expect(w.listeners.size).toBe(0);
  });

  test("silence ends at the deadline with a bounded number of sends", async () => {
    const { invites, state } = setup();
    const w = wire(invites, { reachable: [] });
    const out = await runJoin(w.io, state, ["192.0.2.1"], 51821, 400);
    expect(out).toEqual({ kind: "silent", invalid: [] });
    expect(w.sent.length).toBe(2); // at 0 and 300 ms
  });

  test("a reject (already used) is reported after a short grace period", async () => {
    const { invites, state } = setup();
    invites.markUsed(invites.list()[0]!.id, NOW, "someone else");
    const w = wire(invites, { reachable: ["198.51.100.5"] });
    const out = await runJoin(w.io, state, ["198.51.100.5"], 51821, AFTER_REJECT_MS + 3000);
    expect(out.kind).toBe("rejected");
    expect(out.kind === "rejected" && out.message).toMatch(/already used/);
  });
});
