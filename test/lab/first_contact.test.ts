// First contact without a handshake deadlock (issue 11): both routers configure each other at the
// same instant, over and over, and two plain WireGuard LAN hosts behind them start at the same
// instant, over and over. Every round must connect (bounded wait); the longer 50-round runs are
// `scripts/bench firstcontact`. Also checks the tie-break table: only the winner holds the pair.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addLanHostsAndWait, allHandshook } from "./assist_lab.ts";
import { type HostWireguard, type Lab, labUp, waitFor, wgKeyPair } from "./lab.ts";
import { FIRST_CONTACT_TABLE, winsTie } from "../../src/wg/first_contact.ts";

const ROUNDS = 8;
/** Two of WireGuard's 5 s retry rounds and some slack: a crossing costs at most one round. */
const BOUND_MS = 15_000;

let lab: Lab;

async function ctl(id: string, ...argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id}: ${r.stderr}`);
  return r.stdout;
}

type Status = { publicKey: string; addresses: string[] };
const status = async (id: string) => JSON.parse(await ctl(id, "status", "--json")) as Status;

async function wgLines(id: string, what: string): Promise<string[]> {
  const r = await lab.nsExecInProcess(lab.punchdPid(id)!, ["wg", "show", "wg0", what]);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

const handshaken = async (id: string) =>
  (await wgLines(id, "latest-handshakes")).some((l) => /\t[1-9]\d*$/.test(l));

beforeAll(async () => {
  lab = await labUp({ name: "fk", routers: [{ id: "a", hosts: 1 }, { id: "b", hosts: 1 }] });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe("first contact", () => {
  test(`both routers add each other at once, ${ROUNDS} times: every round connects`, async () => {
    const [a, b] = [await status("a"), await status("b")];
    const add = (id: string, other: Status, o: string) =>
      ctl(
        id,
        "peer",
        "add",
        "--public-key",
        other.publicKey,
        "--endpoint",
        `${lab.wanAddress(o)}:51820`,
        "--allowed-ips",
        `${other.addresses[0]!.split("/")[0]}/32`,
        "--name",
        o,
      );
    const missed: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      await Promise.all([add("a", b, "b"), add("b", a, "a")]);
      const ok = await waitFor(
        async () => (await handshaken("a")) && (await handshaken("b")),
        BOUND_MS,
        50,
      );
      if (!ok) missed.push(i);
      if (i === 1) {
        // Only the winner's router holds the pair; the loser's set is empty.
        const winner = winsTie(a.publicKey, b.publicKey) ? "a" : "b";
        const loser = winner === "a" ? "b" : "a";
        const list = async (id: string) =>
          (await lab.exec(id, ["nft", "list", "set", ...FIRST_CONTACT_TABLE.split(" "), "local4"]))
            .stdout;
        expect(await list(winner)).toContain(`51820 . ${lab.wanAddress(loser)} . 51820`);
        expect(await list(loser)).not.toContain("elements");
      }
      await ctl("a", "peer", "remove", "b");
      await ctl("b", "peer", "remove", "a");
      expect(
        await waitFor(
          async () =>
            (await wgLines("a", "peers")).length === 0 &&
            (await wgLines("b", "peers")).length === 0,
          10_000,
          50,
        ),
      ).toBe(true);
    }
    expect(missed).toEqual([]);
  });

  test(`two LAN hosts start at once behind paired routers, ${ROUNDS} times: every round connects`, async () => {
    await ctl(
      "b",
      "join",
      (JSON.parse(await ctl("a", "invite", "--json")) as { token: string }).token,
    );
    const hosts = await addLanHostsAndWait(lab, "a", "b");
    const [ea, eb] = [hosts.a.publicEndpoint, hosts.b.publicEndpoint];
    const missed: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
      const start = (
        id: string,
        key: string,
        peer: string,
        endpoint: string,
        me: string,
        them: string,
      ) =>
        lab.hostWireguard(id, {
          listenPort: 51820,
          privateKey: key,
          address: `${me}/24`,
          peers: [{ publicKey: peer, endpoint, allowedIps: [`${them}/32`], keepalive: 5 }],
        });
      const [wa, wb]: [HostWireguard, HostWireguard] = await Promise.all([
        start("a1", ka.privateKey, kb.publicKey, eb, "10.252.0.1", "10.252.0.2"),
        start("b1", kb.privateKey, ka.publicKey, ea, "10.252.0.2", "10.252.0.1"),
      ]);
      const ok = await waitFor(
        () => allHandshook([{ wg: wa, peerKey: kb.publicKey }, { wg: wb, peerKey: ka.publicKey }]),
        BOUND_MS,
        50,
      );
      if (!ok) missed.push(i);
      await Promise.all([wa.stop(), wb.stop()]);
    }
    expect(missed).toEqual([]);
  });
});
