// Real peers on loopback: coturn answers our client and netcheck; Debian's `stun` client asks our server.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runNetcheck } from "../../src/nat/netcheck_deno.ts";
import { StunSocket } from "../../src/stun/stun_client_deno.ts";
import { startStunServer, type StunServerHandle } from "../../src/stun/stun_server_deno.ts";

const TURN_A = "127.78.0.1", TURN_B = "127.78.0.2", OURS_A = "127.78.0.3", OURS_B = "127.78.0.4";

async function waitForStun(host: string): Promise<void> {
  const s = StunSocket.open({ hostname: "127.0.0.1", policy: { rtoMs: 100, deadlineMs: 500 } });
  try {
    for (let i = 0; i < 20; i++) {
      if ((await s.request({ host, port: 3478 })).ok) return;
    }
    throw new Error(`No STUN server answered on ${host}:3478 after 10 s: is turnserver installed?`);
  } finally {
    s.close();
  }
}

describe("coturn answers our client", () => {
  let turn: Deno.ChildProcess | undefined;
  beforeAll(async () => {
    turn = new Deno.Command("turnserver", {
      args: [
        "-n",
        "--stun-only",
        "--no-tcp",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "-L",
        TURN_A,
        "-L",
        TURN_B,
        "-p",
        "3478",
        "--alt-listening-port",
        "3479",
        "--log-file",
        "stdout",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForStun(TURN_A);
  });
  afterAll(async () => {
    turn?.kill("SIGTERM");
    await turn?.status;
  });

  test("Binding with CHANGE-REQUEST through StunSocket", async () => {
    const s = StunSocket.open({ hostname: "127.0.0.1", policy: { rtoMs: 100, deadlineMs: 2000 } });
    try {
      const plain = await s.request({ host: TURN_A, port: 3478 });
      if (!plain.ok) throw new Error(plain.error);
      expect(plain.message.xorMappedAddress).toEqual({ host: "127.0.0.1", port: s.local.port });
      expect(plain.message.otherAddress).toEqual({ host: TURN_B, port: 3479 });
      const both = await s.request({ host: TURN_A, port: 3478 }, {
        changeRequest: { changeIp: true, changePort: true },
      });
      expect(both.ok && both.from).toEqual({ host: TURN_B, port: 3479 });
    } finally {
      s.close();
    }
  });

  test("netcheck on loopback: public, endpoint-independent, unfiltered", async () => {
    const r = await runNetcheck({
      servers: [`${TURN_A}:3478`, "127.0.0.1:9"],
      wanAddress: "127.0.0.1",
      timeoutMs: 600,
    });
    expect(r).toMatchObject({
      verdict: "public",
      mapping: "endpoint-independent",
      filtering: "endpoint-independent",
      portPreserved: true,
    });
    expect(r.publicV4?.host).toBe("127.0.0.1");
    expect(r.servers[0]?.mapped).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.servers[1]?.error).toBeDefined();
  });

  test("a local port in use falls back and says so", async () => {
    const holder = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
    const port = (holder.addr as Deno.NetAddr).port;
    try {
      const r = await runNetcheck({ servers: [`${TURN_A}:3478`], localPort: port, timeoutMs: 600 });
      expect(r.notes.join("\n")).toContain(`Port ${port} is in use`);
      expect(r.verdict).toBe("nat"); // no WAN address given
    } finally {
      holder.close();
    }
  });
});

describe("our server answers Debian's stun client", () => {
  let server: StunServerHandle;
  beforeAll(() => {
    server = startStunServer({
      primary: { host: OURS_A, port: 3478 },
      alternate: { host: OURS_B, port: 3479 },
      software: "punch",
    });
  });
  afterAll(async () => {
    await server.close();
  });

  test("stun reports the mapped address and an open (no NAT) path", async () => {
    const port = 40000 + Math.floor(Math.random() * 10000);
    const out = await new Deno.Command("stun", {
      args: [OURS_A, "-v", "-p", String(port)],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    expect(text).toContain("Primary: Open");
    expect(text).toContain(`MappedAddress = 127.0.0.1:${port}`);
    expect(text).toContain(`ChangedAddress = ${OURS_B}:3479`);
    for (const t of ["test I = 1", "test II = 1", "test III = 1", "preserver port = 1"]) {
      expect(text).toContain(t);
    }
  });

  test("IPv6 on ::1 through our client", async () => {
    // The responder needs fixed ports (RESPONSE-ORIGIN): find a free one first.
    const probe = Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const srv = startStunServer({ primary: { host: "::1", port } });
    const s = StunSocket.open({ hostname: "::1", policy: { rtoMs: 100, deadlineMs: 2000 } });
    try {
      const r = await s.request({ host: "::1", port });
      expect(r.ok && r.message.xorMappedAddress).toEqual({ host: "::1", port: s.local.port });
    } finally {
      s.close();
      await srv.close();
    }
  });
});
