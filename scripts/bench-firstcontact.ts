/**
 * First contact, many times in a row (issue 11, handshake deadlock). One lab, prefix "fc":
 * routers a and b on the internet (fw4 only). Each round configures both sides at the same
 * instant (`punchctl peer add` on both, started together, or invite/join), waits for a
 * completed handshake on both sides (bounded), then removes the peers again.
 *
 *   scripts/bench firstcontact [--rounds 50] [--bound 15] [--mode peer-add|pair]
 *
 * Prints each round's time and the count of rounds that did not connect within the bound.
 */
import { labUp, wgKeyPair } from "../test/lab/lab.ts";
import { addLanHostsAndWait, allHandshook } from "../test/lab/assist_lab.ts";
import { ctl, hasHandshake, median } from "./bench_common.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : fallback;
}
const rounds = Number(arg("rounds", "50"));
const boundMs = Number(arg("bound", "15")) * 1000;
const mode = arg("mode", "peer-add");
if (
  !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 200) ||
  !(boundMs > 0 && boundMs <= 60_000) || !["peer-add", "pair", "lan", "reply"].includes(mode)
) {
  console.error(
    "Cannot run the benchmark: --rounds takes 1..200, --bound 1..60 seconds, --mode peer-add|pair|lan|reply",
  );
  Deno.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lab = await labUp({
  name: "fc",
  routers: [
    {
      id: "a",
      hosts: 1,
      ...(mode === "reply" ? { upstream: [{ kind: "cone" as const, inside: "10.0.4.0/24" }] } : {}),
    },
    { id: "b", hosts: 1 },
  ],
  ...(mode === "reply"
    ? { internetHosts: [{ id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] }] }
    : {}),
});
const joinMs: number[] = [];
const times: number[] = [];
let failed = 0;

const handshaken = (id: string) => hasHandshake(lab, id);
async function peerCount(id: string): Promise<number> {
  const r = await lab.nsExecInProcess(lab.punchdPid(id)!, ["wg", "show", "wg0", "peers"]);
  return r.stdout.split("\n").filter((l) => l.trim() !== "").length;
}

try {
  const naive = Deno.args.includes("--naive");
  await Promise.all(
    ["a", "b"].map((id) =>
      lab.startPunchd(id, [], naive ? { env: { PUNCH_TIEBREAK: "off" } } : {})
    ),
  );
  const st = async (id: string) =>
    JSON.parse(await ctl(lab, id, ["status", "--json"])) as {
      publicKey: string;
      addresses: string[];
    };
  const [a, b] = [await st("a"), await st("b")];
  const host = (s: { addresses: string[] }) => `${s.addresses[0]!.split("/")[0]}/32`;
  const add = (id: string, other: { publicKey: string; addresses: string[] }, o: string) =>
    ctl(lab, id, [
      "peer",
      "add",
      "--public-key",
      other.publicKey,
      "--endpoint",
      `${lab.wanAddress(o)}:51820`,
      "--allowed-ips",
      host(other),
      "--name",
      o,
    ]);
  if (mode === "reply") {
    await lab.startStun("stun");
    await replyRounds();
  } else if (mode === "lan") {
    await lanRounds();
  } else {
    for (let i = 1; i <= rounds; i++) {
      await peerRound(i, () => Promise.all([add("a", b, "b"), add("b", a, "a")]));
    }
  }
} finally {
  await lab.down();
}

async function replyRounds(): Promise<void> {
  // The invite tells the truth only once netcheck has run on a.
  for (let k = 0; k < 150; k++) {
    const c = JSON.parse(await ctl(lab, "a", ["netcheck", "--json", "--cached"]).catch(() => "{}"));
    if (c.filtering && c.filtering !== "unknown") break;
    await sleep(200);
  }
  for (let i = 1; i <= rounds; i++) {
    const inv = JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as {
      token: string;
      reachable: boolean;
    };
    if (inv.reachable) throw new Error("a's invite says it is reachable: netcheck did not run?");
    const tj = Date.now();
    const joined = JSON.parse(await ctl(lab, "b", ["join", "--json", inv.token])) as {
      reply?: string;
    };
    joinMs.push(Date.now() - tj);
    if (!joined.reply) throw new Error("join printed no reply token");
    const t0 = Date.now();
    await ctl(lab, "a", ["accept", joined.reply]);
    let ms: number | null = null;
    while (Date.now() - t0 < boundMs) {
      if ((await handshaken("a")) && (await handshaken("b"))) {
        ms = Date.now() - t0;
        break;
      }
      await sleep(20);
    }
    record(i, ms);
    await unpair();
  }
}

