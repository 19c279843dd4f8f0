// Issue 13's three serious findings, replayed against real punchd processes: a paired peer's card
// asking for our WAN subnet, public prefixes and a default route; a full tunnel through
// `peer add --allowed-ips 0.0.0.0/0` and `peer remove`; an endpoint name that never resolves.
// Each attack is made and the test shows it does no harm. Tests run in order on one lab.
//
// DNS: both routers' punchd see a resolv.conf naming 203.0.113.53, a lab host that drops every
// DNS packet (a resolver that never answers), so no query ever leaves the lab.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, REPO_ROOT, waitFor } from "./lab.ts";
import { alive, nsPids } from "./netns_deno.ts";
import { toBase64 } from "../../src/lib/base64.ts";
import { encodeCardBundle, routerKeys, signCard } from "../../src/peer/mod.ts";
import { wgKeyPair } from "./lab.ts";

const NAME = "hz";
const DNS_HOST = "203.0.113.53";

let lab: Lab;

interface CardJson {
  name: string;
  seq: number;
  self: boolean;
  wgPublicKey: string;
  signPublicKey: string;
  endpoints: string[];
  tunnelAddresses: string[];
  lanSubnets: string[];
}

interface StatusJson {
  peers: { name: string; publicKey: string; allowedIps: string[]; problems?: string[] }[];
  warnings: string[];
}

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id} failed: ${r.stderr}`);
  return r.stdout;
}

const status = async (id: string) => JSON.parse(await ok(id, ["status", "--json"])) as StatusJson;
const cards = async (id: string) => JSON.parse(await ok(id, ["cards", "--json"])) as CardJson[];

function pings(from: string, to: string): Promise<boolean> {
  return lab.exec(from, ["ping", "-c1", "-W1", to]).then((r) => r.code === 0);
}

/** The device the router's kernel would send `ip` out of. */
async function routeDev(id: string, ip: string): Promise<string | undefined> {
  const r = await lab.exec(id, ["ip", "-j", "route", "get", ip]);
  return (JSON.parse(r.stdout || "[]") as { dev?: string }[])[0]?.dev;
}

async function defaultRoutes(id: string): Promise<string> {
  return (await lab.exec(id, ["ip", "route", "show", "default"])).stdout.trim();
}

async function wgDump(id: string): Promise<string[][]> {
  const r = await lab.nsExecInProcess(lab.punchdPid(id)!, ["wg", "show", "wg0", "dump"]);
  return r.stdout.trim().split("\n").slice(1).map((l) => l.split("\t"));
}

beforeAll(async () => {
  lab = await labUp({
    name: NAME,
    routers: [{ id: "a" }, { id: "b" }], // WAN 203.0.113.10 and .20, LANs 192.168.1/2.0/24
    internetHosts: [{ id: "dns", addresses: [`${DNS_HOST}/24`] }],
  });
  // A resolver that never answers: every DNS packet to it is dropped.
  const drop = await lab.exec("dns", ["nft", "-f", "-"], {
    stdin: "table inet dnsdrop {\n chain in { type filter hook input priority 0;\n" +
      "  udp dport 53 drop\n  tcp dport 53 drop\n }\n}\n",
  });
  expect(drop.code, drop.stderr).toBe(0);
  // punchd runs in its own mount namespace: its /etc/resolv.conf names only that host.
  const resolv = `${lab.dir}/resolv.conf`;
  await Deno.writeTextFile(resolv, `nameserver ${DNS_HOST}\noptions timeout:5 attempts:3\n`);
  const wrapper = `${lab.dir}/punchd-resolv.sh`;
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\nmount --bind "${resolv}" /etc/resolv.conf || exit 98\nexec "${REPO_ROOT}/bin/punchd" "$@"\n`,
  );
  await Deno.chmod(wrapper, 0o755);
  await Promise.all(["a", "b"].map((id) => lab.startPunchd(id, [], { program: wrapper })));
  const token = JSON.parse(await ok("a", ["invite", "--json"])) as { token: string };
  expect(await ok("b", ["join", token.token])).toMatch(/^paired with "a"/);
  expect(await waitFor(() => pings("a1", lab.hostAddress("b1")), 20_000, 250)).toBe(true);
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe("a hostile paired peer", () => {
  test("a card routing our WAN subnet, public prefixes and a default route does no harm", async () => {
    // b turns hostile: it signs a card (with its real keys) that asks a to route a's own WAN
    // subnet, the WAN gateway, a public prefix and the default route into the tunnel.
    const bCard = (await cards("a")).find((c) => c.name === "b")!;
    const seed = (await Deno.readTextFile(`${lab.routerDir("b")}/etc/punch/sign.key`)).trim();
    const net = await Deno.readTextFile(`${lab.routerDir("b")}/etc/config/network`);
    const priv = /option private_key '([^']+)'/.exec(net)![1]!;
    const keys = routerKeys(priv, seed);
    expect(toBase64(keys.signPublicKey)).toBe(bCard.signPublicKey);
    const hostile = signCard({
      wgPublicKey: bCard.wgPublicKey,
      signPublicKey: bCard.signPublicKey,
      name: "b",
      seq: bCard.seq + 1000, // above anything the real b signs during this test
      issuedAt: Date.now(),
      endpoints: bCard.endpoints,
      tunnelAddresses: [...bCard.tunnelAddresses, "203.0.113.1/24"],
      lanSubnets: [...bCard.lanSubnets, "203.0.113.0/24", "198.51.100.0/24", "0.0.0.0/0"],
    }, keys.signSeed);
    const sent = await lab.exec("b", [
      Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      "--unstable-net",
      `${REPO_ROOT}/test/lab/udp_send_deno.ts`,
      `${lab.wanAddress("a")}:51821`,
      toBase64(encodeCardBundle([hostile.bytes])),
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    // a took the card (it is validly signed) ...
    expect(
      await waitFor(
        async () => (await cards("a")).find((c) => c.name === "b")?.seq === hostile.card.seq,
        10_000,
        200,
      ),
    ).toBe(true);
    // ... and shows every refused prefix with the peer, each with its reason.
    let problems: string[] = [];
    expect(
      await waitFor(
        async () => {
          problems = (await status("a")).peers.find((p) => p.name === "b")?.problems ?? [];
          return problems.length >= 4;
        },
        10_000,
        200,
      ),
    ).toBe(true);
    const text = problems.join("\n");
    for (const p of ["203.0.113.1/32", "203.0.113.0/24", "198.51.100.0/24", "0.0.0.0/0"]) {
      expect(text).toContain(`asked to route ${p}`);
    }
    console.log(`refusals shown for b:\n  ${problems.join("\n  ")}`);
    // Only b's private LAN and tunnel address are routed to it.
    const bPeer = (await wgDump("a")).find((f) => f[0] === bCard.wgPublicKey)!;
    expect(bPeer[3]!.split(",").sort()).toEqual(
      [...bCard.tunnelAddresses.map((t) => `${t.split("/")[0]}/32`), "192.168.2.0/24"].sort(),
    );
    // a keeps its uplink: WAN subnet, gateway and default route stay on wan0.
    expect(await routeDev("a", "203.0.113.1")).toBe("wan0");
    expect(await routeDev("a", "203.0.113.99")).toBe("wan0");
    expect(await routeDev("a", "198.51.100.7")).toBe("wan0");
    expect(await pings("a", "203.0.113.1")).toBe(true);
    expect(await defaultRoutes("a")).toMatch(/^default via 203\.0\.113\.1 dev wan0/);
    // The site-to-site tunnel still works, and the refusal was logged once, not every pass.
    expect(await pings("a1", lab.hostAddress("b1"))).toBe(true);
    const log = await Deno.readTextFile(lab.logPath("a", "punchd"));
    expect(log.split("\n").filter((l) => l.includes("asked to route 198.51.100.0/24")).length)
      .toBe(1);
  });
});

