import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ControlServer } from "../../src/daemon/control_server_deno.ts";
import { ControlClient } from "../../src/cli/control_client_deno.ts";

let dir: string;
let server: ControlServer;
let path: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "punch-ctl-" });
  path = `${dir}/run/punchd.sock`;
  server = new ControlServer(path, (method, params) => {
    if (method === "echo") return Promise.resolve(params);
    return Promise.reject(new Error(`Unknown method "${method}"`));
  });
  await server.start();
});
afterAll(async () => {
  await server.close();
  await Deno.remove(dir, { recursive: true });
});

async function raw(lines: string[]): Promise<string[]> {
  const conn = await Deno.connect({ transport: "unix", path });
  await conn.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  const out: string[] = [];
  const buf = new Uint8Array(65536);
  for (let i = 0; i < 20; i++) {
    const n = await conn.read(buf);
    if (n === null) break;
    out.push(...new TextDecoder().decode(buf.subarray(0, n)).split("\n").filter(Boolean));
  }
  conn.close();
  return out;
}

describe("control socket", () => {
  test("socket and token are 0600", async () => {
    expect((await Deno.stat(path)).mode! & 0o777).toBe(0o600);
    expect((await Deno.stat(`${path}.token`)).mode! & 0o777).toBe(0o600);
  });

  test("an authenticated client calls methods and gets errors as messages", async () => {
    const c = await ControlClient.connect(path);
    expect(await c.call("echo", { x: 1 })).toEqual({ x: 1 });
    await expect(c.call("nope")).rejects.toThrow('Unknown method "nope"');
    c.close();
  });

  test("anything before auth is refused and the connection closed", async () => {
    const out = await raw([
      '{"id":1,"method":"echo","params":{}}',
      '{"id":2,"method":"echo","params":{}}',
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("Not authenticated");
  });

  test("a wrong token is refused", async () => {
    const out = await raw([
      '{"id":0,"method":"auth","params":{"token":"00"}}',
      '{"id":1,"method":"echo"}',
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("Not authenticated");
  });

  test("garbage is refused", async () => {
    const out = await raw(["\u0000\u0001garbage"]);
    expect(out[0]).toContain("not JSON");
  });

  test("a missing token file gives a clear error", async () => {
    await expect(ControlClient.connect(`${dir}/none.sock`)).rejects.toThrow(
      /Cannot read the control token/,
    );
  });
});

describe("control socket timeouts", () => {
  let tdir: string;
  let tpath: string;
  let tserver: ControlServer;
  beforeAll(async () => {
    tdir = await Deno.makeTempDir({ prefix: "punch-ctl-t-" });
    tpath = `${tdir}/punchd.sock`;
    tserver = new ControlServer(
      tpath,
      (method, params) =>
        Promise.resolve(method === "echo" ? params : method === "big" ? "x".repeat(300_000) : null),
      { authMs: 150, lineMs: 150 },
    );
    await tserver.start();
  });
  afterAll(async () => {
    await tserver.close();
    await Deno.remove(tdir, { recursive: true });
  });

  /** Reads until the server closes the connection (bounded by the test timeout). */
  async function readToEnd(conn: Deno.Conn): Promise<string> {
    const buf = new Uint8Array(4096);
    let out = "";
    for (let i = 0; i < 100; i++) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      out += new TextDecoder().decode(buf.subarray(0, n));
    }
    return out;
  }

  test("a client that connects and sends nothing is closed", async () => {
    const conn = await Deno.connect({ transport: "unix", path: tpath });
    expect(await readToEnd(conn)).toBe("");
    conn.close();
  });

  test("a client that never finishes its auth line is closed", async () => {
    const conn = await Deno.connect({ transport: "unix", path: tpath });
    await conn.write(new TextEncoder().encode('{"id":0,"method":"auth"'));
    expect(await readToEnd(conn)).toBe("");
    conn.close();
  });

  test("after auth, a half line is closed but an idle client is not", async () => {
    const token = (await Deno.readTextFile(`${tpath}.token`)).trim();
    const conn = await Deno.connect({ transport: "unix", path: tpath });
    const enc = new TextEncoder();
    await conn.write(
      enc.encode(`{"id":0,"method":"auth","params":{"token":"${token}"}}\n`),
    );
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    expect(new TextDecoder().decode(buf.subarray(0, n ?? 0))).toContain('"ok":true');
    // Idle past both limits: still served.
    await new Promise((r) => setTimeout(r, 400));
    await conn.write(enc.encode('{"id":1,"method":"echo","params":{"a":1}}\n'));
    const m = await conn.read(buf);
    expect(new TextDecoder().decode(buf.subarray(0, m ?? 0))).toContain('"a":1');
    await conn.write(enc.encode('{"id":2,"method":"ec'));
    expect(await readToEnd(conn)).toBe("");
    conn.close();
  });

  test("a client reads answers far larger than a request may be (status with many peers)", async () => {
    const c = await ControlClient.connect(tpath);
    expect(((await c.call("big")) as string).length).toBe(300_000);
    c.close();
  });
});
