/** STUN message codec (RFC 8489 §5, §14; RFC 5780 §7; classic RFC 3489 requests), sans-I/O. */

import { Reader, utf8, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import type { Endpoint } from "../lib/net.ts";
import { crc32 } from "../lib/crc32.ts";
import { decodeAddress, encodeAddress } from "./stun_address.ts";
import * as C from "./stun_constants.ts";

/** RFC 8489 §5: the four message classes. */
export type StunClass = "request" | "indication" | "success" | "error";

/** One attribute as it sits on the wire (value without padding). */
export interface StunAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

/** RFC 5780 §7.2 CHANGE-REQUEST flags. */
export interface ChangeRequest {
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

/** RFC 8489 §14.8 ERROR-CODE. */
export interface StunError {
  readonly code: number;
  readonly reason: string;
}

/** The typed attributes this codec understands; everything optional. */
export interface StunFields {
  mappedAddress?: Endpoint;
  xorMappedAddress?: Endpoint;
  responseOrigin?: Endpoint;
  otherAddress?: Endpoint;
  sourceAddress?: Endpoint;
  changedAddress?: Endpoint;
  changeRequest?: ChangeRequest;
  responsePort?: number;
  software?: string;
  error?: StunError;
  unknownAttributes?: number[];
}

/** A decoded STUN message. */
export interface StunMessage extends StunFields {
  method: number;
  class: StunClass;
  /** 12 bytes; 16 for a classic RFC 3489 message (no magic cookie). */
  transactionId: Uint8Array;
  /** True when the message has no magic cookie (an RFC 3489 peer). */
  classic: boolean;
  /** Every attribute in wire order, including those decoded into fields. */
  attributes: StunAttribute[];
  /** True when a FINGERPRINT attribute was present (and matched: a mismatch is a ParseError). */
  fingerprint: boolean;
}

/** What `encodeStun` takes. */
export interface StunMessageInit extends StunFields {
  method?: number;
  class: StunClass;
  transactionId: Uint8Array;
  /** Raw attributes appended after the typed ones (before FINGERPRINT). */
  extra?: StunAttribute[];
  /** Append FINGERPRINT (RFC 8489 §14.7). */
  fingerprint?: boolean;
}

const CLASS_BITS: Record<StunClass, number> = {
  request: C.CLASS_REQUEST,
  indication: C.CLASS_INDICATION,
  success: C.CLASS_SUCCESS,
  error: C.CLASS_ERROR,
};

/** RFC 8489 §5: the 12 method bits are split M0-M3 | M4-M6 | M7-M11 around the class bits. */
function messageType(method: number, cls: StunClass): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | CLASS_BITS[cls];
}

function splitType(type: number): { method: number; class: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const bits = type & C.CLASS_MASK;
  const cls: StunClass = bits === C.CLASS_REQUEST
    ? "request"
    : bits === C.CLASS_INDICATION
    ? "indication"
    : bits === C.CLASS_SUCCESS
    ? "success"
    : "error";
  return { method, class: cls };
}

/**
 * Cheap classifier for demultiplexing (RFC 8489 §5, §7.3): zero top bits, 4-aligned length that
 * matches the datagram, and the magic cookie. Does not look at attributes.
 * @example isStun(encodeStun({ class: "request", transactionId: new Uint8Array(12) })) // true
 */
export function isStun(bytes: Uint8Array): boolean {
  if (bytes.length < C.HEADER_LENGTH || (bytes[0]! & 0xc0) !== 0) return false;
  const len = (bytes[2]! << 8) | bytes[3]!;
  if (len % C.ATTRIBUTE_ALIGN !== 0 || len + C.HEADER_LENGTH !== bytes.length) return false;
  const cookie = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  return cookie === C.MAGIC_COOKIE;
}

/** Options for `parseStun`. */
export interface ParseOptions {
  /** Accept RFC 3489 messages without the magic cookie (a server answering old clients). */
  classic?: boolean;
}

/**
 * Decode one STUN message: `null` when it is not STUN, `RangeError` when truncated, `ParseError`
 * when malformed (bad length, bad attribute, FINGERPRINT mismatch or not last).
 * @example parseStun(bytes)?.xorMappedAddress // { host: "203.0.113.7", port: 40000 }
 */
export function parseStun(bytes: Uint8Array, opts: ParseOptions = {}): StunMessage | null {
  if (bytes.length >= 1 && (bytes[0]! & 0xc0) !== 0) return null;
  const r = new Reader(bytes);
  if (
    bytes.length >= 8 && !opts.classic &&
    new DataView(bytes.buffer, bytes.byteOffset).getUint32(4) !== C.MAGIC_COOKIE
  ) {
    return null;
  }
  const type = r.u16();
  const length = r.u16();
  const cookie = r.u32();
  const classic = cookie !== C.MAGIC_COOKIE;
  r.pos = classic ? 4 : 8;
  const transactionId = Uint8Array.from(
    r.take(classic ? C.CLASSIC_TRANSACTION_ID_LENGTH : C.TRANSACTION_ID_LENGTH),
  );
  if (length % C.ATTRIBUTE_ALIGN !== 0) {
    throw new ParseError(`Cannot parse STUN message: length "${length}" is not a multiple of 4`);
  }
  r.need(length);
  if (r.remaining > length) {
    throw new ParseError(
      `Cannot parse STUN message: ${r.remaining - length} bytes after the declared length`,
    );
  }
  const { method, class: cls } = splitType(type);
  const msg: StunMessage = {
    method,
    class: cls,
    transactionId,
    classic,
    attributes: [],
    fingerprint: false,
  };
  while (r.remaining > 0) {
    const start = r.pos;
    const atype = r.u16();
    const alen = r.u16();
    if (alen > r.remaining) {
      // The datagram holds the whole declared message, so this is a bad attribute, not truncation.
      throw new ParseError(
        `Cannot parse STUN attribute 0x${
          atype.toString(16)
        }: length "${alen}" runs past the message end`,
      );
    }
    const value = Uint8Array.from(r.take(alen));
    r.skip((C.ATTRIBUTE_ALIGN - (alen % C.ATTRIBUTE_ALIGN)) % C.ATTRIBUTE_ALIGN);
    if (msg.fingerprint) {
      throw new ParseError("Cannot parse STUN message: attribute after FINGERPRINT");
    }
    msg.attributes.push({ type: atype, value });
    if (atype === C.ATTR_FINGERPRINT) {
      checkFingerprint(bytes, start, value);
      msg.fingerprint = true;
    } else {
      applyAttribute(msg, atype, value);
    }
  }
  return msg;
}

function checkFingerprint(bytes: Uint8Array, start: number, value: Uint8Array): void {
  if (value.length !== 4) {
    throw new ParseError(`Cannot parse STUN FINGERPRINT: length "${value.length}" is not 4`);
  }
  // RFC 8489 §14.7: CRC over the message up to the attribute, with the length field covering it.
  const head = Uint8Array.from(bytes.subarray(0, start));
  new DataView(head.buffer).setUint16(2, start + C.ATTRIBUTE_HEADER_LENGTH + 4 - C.HEADER_LENGTH);
  const want = (crc32(head) ^ C.FINGERPRINT_XOR) >>> 0;
  const got = new DataView(value.buffer, value.byteOffset).getUint32(0);
  if (want !== got) {
    throw new ParseError(
      `Cannot parse STUN message: FINGERPRINT "${got.toString(16)}" does not match`,
    );
  }
}

/** Decode a known attribute into its field; the first occurrence wins (RFC 8489 §14). */
function applyAttribute(msg: StunMessage, type: number, value: Uint8Array): void {
  const once = <K extends keyof StunFields>(key: K, decode: () => StunFields[K]): void => {
    if (msg[key] === undefined) (msg as StunFields)[key] = decode();
  };
  switch (type) {
    case C.ATTR_MAPPED_ADDRESS:
      return once("mappedAddress", () => decodeAddress(value));
    case C.ATTR_XOR_MAPPED_ADDRESS:
      return once("xorMappedAddress", () => decodeAddress(value, msg.transactionId));
    case C.ATTR_RESPONSE_ORIGIN:
      return once("responseOrigin", () => decodeAddress(value));
    case C.ATTR_OTHER_ADDRESS:
      return once("otherAddress", () => decodeAddress(value));
    case C.ATTR_SOURCE_ADDRESS:
      return once("sourceAddress", () => decodeAddress(value));
    case C.ATTR_CHANGED_ADDRESS:
      return once("changedAddress", () => decodeAddress(value));
    case C.ATTR_CHANGE_REQUEST:
      return once("changeRequest", () => decodeChangeRequest(value));
    case C.ATTR_RESPONSE_PORT:
      return once("responsePort", () => {
        if (value.length !== 4) {
          throw new ParseError(
            `Cannot parse STUN RESPONSE-PORT: length "${value.length}" is not 4`,
          );
        }
        return (value[0]! << 8) | value[1]!;
      });
    case C.ATTR_SOFTWARE:
      return once("software", () => decodeText(value, "SOFTWARE", C.SOFTWARE_MAX_BYTES));
    case C.ATTR_ERROR_CODE:
      return once("error", () => decodeError(value));
    case C.ATTR_UNKNOWN_ATTRIBUTES:
      return once("unknownAttributes", () => {
        if (value.length % 2 !== 0) {
          throw new ParseError(
            `Cannot parse STUN UNKNOWN-ATTRIBUTES: odd length "${value.length}"`,
          );
        }
        const out: number[] = [];
        for (let i = 0; i < value.length; i += 2) out.push((value[i]! << 8) | value[i + 1]!);
        return out;
      });
  }
}

function decodeChangeRequest(value: Uint8Array): ChangeRequest {
  if (value.length !== 4) {
    throw new ParseError(`Cannot parse STUN CHANGE-REQUEST: length "${value.length}" is not 4`);
  }
  const flags = value[3]!;
  return {
    changeIp: (flags & C.CHANGE_IP_FLAG) !== 0,
    changePort: (flags & C.CHANGE_PORT_FLAG) !== 0,
  };
}

function decodeText(value: Uint8Array, what: string, max: number): string {
  if (value.length > max) {
    throw new ParseError(`Cannot parse STUN ${what}: ${value.length} bytes exceeds ${max}`);
  }
  try {
    // Some servers (coturn) count trailing NUL padding in the length; it is not text.
    return new TextDecoder("utf-8", { fatal: true }).decode(value).replace(/\0+$/, "");
  } catch {
    throw new ParseError(`Cannot parse STUN ${what}: not valid UTF-8`);
  }
}

/** RFC 8489 §14.8: 2 reserved bytes, class (hundreds, 3..6), number (0..99), reason phrase. */
function decodeError(value: Uint8Array): StunError {
  if (value.length < 4) {
    throw new ParseError(`Cannot parse STUN ERROR-CODE: length "${value.length}" is below 4`);
  }
  const cls = value[2]! & 0x07, num = value[3]!;
  if (cls < 3 || cls > 6 || num > 99) {
    throw new ParseError(
      `Cannot parse STUN ERROR-CODE: "${cls}${String(num).padStart(2, "0")}" is out of range`,
    );
  }
  return {
    code: cls * 100 + num,
    reason: decodeText(value.subarray(4), "ERROR-CODE reason", C.REASON_MAX_BYTES),
  };
}

/**
 * Encode a STUN message; the transaction id is 12 bytes (16 for a classic RFC 3489 reply).
 * @example encodeStun({ class: "request", transactionId: tid, fingerprint: true })
 */
export function encodeStun(m: StunMessageInit): Uint8Array {
  const tid = m.transactionId;
  if (tid.length !== C.TRANSACTION_ID_LENGTH && tid.length !== C.CLASSIC_TRANSACTION_ID_LENGTH) {
    throw new RangeError(
      `Cannot encode STUN message: transaction id is ${tid.length} bytes, need 12 (or 16)`,
    );
  }
  const attrs: StunAttribute[] = [];
  const addr = (type: number, ep: Endpoint | undefined, xor = false) => {
    if (ep) attrs.push({ type, value: encodeAddress(ep, xor ? tid : undefined) });
  };
  addr(C.ATTR_MAPPED_ADDRESS, m.mappedAddress);
  addr(C.ATTR_XOR_MAPPED_ADDRESS, m.xorMappedAddress, true);
  addr(C.ATTR_SOURCE_ADDRESS, m.sourceAddress);
  addr(C.ATTR_CHANGED_ADDRESS, m.changedAddress);
  addr(C.ATTR_RESPONSE_ORIGIN, m.responseOrigin);
  addr(C.ATTR_OTHER_ADDRESS, m.otherAddress);
  if (m.changeRequest) {
    const flags = (m.changeRequest.changeIp ? C.CHANGE_IP_FLAG : 0) |
      (m.changeRequest.changePort ? C.CHANGE_PORT_FLAG : 0);
    attrs.push({ type: C.ATTR_CHANGE_REQUEST, value: Uint8Array.of(0, 0, 0, flags) });
  }
  if (m.responsePort !== undefined) {
    attrs.push({
      type: C.ATTR_RESPONSE_PORT,
      value: new Writer().u16(m.responsePort).u16(0).finish(),
    });
  }
  if (m.error) attrs.push({ type: C.ATTR_ERROR_CODE, value: encodeError(m.error) });
  if (m.unknownAttributes) {
    const w = new Writer();
    for (const t of m.unknownAttributes) w.u16(t);
    attrs.push({ type: C.ATTR_UNKNOWN_ATTRIBUTES, value: w.finish() });
  }
  if (m.software !== undefined) {
    const b = utf8.encode(m.software);
    if (b.length > C.SOFTWARE_MAX_BYTES) {
      throw new RangeError(`Cannot encode STUN SOFTWARE: ${b.length} bytes is too long`);
    }
    attrs.push({ type: C.ATTR_SOFTWARE, value: b });
  }
  attrs.push(...(m.extra ?? []));
  const w = new Writer().u16(messageType(m.method ?? C.METHOD_BINDING, m.class)).u16(0);
  if (tid.length === C.TRANSACTION_ID_LENGTH) w.u32(C.MAGIC_COOKIE);
  w.bytes(tid);
  for (const a of attrs) {
    w.u16(a.type).u16(a.value.length).bytes(a.value).zeros(
      (C.ATTRIBUTE_ALIGN - (a.value.length % C.ATTRIBUTE_ALIGN)) % C.ATTRIBUTE_ALIGN,
    );
  }
  let out = w.finish();
  if (m.fingerprint) {
    // RFC 8489 §14.7: the CRC covers the header with a length that already counts FINGERPRINT.
    new DataView(out.buffer).setUint16(
      2,
      out.length + C.ATTRIBUTE_HEADER_LENGTH + 4 - C.HEADER_LENGTH,
    );
    const crc = (crc32(out) ^ C.FINGERPRINT_XOR) >>> 0;
    out = new Writer().bytes(out).u16(C.ATTR_FINGERPRINT).u16(4).u32(crc).finish();
  }
  new DataView(out.buffer).setUint16(2, out.length - C.HEADER_LENGTH);
  return out;
}

function encodeError(e: StunError): Uint8Array {
  if (!Number.isInteger(e.code) || e.code < 300 || e.code > 699) {
    throw new RangeError(`Cannot encode STUN ERROR-CODE "${e.code}": must be 300..699`);
  }
  return new Writer().u16(0).u8(Math.floor(e.code / 100)).u8(e.code % 100).bytes(
    utf8.encode(e.reason),
  ).finish();
}
