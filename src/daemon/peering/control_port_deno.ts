import { errorMessage } from "../../lib/errors.ts";

/** Largest datagram read on the control port (join messages and card bundles are ≤ 8 KiB). */
export const MAX_DATAGRAM = 8192;

export interface Datagram {
  bytes: Uint8Array;
  host: string;
  port: number;
}

/**
 * The UDP control port on every address of the router (WAN for join requests, the tunnel
 * address for card exchange). Messages are authenticated by the caller; this only moves bytes.
 */
export class ControlPort {
  private conn: Deno.DatagramConn | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    readonly port: number,
    private readonly onMessage: (d: Datagram) => void,
    private readonly log: (m: string) => void,
  ) {}

  start(): void {
    this.conn = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: this.port });
    const conn = this.conn;
    this.loop = (async () => {
      try {
        for (;;) {
          const [bytes, addr] = await conn.receive(new Uint8Array(MAX_DATAGRAM));
          if (addr.transport !== "udp" || bytes.length > MAX_DATAGRAM) continue;
          try {
            this.onMessage({ bytes, host: addr.hostname, port: addr.port });
          } catch (e) {
            this.log(`control port: dropped a datagram from ${addr.hostname}: ${errorMessage(e)}`);
          }
        }
      } catch { /* closed */ }
    })();
  }

  /** Send one datagram; failures (no route while the WAN changes) are logged, not thrown. */
  async send(host: string, port: number, bytes: Uint8Array): Promise<boolean> {
    if (!this.conn) return false;
    try {
      await this.conn.send(bytes, { transport: "udp", hostname: host, port });
      return true;
    } catch (e) {
      this.log(`control port: cannot send to ${host}:${port}: ${errorMessage(e)}`);
      return false;
    }
  }

  async close(): Promise<void> {
    try {
      this.conn?.close();
    } catch { /* closed */ }
    await this.loop;
  }
}
