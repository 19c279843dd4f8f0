/** UDP STUN server: binds every address `StunResponder` needs and answers Binding requests (needs --unstable-net). */

import type { Endpoint } from "../lib/net.ts";
import { MAX_UDP_MESSAGE } from "./stun_constants.ts";
import { listenAddresses, type ResponderConfig, StunResponder } from "./stun_server.ts";

/** A running server. */
export interface StunServerHandle {
  /** The bound sockets (1, 2 or 4). */
  readonly addresses: Endpoint[];
  /** Datagrams answered, and dropped (not STUN, malformed, or too small to answer). */
  readonly stats: { answered: number; dropped: number };
  /** Stop serving and close the sockets. */
  close(): Promise<void>;
}

/** Options for `startStunServer`. */
export interface StunServerOptions extends ResponderConfig {
  /** Called for each datagram received, before it is answered (capture helpers, debugging). */
  onDatagram?: (bytes: Uint8Array, peer: Endpoint, local: Endpoint) => void;
}

const key = (e: Endpoint) => `${e.host}|${e.port}`;

/**
 * Start a STUN server on `primary` (and the RFC 5780 alternate sockets when `alternate` is set).
 * @example const s = startStunServer({ primary: { host: "127.0.0.1", port: 3478 } }); await s.close();
 */
export function startStunServer(opts: StunServerOptions): StunServerHandle {
  const responder = new StunResponder(opts);
  const socks = new Map<string, Deno.DatagramConn>();
  try {
    for (const a of listenAddresses(opts)) {
      socks.set(key(a), Deno.listenDatagram({ transport: "udp", hostname: a.host, port: a.port }));
    }
  } catch (e) {
    for (const s of socks.values()) s.close();
    throw e;
  }
  let closed = false;
  const stats = { answered: 0, dropped: 0 };
  const loops = [...socks.entries()].map(async ([k, conn]) => {
    const [host, port] = k.split("|") as [string, string];
    const local = { host, port: Number(port) };
    const buf = new Uint8Array(MAX_UDP_MESSAGE * 4);
    let failures = 0;
    while (!closed) {
      let got: [Uint8Array, Deno.Addr];
      try {
        got = await conn.receive(buf);
        failures = 0;
      } catch {
        // ICMP errors surface here on Linux; keep serving, but not on a socket that keeps failing.
        if (closed || ++failures > 100) return;
        continue;
      }
      const addr = got[1] as Deno.NetAddr;
      const peer = { host: addr.hostname, port: addr.port };
      opts.onDatagram?.(got[0].slice(), peer, local);
      const reply = responder.handle(got[0], peer, local);
      if (!reply) {
        stats.dropped++;
        continue;
      }
      stats.answered++;
      const out = socks.get(key(reply.from)) ?? conn;
      await out.send(reply.bytes, {
        transport: "udp",
        hostname: reply.to.host,
        port: reply.to.port,
      }).catch(() => {});
    }
  });
  return {
    stats,
    addresses: [...socks.keys()].map((k) => {
      const [host, port] = k.split("|") as [string, string];
      return { host, port: Number(port) };
    }),
    async close() {
      closed = true;
      for (const s of socks.values()) {
        try {
          s.close();
        } catch { /* already closed */ }
      }
      await Promise.allSettled(loops);
    },
  };
}
