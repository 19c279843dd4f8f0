import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HttpGuard } from "../../src/daemon/http_guard_deno.ts";
import { headEnd, PEER_HEADER, rewriteHead } from "../../src/daemon/http_head.ts";

describe("request head", () => {
  test("headEnd finds the blank line, or -1", () => {
    const enc = new TextEncoder();
    expect(headEnd(enc.encode("GET / HTTP/1.1\r\nHost: a\r\n"))).toBe(-1);
    expect(headEnd(enc.encode("GET / HTTP/1.1\r\n\r\nbody"))).toBe(18);
  });

  test("rewriteHead sets the peer and connection: close, dropping the client's own", () => {
    const out = rewriteHead(
      "GET / HTTP/1.1\r\nHost: a\r\nX-Punch-Peer: 1.2.3.4\r\nConnection: keep-alive\r\n\r\n",
      "192.168.1.20",
    );
    expect(out).toBe(
      `GET / HTTP/1.1\r\nHost: a\r\n${PEER_HEADER}: 192.168.1.20\r\nconnection: close\r\n\r\n`,
    );
  });
});

describe("HttpGuard", () => {
  let dir: string;
  let server: Deno.HttpServer;
  let guard: HttpGuard;
  let port: number;
  beforeAll(async () => {
    dir = await Deno.makeTempDir({ prefix: "punch-guard-" });
    server = Deno.serve(
      { transport: "unix", path: `${dir}/web.sock`, onListen: () => {} },
      async (req) => new Response(`peer=${req.headers.get(PEER_HEADER)} body=${await req.text()}`),
    );
    guard = new HttpGuard(`${dir}/web.sock`, {
      headMs: 200,
      maxHeadBytes: 1024,
      idleMs: 2000,
      maxConnections: 8,
    });
    port = guard.listen("127.0.0.1", 0);
  });
  afterAll(async () => {
    guard.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  });

  async function exchange(send: string): Promise<string> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(send));
    const buf = new Uint8Array(4096);
    let out = "";
    for (let i = 0; i < 100; i++) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      out += new TextDecoder().decode(buf.subarray(0, n));
    }
    conn.close();
    return out;
  }

  test("a request passes with the real client address, not the one it claims", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/x`, {
      method: "POST",
      headers: { [PEER_HEADER]: "10.9.9.9" },
      body: "hello",
    });
    expect(await res.text()).toBe("peer=127.0.0.1 body=hello");
  });

  test("a head that never ends gets 408 and the connection is closed", async () => {
    const out = await exchange("GET / HTTP/1.1\r\nHost: a\r\n");
    expect(out).toContain("408 Request Timeout");
  });

  test("a head larger than the limit is closed without an answer", async () => {
    const out = await exchange(`GET / HTTP/1.1\r\nX-Big: ${"a".repeat(2000)}`);
    expect(out).toBe("");
    expect(guard.refused).toBeGreaterThanOrEqual(2);
  });
});