/** Both routers remove each other; wait (bounded) until WireGuard has no peer left. */
async function unpair(): Promise<void> {
  await ctl(lab, "a", ["peer", "remove", "b"]);
  await ctl(lab, "b", ["peer", "remove", "a"]);
  for (let k = 0; k < 100 && ((await peerCount("a")) > 0 || (await peerCount("b")) > 0); k++) {
    await sleep(50);
  }
}

async function lanRounds(): Promise<void> {
  const token = (JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as { token: string }).token;
  await ctl(lab, "b", ["join", token]);
  const hosts = await addLanHostsAndWait(lab, "a", "b");
  const [ea, eb] = [hosts.a.publicEndpoint, hosts.b.publicEndpoint];
  for (let i = 1; i <= rounds; i++) {
    const [ka, kb] = [await wgKeyPair(), await wgKeyPair()];
    const t0 = Date.now();
    const [wa, wb] = await Promise.all([
      lab.hostWireguard("a1", {
        listenPort: 51820,
        privateKey: ka.privateKey,
        address: "10.252.0.1/24",
        peers: [{
          publicKey: kb.publicKey,
          endpoint: eb,
          allowedIps: ["10.252.0.2/32"],
          keepalive: 5,
        }],
      }),
      lab.hostWireguard("b1", {
        listenPort: 51820,
        privateKey: kb.privateKey,
        address: "10.252.0.2/24",
        peers: [{
          publicKey: ka.publicKey,
          endpoint: ea,
          allowedIps: ["10.252.0.1/32"],
          keepalive: 5,
        }],
      }),
    ]);
    let ms: number | null = null;
    let dumped = false;
    while (Date.now() - t0 < boundMs) {
      if (Deno.env.get("FC_DEBUG") && !dumped && Date.now() - t0 > 1500) {
        dumped = true;
        for (const id of ["a", "b"]) {
          const r = await lab.exec(id, ["nft", "list", "table", "inet", "punch_firstcontact"]);
          console.log(
            id,
            r.stdout.split("\n").filter((l) => /counter|elements/.test(l)).join("\n"),
          );
        }
      }
      if (
        await allHandshook([{ wg: wa, peerKey: kb.publicKey }, { wg: wb, peerKey: ka.publicKey }])
      ) {
        ms = Date.now() - t0;
        break;
      }
      await sleep(20);
    }
    record(i, ms);
    await Promise.all([wa.stop(), wb.stop()]);
  }
}

function record(i: number, ms: number | null): void {
  if (ms === null) failed++;
  else times.push(ms);
  console.log(
    `round ${i}: ${ms === null ? `no handshake within ${boundMs / 1000} s` : `${ms} ms`}`,
  );
}

async function peerRound(i: number, addBoth: () => Promise<unknown>): Promise<void> {
  {
    const t0 = Date.now();
    if (mode === "peer-add") {
      await addBoth();
    } else {
      const token = (JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as { token: string })
        .token;
      await ctl(lab, "b", ["join", token]);
    }
    let ms: number | null = null;
    while (Date.now() - t0 < boundMs) {
      if ((await handshaken("a")) && (await handshaken("b"))) {
        ms = Date.now() - t0;
        break;
      }
      await sleep(20);
    }
    if (Deno.env.get("FC_DEBUG") && (ms === null || ms > 2000)) {
      for (const id of ["a", "b"]) {
        const r = await lab.exec(id, ["nft", "list", "table", "inet", "punch_firstcontact"]);
        console.log(
          id,
          r.stdout.split("\n").filter((l) => /counter|elements|^\s+\d/.test(l)).join("\n"),
        );
      }
    }
    record(i, ms);
    await unpair();
  }
}
console.log(
  `\nfirst contact (${mode}${Deno.args.includes("--naive") ? ", naive" : ""}): ${
    rounds - failed
  }/${rounds} connected within ${boundMs / 1000} s; median ${median(times)} ms; max ${
    Math.max(...times)
  } ms`,
);
if (joinMs.length > 0) {
  console.log(
    `punchctl join (reply token at once): median ${median(joinMs)} ms; max ${
      Math.max(...joinMs)
    } ms`,
  );
}
if (failed > 0) Deno.exit(1);