describe("full tunnel through peer add", () => {
  test("peer add 0.0.0.0/0 is refused with a clear message; the default route stays", async () => {
    const before = await defaultRoutes("a");
    const k = await wgKeyPair();
    const r = await lab.punchctl("a", [
      "peer",
      "add",
      "--public-key",
      k.publicKey,
      "--allowed-ips",
      "0.0.0.0/0",
      "--endpoint",
      "203.0.113.99:51820",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/0\.0\.0\.0\/0 would replace this router's default route/);
    expect(r.stderr).toMatch(/full tunnel/);
    const half = await lab.punchctl("a", [
      "peer",
      "add",
      "--public-key",
      k.publicKey,
      "--allowed-ips",
      "128.0.0.0/1",
    ]);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toMatch(/128\.0\.0\.0\/1 overlaps the (LAN|WAN) subnet on (lan0|wan0)/);
    expect(await defaultRoutes("a")).toBe(before);
    const net = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`);
    expect(net).not.toContain(k.publicKey);
  });

  test("a default route in the config never replaces ours, and removal keeps routes Punch did not add", async () => {
    const before = await defaultRoutes("a");
    // The owner's own route on the tunnel interface: Punch must never delete it.
    const own = await lab.exec("a", ["ip", "route", "add", "10.123.0.0/16", "dev", "wg0"]);
    expect(own.code, own.stderr).toBe(0);
    // A peer edited into /etc/config/network by hand with a full tunnel (punchctl refuses it).
    const k = await wgKeyPair();
    const file = `${lab.routerDir("a")}/etc/config/network`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)) +
        `\nconfig wireguard_wg0\n\toption description 'exit'\n\toption public_key '${k.publicKey}'\n` +
        `\tlist allowed_ips '0.0.0.0/0'\n\tlist allowed_ips '10.124.0.0/16'\n` +
        `\toption endpoint_host '203.0.113.99'\n\toption route_allowed_ips '1'\n`,
    );
    Deno.kill(lab.punchdPid("a")!, "SIGHUP");
    expect(
      await waitFor(async () => (await routeDev("a", "10.124.0.1")) === "wg0", 30_000, 250),
    ).toBe(true);
    // The default route was not taken over; status says why.
    expect(await defaultRoutes("a")).toBe(before);
    const warn = (await status("a")).warnings.join("\n");
    expect(warn).toMatch(
      /Cannot route 0\.0\.0\.0\/0 into wg0: this router already routes it via 203\.0\.113\.1 on wan0/,
    );
    console.log(`warning shown: ${warn}`);
    expect(await ok("a", ["peer", "remove", "exit"])).toMatch(/removed/);
    expect(await routeDev("a", "10.124.0.1")).not.toBe("wg0");
    expect(await defaultRoutes("a")).toBe(before);
    expect(await routeDev("a", "10.123.0.1")).toBe("wg0"); // the owner's route stays
    expect(await pings("a", "203.0.113.1")).toBe(true);
  });
});

describe("an endpoint name that does not resolve", () => {
  test("only its own peer waits; the rest applies; SIGTERM still stops punchd", async () => {
    const stuck = await wgKeyPair();
    const good = await wgKeyPair();
    const t0 = Date.now();
    const add = await lab.punchctl("a", [
      "peer",
      "add",
      "--name",
      "stuck",
      "--public-key",
      stuck.publicKey,
      "--allowed-ips",
      "10.77.200.1/32",
      "--endpoint",
      "stuck.example:51820",
    ]);
    expect(add.code, add.stderr).toBe(0);
    console.log(`peer add with a name that does not resolve answered in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    const add2 = await lab.punchctl("a", [
      "peer",
      "add",
      "--name",
      "good",
      "--public-key",
      good.publicKey,
      "--allowed-ips",
      "10.77.200.2/32",
      "--endpoint",
      "203.0.113.99:51820",
    ]);
    expect(add2.code, add2.stderr).toBe(0);
    console.log(`the next peer add answered in ${Date.now() - t1} ms`);
    // Both peers reached WireGuard: the good one with its endpoint, the stuck one without.
    const dump = await wgDump("a");
    expect(dump.find((f) => f[0] === good.publicKey)?.[2]).toBe("203.0.113.99:51820");
    expect(dump.find((f) => f[0] === stuck.publicKey)?.[2]).toBe("(none)");
    const peer = (await status("a")).peers.find((p) => p.name === "stuck")!;
    expect(peer.problems?.join("\n")).toMatch(
      /Cannot resolve the endpoint "stuck\.example:51820": no answer from the DNS resolver/,
    );
    // The tunnel to b is untouched and reconciles keep working.
    expect(await pings("a1", lab.hostAddress("b1"))).toBe(true);
    const warnings = (await status("a")).warnings.join("\n");
    expect(warnings).not.toMatch(/Cannot apply the WireGuard config/);

    // SIGTERM while a name is being asked (punchctl peer add in flight): punchd stops.
    const pid = lab.punchdPid("a")!;
    const third = await wgKeyPair();
    const inFlight = lab.punchctl("a", [
      "peer",
      "add",
      "--public-key",
      third.publicKey,
      "--allowed-ips",
      "10.77.200.3/32",
      "--endpoint",
      "other.stuck.example:51820",
    ]);
    expect(
      await waitFor(
        async () =>
          (await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/network`)).includes(
            third.publicKey,
          ),
        10_000,
        20,
      ),
    ).toBe(true);
    const t2 = Date.now();
    Deno.kill(pid, "SIGTERM");
    expect(await waitFor(() => Promise.resolve(!alive(pid)), 5_000, 20)).toBe(true);
    console.log(`punchd exited ${Date.now() - t2} ms after SIGTERM (mid DNS lookup)`);
    await inFlight;
    const log = await Deno.readTextFile(lab.logPath("a", "punchd"));
    expect(log.split("\n").filter((l) => l.includes('resolve the endpoint "stuck.example')).length)
      .toBe(1);
    // No child of punchd outlives it (wireguard-go is the interface itself, kept on purpose).
    const left = await Promise.all(
      (await nsPids(lab.ns("a"))).map((p) =>
        Deno.readTextFile(`/proc/${p}/comm`).then((c) => c.trim(), () => "")
      ),
    );
    expect(left.filter((c) => c !== "" && c !== "wireguard-go")).toEqual([]);
  });

  test("a temporary file left by an interrupted write (a crash) is removed at the next start", async () => {
    await lab.stopPunchd("a"); // bookkeeping only: it has exited already
    const tmp = `${lab.routerDir("a")}/etc/punch/state.json.punch-tmp-deadbeef`;
    await Deno.writeTextFile(tmp, "half of a state file", { mode: 0o600 });
    await lab.startPunchd("a", [], { program: `${lab.dir}/punchd-resolv.sh` });
    expect(await Deno.stat(tmp).then(() => true, () => false)).toBe(false);
    const log = await Deno.readTextFile(lab.logPath("a", "punchd"));
    expect(log).toMatch(
      /removed leftovers of an interrupted run: .*state\.json\.punch-tmp-deadbeef/,
    );
    expect(await waitFor(() => pings("a1", lab.hostAddress("b1")), 20_000, 250)).toBe(true);
  });
});
