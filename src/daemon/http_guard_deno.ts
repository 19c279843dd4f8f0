import { headEnd, rewriteHead } from "./http_head.ts";

/** Bounds on web UI connections: Deno.serve has no timeout for a head that never ends. */
export interface GuardLimits {
  /** A request's head must be complete this soon after the connection opens. */
  headMs: number;
  /** Largest head. */
  maxHeadBytes: number;
  /** A connection that moves no byte either way for this long is closed. */
  idleMs: number;
  /** Connections open at once; more are closed at once. */
  maxConnections: number;
}

export const GUARD_LIMITS: GuardLimits = {
  headMs: 10_000,
  maxHeadBytes: 16 * 1024,
  idleMs: 60_000,
  maxConnections: 64,
};

const TIMEOUT = new TextEncoder().encode(
  "HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n" +
    "Request headers not received in time: send the whole request at once\n",
);

/**
 * The web UI's TCP front: accepts on the LAN address, waits (bounded) for a complete request
 * head, then passes the connection to the Deno.serve behind it on a Unix socket, with the
 * client's address in a header the client cannot set.
 */
export class HttpGuard {
  private listener: Deno.TcpListener | undefined;
  private open = new Set<Deno.Conn>();
  /** Connections closed for a slow head, too large a head, or too many at once. */
  refused = 0;

  constructor(
    private readonly upstream: string,
    private readonly limits: GuardLimits = GUARD_LIMITS,
  ) {}

  /** Listen on `hostname`:`port` (0 picks one); returns the port. */
  listen(hostname: string, port: number): number {
    this.listener = Deno.listen({ hostname, port, transport: "tcp" });
    void this.acceptLoop(this.listener);
    return this.listener.addr.port;
  }

  private async acceptLoop(l: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of l) {
        if (this.open.size >= this.limits.maxConnections) {
          this.refused++;
          closeQuietly(conn);
          continue;
        }
        this.open.add(conn);
        this.serve(conn).catch(() => {}).finally(() => {
          this.open.delete(conn);
          closeQuietly(conn);
        });
      }
    } catch { /* listener closed */ }
  }

  private async serve(conn: Deno.Conn): Promise<void> {
    const peer = (conn.remoteAddr as Deno.NetAddr).hostname;
    const headTimer = setTimeout(() => {
      this.refused++;
      void conn.write(TIMEOUT).catch(() => {}).finally(() => closeQuietly(conn));
    }, this.limits.headMs);
    let buf = new Uint8Array(0);
    let end = -1;
    try {
      const chunk = new Uint8Array(4096);
      while (end < 0) {
        const n = await conn.read(chunk);
        if (n === null) return;
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
        end = headEnd(buf);
        if (end < 0 && buf.length > this.limits.maxHeadBytes) {
          this.refused++;
          return;
        }
      }
    } finally {
      clearTimeout(headTimer);
    }
    const head = new TextDecoder().decode(buf.subarray(0, end));
    const up = await Deno.connect({ transport: "unix", path: this.upstream });
    try {
      await writeAll(up, new TextEncoder().encode(rewriteHead(head, peer)));
      await writeAll(up, buf.subarray(end));
      let idle: ReturnType<typeof setTimeout> | undefined;
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          closeQuietly(conn);
          closeQuietly(up);
        }, this.limits.idleMs);
      };
      touch();
      try {
        // The request may end with a half-close; the answer ends when Deno.serve closes.
        await Promise.all([
          pump(conn, up, touch),
          pump(up, conn, touch).finally(() => closeQuietly(conn)),
        ]);
      } finally {
        clearTimeout(idle);
      }
    } finally {
      closeQuietly(up);
    }
  }

  close(): void {
    try {
      this.listener?.close();
    } catch { /* closed */ }
    for (const c of this.open) closeQuietly(c);
  }
}

async function pump(from: Deno.Conn, to: Deno.Conn, touch: () => void): Promise<void> {
  const b = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      const n = await from.read(b);
      if (n === null) return;
      touch();
      await writeAll(to, b.subarray(0, n));
    }
  } catch { /* either side went away */ }
}

async function writeAll(c: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await c.write(bytes.subarray(off));
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* closed */ }
}
