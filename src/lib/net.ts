/** IPv4/IPv6 literals, CIDR prefixes and HOST:PORT endpoints: parsing and formatting. */

export type Family = 4 | 6;

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: Family;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return V4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    ipv6ToBytes(s);
    return true;
  } catch {
    return false;
  }
}

export function ipFamily(s: string): Family | null {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : null;
}

export function ipv4ToBytes(s: string): Uint8Array {
  if (!isIPv4(s)) throw new SyntaxError(`Cannot parse IPv4 address "${s}"`);
  return new Uint8Array(s.split(".").map(Number));
}

export function ipv4ToInt(s: string): number {
  const b = ipv4ToBytes(s);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function ipv6ToBytes(s: string): Uint8Array {
  let text = s;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = ipv4ToBytes(text.slice(lastColon + 1));
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16), lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) {
    throw new SyntaxError(`Cannot parse IPv6 address "${s}": more than one "::"`);
  }
  const parse = (h: string): number[] =>
    h === "" ? [] : h.split(":").map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new SyntaxError(`Cannot parse IPv6 address "${s}"`);
      return parseInt(g, 16);
    });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) throw new SyntaxError(`Cannot parse IPv6 address "${s}": too many groups`);
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) throw new SyntaxError(`Cannot parse IPv6 address "${s}": need 8 groups`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 255;
  });
  return out;
}

/** RFC 5952 text form of 16 bytes. */
export function bytesToIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestAt = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(":");
  return hex.slice(0, bestAt).join(":") + "::" + hex.slice(bestAt + bestLen).join(":");
}

export function parseCidr(s: string): Cidr {
  const [addr, pfx, extra] = s.trim().split("/");
  if (extra !== undefined || addr === undefined) {
    throw new SyntaxError(`Cannot parse prefix "${s}"`);
  }
  const family = ipFamily(addr);
  if (family === null) {
    throw new SyntaxError(`Cannot parse prefix "${s}": "${addr}" is not an IP address`);
  }
  const max = family === 4 ? 32 : 128;
  const prefix = pfx === undefined ? max : Number(pfx);
  if (!/^\d+$/.test(pfx ?? String(max)) || prefix > max) {
    throw new SyntaxError(`Cannot parse prefix "${s}": length must be 0..${max}`);
  }
  return { address: family === 6 ? bytesToIpv6(ipv6ToBytes(addr)) : addr, prefix, family };
}

export function formatCidr(c: Cidr): string {
  return `${c.address}/${c.prefix}`;
}

/** The network address of a prefix ("192.168.1.7/24" -> "192.168.1.0/24"). */
export function networkOf(c: Cidr): Cidr {
  const b = c.family === 4 ? ipv4ToBytes(c.address) : ipv6ToBytes(c.address);
  for (let bit = c.prefix; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const address = c.family === 4 ? Array.from(b).join(".") : bytesToIpv6(b);
  return { address, prefix: c.prefix, family: c.family };
}

/** Whether two prefixes share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const na = networkOf({ ...a, prefix: p }), nb = networkOf({ ...b, prefix: p });
  return na.address === nb.address;
}

export function contains(net: Cidr, ip: string): boolean {
  const fam = ipFamily(ip);
  if (fam === null) return false;
  return overlaps(net, { address: ip, prefix: fam === 4 ? 32 : 128, family: fam });
}

export function parsePort(s: string, what = "port"): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) {
    throw new SyntaxError(`Cannot parse ${what} "${s}": must be a number from 1 to 65535`);
  }
  return Number(s);
}

/** Parse `HOST:PORT`, `[V6]:PORT`; `defaultPort` applies when the port is absent. */
export function parseEndpoint(s: string, defaultPort?: number): Endpoint {
  const text = s.trim();
  let host: string, port: string | undefined;
  const br = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (br) {
    host = br[1]!;
    port = br[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = text; // bare IPv6 without port
  } else {
    const i = text.lastIndexOf(":");
    host = i < 0 ? text : text.slice(0, i);
    port = i < 0 ? undefined : text.slice(i + 1);
  }
  if (host === "" || !/^[A-Za-z0-9.:_-]+$/.test(host)) {
    throw new SyntaxError(`Cannot parse endpoint "${s}": bad host`);
  }
  if (port === undefined) {
    if (defaultPort === undefined) {
      throw new SyntaxError(`Cannot parse endpoint "${s}": missing port`);
    }
    return { host, port: defaultPort };
  }
  return { host, port: parsePort(port, `endpoint port in "${s}"`) };
}

export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** RFC 1918 / 6598 / loopback / link-local: not reachable from the internet. */
export function isPrivateV4(ip: string): boolean {
  const n = ipv4ToInt(ip);
  const inNet = (base: string, bits: number) =>
    (n >>> (32 - bits)) === (ipv4ToInt(base) >>> (32 - bits));
  return inNet("10.0.0.0", 8) || inNet("172.16.0.0", 12) || inNet("192.168.0.0", 16) ||
    inNet("127.0.0.0", 8) || inNet("169.254.0.0", 16) || isCgnatV4(ip);
}

/** RFC 6598 shared address space 100.64.0.0/10 (carrier-grade NAT). */
export function isCgnatV4(ip: string): boolean {
  return (ipv4ToInt(ip) >>> 22) === (ipv4ToInt("100.64.0.0") >>> 22);
}
