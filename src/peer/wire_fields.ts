/**
 * Compact binary fields shared by invite tokens, reply tokens and peer cards: short UTF-8 names,
 * HOST:PORT endpoints, interface addresses and subnets. Every list is capped so a decoder's work
 * is bounded; encoders normalise text (RFC 5952 IPv6, network address of a subnet).
 */
import { Reader, Writer } from "../lib/bytes.ts";
import { ParseError, UsageError } from "../lib/errors.ts";
import {
  bytesToIpv6,
  type Cidr,
  formatEndpoint,
  ipFamily,
  ipv4ToBytes,
  ipv6ToBytes,
  networkOf,
  parseCidr,
  parseEndpoint,
} from "../lib/net.ts";

/** Most entries in any list (endpoints, addresses, subnets, hosts, introductions). */
export const MAX_LIST = 16;
/** Longest name in bytes of UTF-8 (router names, LAN host names). */
export const MAX_NAME = 63;

const EP_V4 = 4, EP_V6 = 6, EP_DNS = 0x64; // endpoint kinds: IPv4, IPv6, DNS name ("d")
const V6_PREFIX_BASE = 64; // prefix byte: 0..32 = IPv4 /n, 64..192 = IPv6 /(n-64)
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const fatal = new TextDecoder("utf-8", { fatal: true });

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function badInput(what: string, value: string, why: string): never {
  throw new UsageError(`Cannot encode ${what} "${value}": ${why}`);
}

/** Write a length-prefixed name; refuses control characters and names over `MAX_NAME` bytes. */
export function writeName(w: Writer, name: string, what = "name"): void {
  const b = new TextEncoder().encode(name);
  if (b.length > MAX_NAME) {
    badInput(what, name, `longer than ${MAX_NAME} bytes; pick a shorter one`);
  }
  if (hasControl(name)) {
    badInput(what, name, "control characters are not allowed");
  }
  w.u8(b.length).bytes(b);
}

export function readName(r: Reader, what = "name"): string {
  const n = r.u8();
  if (n > MAX_NAME) throw new ParseError(`Cannot read ${what}: length ${n} is over ${MAX_NAME}`);
  let s: string;
  try {
    s = fatal.decode(r.take(n));
  } catch {
    throw new ParseError(`Cannot read ${what}: not UTF-8`);
  }
  if (hasControl(s)) {
    throw new ParseError(`Cannot read ${what} "${s}": control characters`);
  }
  return s;
}

function writeCount(w: Writer, n: number, what: string): void {
  if (n > MAX_LIST) {
    throw new UsageError(`Cannot encode ${n} ${what}: at most ${MAX_LIST} fit; drop some`);
  }
  w.u8(n);
}

function readCount(r: Reader, what: string): number {
  const n = r.u8();
  if (n > MAX_LIST) throw new ParseError(`Cannot read ${what}: count ${n} is over ${MAX_LIST}`);
  return n;
}

/** Write one `HOST:PORT` endpoint (IPv4, IPv6 in brackets, or a DNS name). */
export function writeEndpoint(w: Writer, text: string): void {
  let ep;
  try {
    ep = parseEndpoint(text);
  } catch (e) {
    return badInput("endpoint", text, `${(e as Error).message}; use HOST:PORT`);
  }
  const fam = ipFamily(ep.host);
  if (fam === 4) w.u8(EP_V4).bytes(ipv4ToBytes(ep.host));
  else if (fam === 6) w.u8(EP_V6).bytes(ipv6ToBytes(ep.host));
  else if (DNS_NAME.test(ep.host) && !/^[\d.]+$/.test(ep.host)) {
    w.u8(EP_DNS).u8(ep.host.length).bytes(new TextEncoder().encode(ep.host.toLowerCase()));
  } else badInput("endpoint", text, "the host is neither an IP address nor a DNS name");
  w.u16(ep.port);
}

