/**
 * Wire format of relay allocation (UDP, Punch control port, sent through the tunnel so WireGuard's
 * cryptokey routing authenticates the sender). Every message starts with
 *   "PR" 0x01 | type u8 | request id u32
 * then: allocate (1) = requester's WireGuard key 32 | other side's key 32;
 * grant (2) = peer key 32 | relay endpoint (wire_fields endpoint: to reach `peer`, send here);
 * refuse (3) = peer key 32 | reason u8;
 * direct (4) = peer key 32 | phase u8: the two relayed sides trying the direct path again
 * (request: "something changed here", start, ok, failed; probe: "send WAN probes with this id
 * now"; reached: "my pings got through directly during your try"; see relay_direct.ts);
 * probe (5) = sender's WireGuard key 32, with the id of the `direct`/probe message it answers. The
 * only message sent over the WAN, not through the tunnel: between the two routers' control ports,
 * to learn without touching WireGuard whether a direct path opened. Never answered on the WAN.
 */
import { Reader, Writer } from "../lib/bytes.ts";
import { fromBase64, toBase64 } from "../lib/base64.ts";
import { ParseError, UsageError } from "../lib/errors.ts";
import { expectEnd, readEndpoint, writeEndpoint } from "./wire_fields.ts";

const MAGIC0 = 0x50, MAGIC1 = 0x52, VERSION = 1; // "PR"
export const RELAY_ALLOCATE = 1, RELAY_GRANT = 2, RELAY_REFUSE = 3, RELAY_DIRECT = 4;
export const RELAY_PROBE = 5;
/** Largest relay message (a grant with an IPv6 endpoint is under 64 bytes). */
export const MAX_RELAY_MESSAGE = 128;
const KEY = 32;

/** Why a relay said no; the requester tries the next member. */
export const REFUSE_REASONS = [
  "disabled", // option relay '0'
  "not-reachable", // the relay has no public address itself
  "not-member", // the sender or the other side is not paired with the relay
  "limit", // too many allocations (per requester or in total)
  "no-path", // the relay has no tunnel to the other side
] as const;
export type RefuseReason = typeof REFUSE_REASONS[number];

/** Phases of a try at the direct path while relayed. */
export const DIRECT_PHASES = ["request", "start", "ok", "failed", "probe", "reached"] as const;
export type DirectPhase = typeof DIRECT_PHASES[number];

export type RelayMessage =
  | { kind: "allocate"; id: number; requester: string; other: string }
  | { kind: "grant"; id: number; peer: string; endpoint: string }
  | { kind: "refuse"; id: number; peer: string; reason: RefuseReason }
  | { kind: "direct"; id: number; peer: string; phase: DirectPhase }
  | { kind: "probe"; id: number; from: string };

function key(w: Writer, k: string): Writer {
  let b: Uint8Array;
  try {
    b = fromBase64(k);
  } catch {
    b = new Uint8Array();
  }
  if (b.length !== KEY) {
    throw new UsageError(`Cannot encode relay message: "${k}" is not a WireGuard public key`);
  }
  return w.bytes(b);
}

function header(type: number, id: number): Writer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new UsageError(`Cannot encode relay message: request id "${id}" is not a u32`);
  }
  return new Writer().u8(MAGIC0).u8(MAGIC1).u8(VERSION).u8(type).u32(id);
}

/** Encode one relay message. Throws `UsageError` on a bad key, id or endpoint. */
export function encodeRelayMessage(m: RelayMessage): Uint8Array {
  switch (m.kind) {
    case "allocate":
      return key(key(header(RELAY_ALLOCATE, m.id), m.requester), m.other).finish();
    case "grant": {
      const w = key(header(RELAY_GRANT, m.id), m.peer);
      writeEndpoint(w, m.endpoint);
      return w.finish();
    }
    case "refuse":
      return key(header(RELAY_REFUSE, m.id), m.peer).u8(REFUSE_REASONS.indexOf(m.reason))
        .finish();
    case "direct":
      return key(header(RELAY_DIRECT, m.id), m.peer).u8(DIRECT_PHASES.indexOf(m.phase)).finish();
    case "probe":
      return key(header(RELAY_PROBE, m.id), m.from).finish();
  }
}

/**
 * Decode a relay message: null when the bytes are not one (other traffic on the port),
 * `RangeError` when truncated, `ParseError` when malformed.
 * @example decodeRelayMessage(encodeRelayMessage({kind: "refuse", id: 1, peer: k, reason: "limit"}))
 */
export function decodeRelayMessage(bytes: Uint8Array): RelayMessage | null {
  if (bytes.length < 2 || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return null;
  if (bytes.length > MAX_RELAY_MESSAGE) {
    throw new ParseError(`Cannot read relay message: ${bytes.length} bytes is too large`);
  }
  const r = new Reader(bytes);
  r.skip(2);
  const version = r.u8();
  if (version !== VERSION) {
    throw new ParseError(
      `Cannot read relay message: version ${version} is not supported; update Punch on both routers`,
    );
  }
  const type = r.u8();
  const id = r.u32();
  const k = () => toBase64(r.take(KEY));
  let m: RelayMessage;
  switch (type) {
    case RELAY_ALLOCATE:
      m = { kind: "allocate", id, requester: k(), other: k() };
      break;
    case RELAY_GRANT:
      m = { kind: "grant", id, peer: k(), endpoint: readEndpoint(r) };
      break;
    case RELAY_REFUSE: {
      const peer = k(), code = r.u8();
      const reason = REFUSE_REASONS[code];
      if (reason === undefined) {
        throw new ParseError(`Cannot read relay refusal: unknown reason ${code}`);
      }
      m = { kind: "refuse", id, peer, reason };
      break;
    }
    case RELAY_DIRECT: {
      const peer = k(), code = r.u8();
      const phase = DIRECT_PHASES[code];
      if (phase === undefined) {
        throw new ParseError(`Cannot read relay direct message: unknown phase ${code}`);
      }
      m = { kind: "direct", id, peer, phase };
      break;
    }
    case RELAY_PROBE:
      m = { kind: "probe", id, from: k() };
      break;
    default:
      throw new ParseError(`Cannot read relay message: unknown type ${type}`);
  }
  expectEnd(r, "relay message");
  return m;
}
