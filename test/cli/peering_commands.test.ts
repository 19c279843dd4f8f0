import { describe, expect, test } from "vitest";
import { parseArgs } from "../../src/lib/args.ts";
import { formatCards, PEERING_COMMANDS } from "../../src/cli/peering_commands.ts";

function command(word: string) {
  const c = PEERING_COMMANDS.find((x) => x.words[0] === word);
  if (!c) throw new Error(`no command ${word}`);
  return c;
}

async function run(word: string, argv: string[], answer: unknown) {
  const calls: [string, unknown][] = [];
  const c = command(word);
  const text = await c.run((m, p) => {
    calls.push([m, p]);
    return Promise.resolve(answer);
  }, parseArgs(argv, c.flags));
  return { text, calls };
}

const PEER = {
  name: "berlin",
  publicKey: "k",
  endpoints: ["203.0.113.20:51820"],
  tunnelAddresses: ["10.77.0.2/16"],
  lanSubnets: ["192.168.2.0/24"],
};

describe("peering commands", () => {
  test("invite passes name and expiry and prints the join command; --qr adds a QR code", async () => {
    const answer = { token: "punch1-abc", expiresAt: 0, reachable: true };
    const { text, calls } = await run("invite", ["--name", "home", "--expires", "1h"], answer);
    expect(calls).toEqual([["invite.create", { name: "home", expires: "1h" }]]);
    expect(text).toContain("punchctl join punch1-abc");
    const qr = await run("invite", ["--qr"], answer);
    expect(qr.text.split("\n").length).toBeGreaterThan(text.split("\n").length + 10);
    expect(qr.text).toMatch(/[\u2580\u2584\u2588]/);
  });

  test("join: one step, or the exact accept command with the reply token", async () => {
    const direct = await run("join", ["punch1-", "abc"], { peer: PEER });
    expect(direct.calls[0]).toEqual(["invite.join", { token: "punch1-abc", allowOverlap: false }]);
    expect(direct.text).toMatch(/^paired with "berlin"/);
    const fallback = await run("join", ["punch1-abc", "--allow-overlap"], {
      peer: PEER,
      reply: "punch1r-xyz",
    });
    expect(fallback.calls[0]![1]).toMatchObject({ allowOverlap: true });
    expect(fallback.text).toContain("\npunchctl accept punch1r-xyz\n");
  });

  test("accept and a missing token", async () => {
    const r = await run("accept", ["punch1r-xyz"], { peer: PEER });
    expect(r.calls[0]).toEqual(["invite.accept", { reply: "punch1r-xyz", allowOverlap: false }]);
    await expect(run("accept", [], {})).rejects.toThrow(/Give the reply token/);
  });

  test("cards as text", () => {
    const text = formatCards([
      { ...PEER, self: true, paired: false, fingerprint: "00112233", seq: 5 },
      { ...PEER, endpoints: [], self: false, paired: true, fingerprint: "aabb", seq: 9 },
    ]);
    expect(text).toContain("berlin (this router)  key 00112233  seq 5");
    expect(text).toContain("endpoints: none (behind NAT; found by roaming)");
    expect(formatCards([])).toBe("no cards yet");
  });
});