export function readEndpoint(r: Reader): string {
  const kind = r.u8();
  let host: string;
  if (kind === EP_V4) host = Array.from(r.take(4)).join(".");
  else if (kind === EP_V6) host = bytesToIpv6(r.take(16));
  else if (kind === EP_DNS) {
    const n = r.u8();
    host = String.fromCharCode(...r.take(n));
    if (!DNS_NAME.test(host) || /^[\d.]+$/.test(host) || host !== host.toLowerCase()) {
      throw new ParseError(`Cannot read endpoint: "${host}" is not a DNS name`);
    }
  } else throw new ParseError(`Cannot read endpoint: unknown kind ${kind}`);
  const port = r.u16();
  if (port === 0) throw new ParseError(`Cannot read endpoint "${host}": port 0`);
  return formatEndpoint({ host, port });
}

function cidrOf(text: string, what: string): Cidr {
  try {
    return parseCidr(text);
  } catch (e) {
    return badInput(what, text, `${(e as Error).message}; use ADDRESS/LENGTH`);
  }
}

function prefixByte(c: Cidr): number {
  return c.family === 4 ? c.prefix : V6_PREFIX_BASE + c.prefix;
}

function readPrefixByte(r: Reader, what: string): { family: 4 | 6; prefix: number } {
  const b = r.u8();
  if (b <= 32) return { family: 4, prefix: b };
  if (b >= V6_PREFIX_BASE && b <= V6_PREFIX_BASE + 128) {
    return { family: 6, prefix: b - V6_PREFIX_BASE };
  }
  throw new ParseError(`Cannot read ${what}: bad prefix byte ${b}`);
}

function addrBytes(c: Cidr): Uint8Array {
  return c.family === 4 ? ipv4ToBytes(c.address) : ipv6ToBytes(c.address);
}

function addrText(family: 4 | 6, b: Uint8Array): string {
  return family === 4 ? Array.from(b).join(".") : bytesToIpv6(b);
}

/** Write an interface address with its prefix length, host bits kept ("10.77.3.9/16"). */
export function writeAddress(w: Writer, text: string): void {
  const c = cidrOf(text, "tunnel address");
  w.u8(prefixByte(c)).bytes(addrBytes(c));
}

export function readAddress(r: Reader): string {
  const { family, prefix } = readPrefixByte(r, "tunnel address");
  return `${addrText(family, r.take(family === 4 ? 4 : 16))}/${prefix}`;
}

/** Write a subnet as its network address, only the bytes the prefix covers ("192.168.1.0/24" = 4 bytes). */
export function writeSubnet(w: Writer, text: string): void {
  const c = networkOf(cidrOf(text, "subnet"));
  w.u8(prefixByte(c)).bytes(addrBytes(c).subarray(0, Math.ceil(c.prefix / 8)));
}

export function readSubnet(r: Reader): string {
  const { family, prefix } = readPrefixByte(r, "subnet");
  const full = new Uint8Array(family === 4 ? 4 : 16);
  const n = Math.ceil(prefix / 8);
  full.set(r.take(n));
  if (prefix % 8 !== 0 && (full[n - 1]! & (0xff >> (prefix % 8))) !== 0) {
    throw new ParseError(`Cannot read subnet: host bits set after /${prefix}`);
  }
  return `${addrText(family, full)}/${prefix}`;
}

/** Write a counted list with `item` (at most `MAX_LIST` entries). */
export function writeList<T>(
  w: Writer,
  items: readonly T[],
  what: string,
  item: (w: Writer, x: T) => void,
): void {
  writeCount(w, items.length, what);
  for (const x of items) item(w, x);
}

export function readList<T>(r: Reader, what: string, item: (r: Reader) => T): T[] {
  const n = readCount(r, what);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r));
  return out;
}

/** Read `n` bytes as a fresh copy (so callers may keep it after the input buffer is reused). */
export function readBytes(r: Reader, n: number): Uint8Array {
  return r.take(n).slice();
}

/** Bytes left over after a complete structure are malformed, not truncated. */
export function expectEnd(r: Reader, what: string): void {
  if (r.remaining !== 0) {
    throw new ParseError(`Cannot read ${what}: ${r.remaining} unexpected bytes at the end`);
  }
}
