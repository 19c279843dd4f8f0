#!/usr/bin/env -S deno run -A --unstable-net
// Capture real STUN bytes into test/vectors/stun/: coturn's Binding responses to our requests, and
// Debian's `stun` client's requests to our server. Loopback only (127.77.0.0/16, ::1).
// Usage: deno run -A --unstable-net scripts/capture-stun-vectors.ts [outdir]

import { toHex } from "../src/lib/bytes.ts";
import type { Endpoint } from "../src/lib/net.ts";
import { encodeStun, type StunMessageInit } from "../src/stun/stun_codec.ts";
import { startStunServer } from "../src/stun/stun_server_deno.ts";

const outDir = Deno.args[0] ?? new URL("../test/vectors/stun/", import.meta.url).pathname;
const TURN_A = "127.77.0.1", TURN_B = "127.77.0.2", TURN_SOLO = "127.77.0.5";
const OURS_A = "127.77.0.3", OURS_B = "127.77.0.4";

function write(name: string, comment: string[], bytes: Uint8Array): void {
  const lines = [...comment.map((c) => `# ${c}`), ...(toHex(bytes).match(/.{1,64}/g) ?? [])];
  Deno.writeTextFileSync(`${outDir}/${name}.hex`, lines.join("\n") + "\n");
  console.log(`wrote ${name}.hex (${bytes.length} bytes)`);
}

async function startTurn(ips: string[]): Promise<Deno.ChildProcess> {
  // -n: ignore /etc/turnserver.conf (Debian's sets no-rfc5780 and no-stun-backward-compatibility).
  const args = [
    "-n",
    "--stun-only",
    "--no-tcp",
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--log-file",
    "stdout",
  ];
  for (const ip of ips) args.push("-L", ip);
  args.push("-p", "3478", "--alt-listening-port", "3479");
  const p = new Deno.Command("turnserver", { args, stdout: "null", stderr: "null" }).spawn();
  await new Promise((r) => setTimeout(r, 800));
  return p;
}

async function stopTurn(p: Deno.ChildProcess): Promise<void> {
  p.kill("SIGTERM");
  await p.status;
}

async function ask(
  bind: string,
  to: Endpoint,
  init: Omit<StunMessageInit, "class" | "transactionId">,
) {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: bind, port: 0 });
  try {
    const tid = crypto.getRandomValues(new Uint8Array(12));
    const req = encodeStun({ ...init, class: "request", transactionId: tid });
    for (let i = 0; i < 3; i++) {
      await conn.send(req, { transport: "udp", hostname: to.host, port: to.port });
      const timer = new Promise<null>((r) => setTimeout(() => r(null), 500));
      const got = await Promise.race([conn.receive(), timer]);
      if (got) {
        const from = got[1] as Deno.NetAddr;
        const local = conn.addr as Deno.NetAddr;
        return {
          req,
          res: got[0],
          from: `${from.hostname}:${from.port}`,
          local: `${local.hostname}:${local.port}`,
        };
      }
    }
    throw new Error(`No answer from ${to.host}:${to.port}: is turnserver running?`);
  } finally {
    conn.close();
  }
}

async function captureCoturn(): Promise<void> {
  const turn = await startTurn([TURN_A, TURN_B, "::1"]);
  try {
    const cases: [string, string, Endpoint, Omit<StunMessageInit, "class" | "transactionId">][] = [
      ["coturn-binding-v4", "127.0.0.1", { host: TURN_A, port: 3478 }, { fingerprint: true }],
      ["coturn-binding-v4-nofp", "127.0.0.1", { host: TURN_A, port: 3478 }, {}],
      ["coturn-change-ip-port", "127.0.0.1", { host: TURN_A, port: 3478 }, {
        changeRequest: { changeIp: true, changePort: true },
        fingerprint: true,
      }],
      ["coturn-change-port", "127.0.0.1", { host: TURN_A, port: 3478 }, {
        changeRequest: { changeIp: false, changePort: true },
        fingerprint: true,
      }],
      ["coturn-binding-v6", "::1", { host: "::1", port: 3478 }, { fingerprint: true }],
      ["coturn-unknown-attribute", "127.0.0.1", { host: TURN_A, port: 3478 }, {
        extra: [{ type: 0x7f00, value: new Uint8Array(4) }],
        fingerprint: true,
      }],
    ];
    for (const [name, bind, to, init] of cases) {
      const r = await ask(bind, to, init);
      write(name, [
        `coturn (turnserver -n --stun-only -L ${TURN_A} -L ${TURN_B} -L ::1 -p 3478 --alt-listening-port 3479)`,
        `response to request ${toHex(r.req)}`,
        `from ${r.from} to ${r.local}`,
      ], r.res);
    }
  } finally {
    await stopTurn(turn);
  }
  const solo = await startTurn([TURN_SOLO]);
  try {
    const r = await ask("127.0.0.1", { host: TURN_SOLO, port: 3478 }, {
      changeRequest: { changeIp: true, changePort: true },
      fingerprint: true,
    });
    write("coturn-no5780-change-request", [
      `coturn with one address (-L ${TURN_SOLO}): CHANGE-REQUEST refused`,
      `response to request ${toHex(r.req)}`,
      `from ${r.from} to ${r.local}`,
    ], r.res);
  } finally {
    await stopTurn(solo);
  }
}

async function captureStunClient(): Promise<void> {
  const seen: string[] = [];
  const server = startStunServer({
    primary: { host: OURS_A, port: 3478 },
    alternate: { host: OURS_B, port: 3479 },
    software: "punch",
    onDatagram: (bytes, peer, local) => {
      const n = seen.length + 1;
      seen.push(`${local.host}:${local.port}`);
      if (n <= 4) {
        write(`stunclient-request-${n}`, [
          `Debian stun-client 0.97 ("stun ${OURS_A} -v -p 40000"), request ${n}`,
          `from ${peer.host}:${peer.port} to ${local.host}:${local.port}`,
        ], bytes);
      }
    },
  });
  try {
    const out = await new Deno.Command("stun", {
      args: [OURS_A, "-v", "-p", "40000"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    console.log(
      text.split("\n").filter((l) =>
        /^(Primary|Return|test|is nat|mapped|hairpin|preserv|MappedAddress)/.test(l)
      ).join("\n"),
    );
  } finally {
    await server.close();
  }
}

await captureCoturn();
await captureStunClient();
