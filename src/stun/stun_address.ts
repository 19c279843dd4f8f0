/** (XOR-)MAPPED-ADDRESS value codec (RFC 8489 §14.1, §14.2), shared by the RFC 5780 address attributes. */

import { Reader, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import { bytesToIpv6, type Endpoint, ipFamily, ipv4ToBytes, ipv6ToBytes } from "../lib/net.ts";
import { FAMILY_IPV4, FAMILY_IPV6, MAGIC_COOKIE } from "./stun_constants.ts";

/** RFC 8489 §14.1: 1 reserved byte, 1 family byte, 2 port bytes, then 4 or 16 address bytes. */
const ADDRESS_PREFIX_LENGTH = 4;
const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;
/** RFC 8489 §14.2: the port is XORed with the top 16 bits of the magic cookie. */
const COOKIE_HIGH16 = MAGIC_COOKIE >>> 16;

/** The 16-byte XOR key of RFC 8489 §14.2: magic cookie followed by the 12-byte transaction id. */
function xorKey(transactionId: Uint8Array): Uint8Array {
  const key = new Uint8Array(16);
  new DataView(key.buffer).setUint32(0, MAGIC_COOKIE);
  // Classic (16-byte) ids have no cookie; their last 12 bytes stand in so the codec stays total.
  key.set(transactionId.subarray(transactionId.length - 12), 4);
  return key;
}

/**
 * Decode an address attribute value; `transactionId` set means XOR-MAPPED-ADDRESS encoding.
 * @example decodeAddress(value, tid) // { host: "192.0.2.1", port: 32853 }
 */
export function decodeAddress(value: Uint8Array, transactionId?: Uint8Array): Endpoint {
  if (value.length < ADDRESS_PREFIX_LENGTH) {
    throw new ParseError(`Cannot parse STUN address attribute: ${value.length} bytes is too short`);
  }
  const r = new Reader(value);
  r.u8(); // reserved
  const family = r.u8();
  let port = r.u16();
  const size = family === FAMILY_IPV4 ? IPV4_LENGTH : family === FAMILY_IPV6 ? IPV6_LENGTH : -1;
  if (size < 0) {
    throw new ParseError(`Cannot parse STUN address attribute: unknown family "${family}"`);
  }
  if (r.remaining !== size) {
    throw new ParseError(
      `Cannot parse STUN address attribute: family "${family}" needs ${size} address bytes, got ${r.remaining}`,
    );
  }
  const addr = Uint8Array.from(r.take(size));
  if (transactionId !== undefined) {
    port ^= COOKIE_HIGH16;
    const key = xorKey(transactionId);
    for (let i = 0; i < addr.length; i++) addr[i]! ^= key[i]!;
  }
  const host = size === IPV4_LENGTH ? Array.from(addr).join(".") : bytesToIpv6(addr);
  return { host, port };
}

/**
 * Encode an address attribute value; `transactionId` set means XOR-MAPPED-ADDRESS encoding.
 * @example encodeAddress({ host: "192.0.2.1", port: 32853 }) // 8 bytes
 */
export function encodeAddress(ep: Endpoint, transactionId?: Uint8Array): Uint8Array {
  const fam = ipFamily(ep.host);
  if (fam === null) {
    throw new RangeError(`Cannot encode STUN address "${ep.host}": not an IP literal`);
  }
  if (!Number.isInteger(ep.port) || ep.port < 0 || ep.port > 0xffff) {
    throw new RangeError(`Cannot encode STUN address port "${ep.port}": must be 0..65535`);
  }
  const addr = fam === 4 ? ipv4ToBytes(ep.host) : ipv6ToBytes(ep.host);
  let port = ep.port;
  if (transactionId !== undefined) {
    port ^= COOKIE_HIGH16;
    const key = xorKey(transactionId);
    for (let i = 0; i < addr.length; i++) addr[i]! ^= key[i]!;
  }
  return new Writer().u8(0).u8(fam === 4 ? FAMILY_IPV4 : FAMILY_IPV6).u16(port).bytes(addr)
    .finish();
}
