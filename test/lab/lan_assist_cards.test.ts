import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allHandshook } from "./assist_lab.ts";
import { type HostWireguard, type Lab, labUp, waitFor, wgKeyPair } from "./lab.ts";

/**
 * LAN assist between two paired Punch routers: each registers its LAN host with `lan add` only;
 * the hosts' public endpoints travel in the signed peer cards and each router opens the pinhole
 * for the other side's host by itself. Then `peer remove` unpairs for good.
 */
let lab: Lab;
const wgs: HostWireguard[] = [];

async function ctl(id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
  return r.stdout;
}
type LanHost = { name: string; publicEndpoint: string; remotes: string[] };
const lanList = async (id: string) =>
  JSON.parse(await ctl(id, "lan", "list", "--json")) as LanHost[];

beforeAll(async () => {
  lab = await labUp({ name: "lc", routers: [{ id: "a", hosts: 1 }, { id: "b", hosts: 1 }] });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
}, 120_000);

afterAll(async () => {
  for (const w of wgs) await w.stop().catch(() => {});
  await lab?.down();
}, 60_000);

describe("LAN host endpoints in peer cards", () => {
  test("after invite/join, lan add on each side is enough for the LAN hosts to connect", async () => {
    const token = (JSON.parse(await ctl("a", "invite", "--json")) as { token: string }).token;
    await ctl("b", "join", token);
    const added = await ctl("a", "lan", "add", lab.hostAddress("a1"), "--name", "a1");
    // Paired: the hint never asks for --remote (b has no LAN host yet, or its card is on the way).
    expect(added).toMatch(
      /Paired routers learn .* from this router's card|Waiting for the card of/,
    );
    expect(added).not.toContain("--remote IP:PORT");
    await ctl("b", "lan", "add", lab.hostAddress("b1"), "--name", "b1");
    // Each router learns the other's LAN host from its card and opens a pinhole for it.
    const learned = await waitFor(
      async () => {
        const [a, b] = [await lanList("a"), await lanList("b")];
        return a[0]!.remotes.includes(b[0]!.publicEndpoint) &&
          b[0]!.remotes.includes(a[0]!.publicEndpoint);
      },
      20_000,
      250,
    );
    expect(learned).toBe(true);
    for (const id of ["a", "b"]) {
      expect(await ctl(id, "lan", "list")).toContain(
        "from this router's card and open their side by themselves, no --remote needed",
      );
    }
    const [a1, b1] = [(await lanList("a"))[0]!, (await lanList("b"))[0]!];
    const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
    wgs.push(
      await lab.hostWireguard("a1", {
        listenPort: 51820,
        privateKey: ka.privateKey,
        address: "10.252.0.1/24",
        peers: [{
          publicKey: kb.publicKey,
          endpoint: b1.publicEndpoint,
          allowedIps: ["10.252.0.2/32"],
          keepalive: 5,
        }],
      }),
    );
    wgs.push(
      await lab.hostWireguard("b1", {
        listenPort: 51820,
        privateKey: kb.privateKey,
        address: "10.252.0.2/24",
        peers: [{
          publicKey: ka.publicKey,
          endpoint: a1.publicEndpoint,
          allowedIps: ["10.252.0.1/32"],
          keepalive: 5,
        }],
      }),
    );
    const ok = await waitFor(
      () =>
        allHandshook([{ wg: wgs[0]!, peerKey: kb.publicKey }, {
          wg: wgs[1]!,
          peerKey: ka.publicKey,
        }]),
      20_000,
      100,
    );
    expect(ok).toBe(true);
  });

  test("peer remove unpairs: the removed router's next card does not bring it back", async () => {
    const bKey =
      (JSON.parse(await ctl("b", "status", "--json")) as { publicKey: string }).publicKey;
    await ctl("a", "peer", "remove", bKey);
    // b re-signs and pushes its card (a LAN host change does that at once).
    await ctl("b", "lan", "remove", "b1");
    await new Promise((r) => setTimeout(r, 3000));
    const peers = JSON.parse(await ctl("a", "peer", "list", "--json")) as { publicKey: string }[];
    expect(peers.map((p) => p.publicKey)).not.toContain(bKey);
  });
});
