/** UDP driver for `StunClient`: one socket, many concurrent Binding transactions (needs --unstable-net). */

import { errorMessage } from "../lib/errors.ts";
import type { Endpoint } from "../lib/net.ts";
import { type ClientAction, type RetransmitPolicy, StunClient } from "./stun_client.ts";
import { encodeStun, type StunFields, type StunMessage } from "./stun_codec.ts";
import { MAX_UDP_MESSAGE } from "./stun_constants.ts";

/**
 * SOFTWARE text that brings a bare request to `REQUEST_MIN_BYTES` (127 characters: RFC 8489
 * §14.14 allows fewer than 128), so a Punch STUN server, which never answers with more bytes
 * than it got, answers it.
 */
export const PAD_SOFTWARE = "punch netcheck".padEnd(127, ".");
import type { Timer } from "../lib/timer.ts";

/** Outcome of one Binding transaction. */
export type StunResult =
  | { ok: true; message: StunMessage; from: Endpoint; rttMs: number; sends: number }
  | { ok: false; error: string };

/** Options for `StunSocket.open`. */
export interface StunSocketOptions {
  /** Local address to bind ("0.0.0.0", "::", or a specific address). */
  hostname: string;
  /** Local port; 0 (default) picks a free one. A port held by wireguard-go cannot be bound. */
  port?: number;
  policy?: Partial<RetransmitPolicy>;
}

type Waiter = (r: StunResult) => void;

/** A bound UDP socket running STUN Binding transactions. */
export class StunSocket {
  private readonly client: StunClient;
  private readonly waiters = new Map<string, Waiter>();
  private readonly via = new Map<string, Deno.DatagramConn>();
  private pumping = false;
  private closed = false;
  private recv: Promise<[Uint8Array, Deno.Addr]> | null = null;

  private constructor(private readonly conn: Deno.DatagramConn, policy: Partial<RetransmitPolicy>) {
    this.client = new StunClient(policy);
  }

  /** Bind a socket; throws `Deno.errors.AddrInUse` when the port is taken. */
  static open(opts: StunSocketOptions): StunSocket {
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: opts.hostname,
      port: opts.port ?? 0,
    });
    return new StunSocket(conn, opts.policy ?? {});
  }

  /** The bound local address. */
  get local(): Endpoint {
    const a = this.conn.addr as Deno.NetAddr;
    return { host: a.hostname, port: a.port };
  }

  /**
   * Send a Binding request to `to` and wait for its response (or the policy's timeout). With `via`,
   * the request leaves from that other socket but the response is awaited here (RESPONSE-PORT
   * probes, RFC 5780 §4.6), so this socket's NAT mapping is not refreshed by the request.
   */
  request(
    to: Endpoint,
    fields: StunFields = {},
    policy?: Partial<RetransmitPolicy>,
    via?: StunSocket,
  ): Promise<StunResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: "Socket is closed" });
    const tid = crypto.getRandomValues(new Uint8Array(12));
    const bytes = encodeStun({
      ...(fields.software === undefined ? { software: PAD_SOFTWARE } : {}),
      ...fields,
      class: "request",
      transactionId: tid,
      fingerprint: true,
    });
    const id = this.client.begin(tid, to, bytes, performance.now(), policy);
    if (via) this.via.set(id, via.conn);
    const done = new Promise<StunResult>((resolve) => this.waiters.set(id, resolve));
    void this.pump();
    return done;
  }

  /** Close the socket; pending transactions fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    for (const w of this.waiters.values()) {
      w({ ok: false, error: "Socket closed before a response" });
    }
    this.waiters.clear();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.client.pending > 0) {
        for (const a of this.client.poll(performance.now())) await this.act(a);
        const wake = this.client.nextWakeAt();
        if (wake === null) break;
        this.recv ??= this.conn.receive(new Uint8Array(MAX_UDP_MESSAGE * 4));
        let timer: Timer | undefined;
        const tick = new Promise<null>((r) =>
          timer = setTimeout(() => r(null), Math.max(0, wake - performance.now()))
        );
        const got = await Promise.race([this.recv, tick]).catch((e) => {
          this.failAll(`Cannot receive on ${this.describe()}: ${errorMessage(e)}`);
          return null;
        });
        clearTimeout(timer);
        if (got === null) continue;
        this.recv = null;
        const [bytes, addr] = got;
        const from = addr as Deno.NetAddr;
        const res = this.client.receive(
          bytes,
          { host: from.hostname, port: from.port },
          performance.now(),
        );
        if (res) {
          const w = this.waiters.get(res.id);
          this.waiters.delete(res.id);
          this.via.delete(res.id);
          w?.({
            ok: true,
            message: res.message,
            from: res.from,
            rttMs: res.rttMs,
            sends: res.sends,
          });
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async act(a: ClientAction): Promise<void> {
    if (a.kind === "timeout") {
      this.via.delete(a.id);
      const w = this.waiters.get(a.id);
      this.waiters.delete(a.id);
      w?.({ ok: false, error: `No response after ${a.sends} sends` });
      return;
    }
    try {
      await (this.via.get(a.id) ?? this.conn).send(a.bytes, {
        transport: "udp",
        hostname: a.to.host,
        port: a.to.port,
      });
    } catch (e) {
      // ENETUNREACH and friends: retransmissions may still succeed once a route appears.
      if (this.closed) return;
      const w = this.waiters.get(a.id);
      if (w && /unreachable|not available|invalid argument/i.test(errorMessage(e))) {
        this.client.cancel(a.id);
        this.waiters.delete(a.id);
        w({ ok: false, error: `Cannot send to ${a.to.host}:${a.to.port}: ${errorMessage(e)}` });
      }
    }
  }

  private failAll(error: string): void {
    for (const [id, w] of this.waiters) {
      this.client.cancel(id);
      w({ ok: false, error });
    }
    this.waiters.clear();
  }

  private describe(): string {
    return `${this.local.host}:${this.local.port}`;
  }
}
