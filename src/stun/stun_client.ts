/** STUN client transactions over UDP (RFC 8489 §6.2.1 retransmission), sans-I/O: bytes, `now` in, actions out. */

import { toHex } from "../lib/bytes.ts";
import type { Endpoint } from "../lib/net.ts";
import { parseStun, type StunMessage } from "./stun_codec.ts";
import { DEFAULT_RC, DEFAULT_RM, DEFAULT_RTO_MS } from "./stun_constants.ts";

/** Retransmission policy; defaults are RFC 8489 §6.2.1 (RTO 500 ms doubling, Rc 7, Rm 16). */
export interface RetransmitPolicy {
  /** Initial retransmission timeout in ms. */
  rtoMs: number;
  /** Total number of sends (first transmission included). */
  rc: number;
  /** After the last send, wait `rm * rtoMs` (the initial RTO) before giving up. */
  rm: number;
  /** Upper bound on one doubled RTO interval (RFC 8489 leaves it open; keep slow links bounded). */
  maxRtoMs: number;
  /** Give up this many ms after the first send, whatever the schedule says. */
  deadlineMs: number;
}

/** RFC 8489 §6.2.1 defaults: sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; gives up at 39.5 s. */
export const RFC8489_POLICY: RetransmitPolicy = {
  rtoMs: DEFAULT_RTO_MS,
  rc: DEFAULT_RC,
  rm: DEFAULT_RM,
  maxRtoMs: Number.POSITIVE_INFINITY,
  deadlineMs: 39_500,
};

const clamp = (v: number, lo: number, hi: number) =>
  Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : hi));

/** Fill in and bound a partial policy (RTO 10 ms..60 s, Rc 1..16, Rm 1..64, deadline ≤ 120 s). */
export function retransmitPolicy(p: Partial<RetransmitPolicy> = {}): RetransmitPolicy {
  const base = { ...RFC8489_POLICY, ...p };
  const rtoMs = clamp(base.rtoMs, 10, 60_000);
  return {
    rtoMs,
    rc: Math.round(clamp(base.rc, 1, 16)),
    rm: Math.round(clamp(base.rm, 1, 64)),
    maxRtoMs: Math.max(rtoMs, base.maxRtoMs),
    deadlineMs: clamp(base.deadlineMs, 1, 120_000),
  };
}

/**
 * When each send happens (ms after the first) and when the transaction gives up.
 * @example retransmitSchedule(RFC8489_POLICY) // { sends: [0, 500, 1500, ...], giveUpAt: 39500 }
 */
export function retransmitSchedule(
  policy: RetransmitPolicy,
): { sends: number[]; giveUpAt: number } {
  const sends: number[] = [];
  let at = 0, rto = policy.rtoMs;
  for (let i = 0; i < policy.rc; i++) {
    if (at >= policy.deadlineMs) break;
    sends.push(at);
    at += rto;
    rto = Math.min(rto * 2, policy.maxRtoMs);
  }
  const last = sends[sends.length - 1] ?? 0;
  return { sends, giveUpAt: Math.min(last + policy.rm * policy.rtoMs, policy.deadlineMs) };
}

/** Something the driver must do. */
export type ClientAction =
  | { kind: "send"; id: string; to: Endpoint; bytes: Uint8Array }
  | { kind: "timeout"; id: string; to: Endpoint; sends: number };

/** A response matched to its transaction. */
export interface ClientResponse {
  id: string;
  /** Where the request went. */
  to: Endpoint;
  /** Where the response came from (differs after CHANGE-REQUEST). */
  from: Endpoint;
  message: StunMessage;
  /** From the last send to the response (Karn: only unambiguous when `sends` is 1). */
  rttMs: number;
  sends: number;
}

interface Transaction {
  to: Endpoint;
  bytes: Uint8Array;
  startedAt: number;
  sends: number[];
  giveUpAt: number;
  sent: number;
  lastSentAt: number;
}

/** Several concurrent STUN transactions keyed by transaction id (hex). */
export class StunClient {
  readonly policy: RetransmitPolicy;
  private readonly live = new Map<string, Transaction>();

  constructor(policy: Partial<RetransmitPolicy> = {}) {
    this.policy = retransmitPolicy(policy);
  }

  /** Start a transaction for an encoded request; returns its id. Call `poll(now)` to get the first send. */
  begin(
    transactionId: Uint8Array,
    to: Endpoint,
    bytes: Uint8Array,
    now: number,
    policy?: Partial<RetransmitPolicy>,
  ): string {
    const id = toHex(transactionId);
    if (this.live.has(id)) {
      throw new RangeError(`Cannot start STUN transaction "${id}": the id is already in use`);
    }
    const sched = retransmitSchedule(
      policy ? retransmitPolicy({ ...this.policy, ...policy }) : this.policy,
    );
    this.live.set(id, {
      to,
      bytes,
      startedAt: now,
      sends: sched.sends,
      giveUpAt: sched.giveUpAt,
      sent: 0,
      lastSentAt: now,
    });
    return id;
  }

  /** Sends and timeouts due at `now`. */
  poll(now: number): ClientAction[] {
    const out: ClientAction[] = [];
    for (const [id, t] of this.live) {
      const next = t.sends[t.sent];
      if (next !== undefined && now >= t.startedAt + next) {
        t.sent++;
        t.lastSentAt = now;
        out.push({ kind: "send", id, to: t.to, bytes: t.bytes });
      } else if (next === undefined && now >= t.startedAt + t.giveUpAt) {
        this.live.delete(id);
        out.push({ kind: "timeout", id, to: t.to, sends: t.sent });
      }
    }
    return out;
  }

  /** When `poll` next has something to do, or null when idle. */
  nextWakeAt(): number | null {
    let min: number | null = null;
    for (const t of this.live.values()) {
      const next = t.sends[t.sent];
      const at = t.startedAt + (next ?? t.giveUpAt);
      if (min === null || at < min) min = at;
    }
    return min;
  }

  /** Number of transactions still waiting. */
  get pending(): number {
    return this.live.size;
  }

  /** Drop a transaction without a result. */
  cancel(id: string): void {
    this.live.delete(id);
  }

  /**
   * Match a datagram to a transaction: null when it is not STUN, not a response, or unknown.
   * Never throws: malformed replies are dropped (a retransmission may still bring a good one).
   */
  receive(bytes: Uint8Array, from: Endpoint, now: number): ClientResponse | null {
    let message: StunMessage | null;
    try {
      message = parseStun(bytes);
    } catch {
      return null;
    }
    if (!message || (message.class !== "success" && message.class !== "error")) return null;
    const id = toHex(message.transactionId);
    const t = this.live.get(id);
    if (!t) return null;
    this.live.delete(id);
    return { id, to: t.to, from, message, rttMs: Math.max(0, now - t.lastSentAt), sends: t.sent };
  }
}
