// Plain Linux without fw4 (issue 13): a router whose nftables has no `table inet fw4` (masquerade
// only). punchd keeps its rules in tables of its own (`inet punch_fw` for the WAN ports and the
// tunnel, `inet punch` for LAN assist), pairs with an fw4 router, routes site to site, and a LAN
// host behind it reaches a LAN host behind the other router; no warning about missing chains.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addLanHostsAndWait, allHandshook } from "./assist_lab.ts";
import { type HostWireguard, type Lab, labUp, waitFor, wgKeyPair } from "./lab.ts";

let lab: Lab;
const wgs: HostWireguard[] = [];

async function ctl(id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
  return r.stdout;
}
const nft = async (id: string, ...argv: string[]) => (await lab.exec(id, ["nft", ...argv])).stdout;

beforeAll(async () => {
  lab = await labUp({
    name: "nf",
    routers: [{ id: "a", hosts: 1, fw4: false }, { id: "b", hosts: 1 }],
  });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
}, 120_000);

afterAll(async () => {
  for (const w of wgs) await w.stop().catch(() => {});
  await lab?.down();
}, 60_000);

describe("a router without fw4", () => {
  test("pairs and routes site to site; its rules are in a table of its own", async () => {
    expect(await nft("a", "list", "tables")).not.toContain("fw4");
    const token = (JSON.parse(await ctl("a", "invite", "--json")) as { token: string }).token;
    await ctl("b", "join", token);
    const ping = (from: string, to: string) =>
      lab.exec(from, ["ping", "-c1", "-W1", lab.hostAddress(to)]).then((r) => r.code === 0);
    expect(await waitFor(() => ping("b1", "a1"), 20_000, 250)).toBe(true);
    expect(await ping("a1", "b1")).toBe(true);
    const own = await nft("a", "list", "table", "inet", "punch_fw");
    expect(own).toMatch(/hook input/);
    expect(own).toContain("udp dport 51820 counter packets");
    expect(own).toContain('comment "punch:wg"');
    const status = JSON.parse(await ctl("a", "status", "--json")) as { warnings: string[] };
    expect(status.warnings.filter((w) => /fw4|chain/i.test(w))).toEqual([]);
  });

  test("LAN assist uses its own table and two LAN hosts connect", async () => {
    const hosts = await addLanHostsAndWait(lab, "a", "b");
    expect(await nft("a", "list", "table", "inet", "punch")).toMatch(
      /punch_dstnat[\s\S]*dnat ip to/,
    );
    const [a1, b1] = [hosts.a, hosts.b];
    const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
    wgs.push(
      await lab.hostWireguard("a1", {
        listenPort: 51820,
        privateKey: ka.privateKey,
        address: "10.253.0.1/24",
        peers: [{
          publicKey: kb.publicKey,
          endpoint: b1.publicEndpoint,
          allowedIps: ["10.253.0.2/32"],
          keepalive: 5,
        }],
      }),
      await lab.hostWireguard("b1", {
        listenPort: 51820,
        privateKey: kb.privateKey,
        address: "10.253.0.2/24",
        peers: [{
          publicKey: ka.publicKey,
          endpoint: a1.publicEndpoint,
          allowedIps: ["10.253.0.1/32"],
          keepalive: 5,
        }],
      }),
    );
    expect(
      await waitFor(
        () =>
          allHandshook([{ wg: wgs[0]!, peerKey: kb.publicKey }, {
            wg: wgs[1]!,
            peerKey: ka.publicKey,
          }]),
        20_000,
        100,
      ),
    ).toBe(true);
    const status = JSON.parse(await ctl("a", "status", "--json")) as { warnings: string[] };
    expect(status.warnings.filter((w) => /fw4|chain/i.test(w))).toEqual([]);
  });
});
