import { LineSplitter, MAX_RESPONSE_BYTES } from "../daemon/control_protocol.ts";
import type { Timer } from "../lib/timer.ts";

/** A connection to punchd's control socket. */
export class ControlClient {
  private nextId = 1;
  private readonly lines = new LineSplitter(MAX_RESPONSE_BYTES, "Answer from punchd");
  private pending: string[] = [];
  private reader: ReadableStreamDefaultReader<Uint8Array>;

  private constructor(private readonly conn: Deno.UnixConn) {
    this.reader = conn.readable.getReader();
  }

  /** Connect and authenticate with the token stored next to the socket. */
  static async connect(path: string): Promise<ControlClient> {
    let token: string;
    try {
      token = (await Deno.readTextFile(`${path}.token`)).trim();
    } catch (e) {
      const why = e instanceof Deno.errors.PermissionDenied
        ? "permission denied (run as root)"
        : "punchd is not running";
      throw new Error(`Cannot read the control token "${path}.token": ${why}`);
    }
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path });
    } catch {
      throw new Error(
        `Cannot connect to punchd at "${path}": is punchd running? (start it or pass --socket)`,
      );
    }
    const c = new ControlClient(conn);
    await c.call("auth", { token });
    return c;
  }

  async call(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = 60_000,
  ): Promise<unknown> {
    const id = this.nextId++;
    await this.conn.write(new TextEncoder().encode(JSON.stringify({ id, method, params }) + "\n"));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.pending.shift();
      if (line !== undefined) {
        const r = JSON.parse(line) as { id: number; result?: unknown; error?: { message: string } };
        if (r.error) throw new Error(r.error.message);
        if (r.id === id) return r.result;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`No answer from punchd to "${method}" within ${timeoutMs / 1000} s`);
      }
      let timer: Timer | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<null>((res) => (timer = setTimeout(() => res(null), left))),
      ]);
      clearTimeout(timer);
      if (chunk === null) continue;
      if (chunk.done) throw new Error("punchd closed the connection");
      this.pending.push(...this.lines.push(chunk.value));
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
