import { toHex } from "../lib/bytes.ts";
import { errorMessage } from "../lib/errors.ts";
import { writeFileAtomic } from "../platform/atomic_file_deno.ts";
import {
  AUTH_METHOD,
  type ControlRequest,
  type ControlResponse,
  LineSplitter,
  parseRequest,
  sameToken,
} from "./control_protocol.ts";

export type Dispatch = (method: string, params: Record<string, unknown>) => Promise<unknown>;

const MAX_CONNECTIONS = 32;

/** How long a client may take to authenticate, and to finish a line once it started one. */
export interface ControlTimeouts {
  authMs: number;
  lineMs: number;
}

export const CONTROL_TIMEOUTS: ControlTimeouts = { authMs: 5_000, lineMs: 10_000 };

/** The control socket: mode 0600, token-authenticated, one JSON request per line. */
export class ControlServer {
  private listener: Deno.UnixListener | undefined;
  private token = "";
  private open = new Set<Deno.Conn>();

  constructor(
    private readonly path: string,
    private readonly dispatch: Dispatch,
    private readonly timeouts: ControlTimeouts = CONTROL_TIMEOUTS,
  ) {}

  async start(): Promise<void> {
    const dir = this.path.slice(0, this.path.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.remove(this.path).catch(() => {});
    this.token = toHex(crypto.getRandomValues(new Uint8Array(32)));
    await writeFileAtomic(`${this.path}.token`, this.token + "\n", 0o600);
    const oldUmask = Deno.umask(0o177);
    try {
      this.listener = Deno.listen({ transport: "unix", path: this.path });
    } finally {
      Deno.umask(oldUmask);
    }
    await Deno.chmod(this.path, 0o600);
    this.acceptLoop(this.listener);
  }

  private async acceptLoop(l: Deno.UnixListener): Promise<void> {
    try {
      for await (const conn of l) {
        if (this.open.size >= MAX_CONNECTIONS) {
          conn.close();
          continue;
        }
        this.open.add(conn);
        this.serve(conn).finally(() => this.open.delete(conn));
      }
    } catch { /* listener closed */ }
  }

  private async serve(conn: Deno.Conn): Promise<void> {
    const lines = new LineSplitter();
    const enc = new TextEncoder();
    let authed = false;
    // A client that never authenticates, or starts a line and never ends it, holds a slot: close it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closeAfter = (ms: number) =>
      setTimeout(() => {
        try {
          conn.close();
        } catch { /* closed */ }
      }, ms);
    timer = closeAfter(this.timeouts.authMs);
    const send = async (r: ControlResponse) => {
      const bytes = enc.encode(JSON.stringify(r) + "\n");
      for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    };
    try {
      for await (const chunk of conn.readable) {
        const got = lines.push(chunk);
        for (const line of got) {
          let req: ControlRequest;
          try {
            req = parseRequest(line);
          } catch (e) {
            await send({ id: -1, error: { message: errorMessage(e) } });
            if (!authed) return;
            continue;
          }
          if (!authed) {
            const tok = req.params?.token;
            if (
              req.method !== AUTH_METHOD || typeof tok !== "string" || !sameToken(tok, this.token)
            ) {
              await send({
                id: req.id,
                error: {
                  message:
                    "Not authenticated: send the token from the .token file next to the socket first",
                },
              });
              return;
            }
            authed = true;
            clearTimeout(timer);
            timer = undefined;
            await send({ id: req.id, result: { ok: true } });
            continue;
          }
          try {
            await send({ id: req.id, result: await this.dispatch(req.method, req.params ?? {}) });
          } catch (e) {
            await send({ id: req.id, error: { message: errorMessage(e) } });
          }
        }
        if (!authed) continue;
        if (got.length > 0 || !lines.pending) {
          clearTimeout(timer);
          timer = undefined;
        }
        if (lines.pending && timer === undefined) timer = closeAfter(this.timeouts.lineMs);
      }
    } catch {
      /* peer went away, sent too much or too slowly */
    } finally {
      clearTimeout(timer);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }

  async close(): Promise<void> {
    this.listener?.close();
    for (const c of this.open) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await Deno.remove(this.path).catch(() => {});
    await Deno.remove(`${this.path}.token`).catch(() => {});
  }
}
