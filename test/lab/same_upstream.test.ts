// Same upstream network (issue 11): routers a and b behind one cone NAT that does not hairpin.
// Their public endpoints are the same address, which the NAT does not loop back; their cards
// also list the private WAN address, and Punch uses it because both share the public IPv4.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, waitFor } from "./lab.ts";

const NAME = "su";

let lab: Lab;

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv[0]} on ${id} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

interface Status {
  peers: { name: string; path: string; pathWhy: string; endpoint?: string; state: string }[];
}

async function peer(id: string, name: string) {
  return (JSON.parse(await ok(id, ["status", "--json"])) as Status).peers.find((p) =>
    p.name === name
  );
}

function pings(from: string, to: string): Promise<boolean> {
  return lab.exec(from, ["ping", "-c1", "-W1", lab.hostAddress(to)]).then((r) => r.code === 0);
}

beforeAll(async () => {
  const up = { kind: "cone" as const, inside: "10.0.9.0/24", shared: "up" };
  lab = await labUp({
    name: NAME,
    routers: [{ id: "a", upstream: [up] }, { id: "b", upstream: [up] }],
    internetHosts: [{ id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] }],
  });
  await lab.startStun("stun");
  await Promise.all(["a", "b"].map((id) => lab.startPunchd(id)));
}, 120_000);

afterAll(async () => {
  await lab?.down();
});

describe("two routers behind one upstream NAT", () => {
  test("pair and connect over the shared network, not the NAT's public address", async () => {
    // Netcheck found the shared public address on both (the cards list it, then the private one).
    for (const id of ["a", "b"]) {
      const self = async () => {
        const cards = JSON.parse(await ok(id, ["cards", "--json"])) as {
          self: boolean;
          endpoints: string[];
        }[];
        return cards.find((c) => c.self)?.endpoints ?? [];
      };
      expect(await waitFor(async () => (await self()).length >= 2, 20_000, 200)).toBe(true);
    }
    const token = (JSON.parse(await ok("a", ["invite", "--json"])) as { token: string }).token;
    const joined = JSON.parse(await ok("b", ["join", "--json", token])) as { reply?: string };
    if (joined.reply) await ok("a", ["accept", joined.reply]);
    const sameLan = async () =>
      (await peer("a", "b"))?.path === "same-lan" && (await peer("b", "a"))?.path === "same-lan";
    expect(await waitFor(sameLan, 20_000, 250)).toBe(true);
    expect(await waitFor(() => pings("a1", "b1"), 10_000, 250)).toBe(true);
    expect(await pings("b1", "a1")).toBe(true);
  }, 90_000);
});
