/**
 * The UCI files a lab router starts with (`etc/config/network`, `etc/config/punch`), written the way
 * OpenWrt writes them (tab-indented `option`/`list`, single-quoted values). Sans-I/O.
 */
import { parseCidr } from "../../src/lib/net.ts";
import { cryptHash } from "../../src/lib/crypt.ts";

export interface NetworkFileOptions {
  lan: string;
  wan: string;
  wanGateway: string;
  lanDev?: string;
  wanDev?: string;
}

/** Marker written as the only `stun_server` when the lab has no STUN host: never a real server. */
export const NO_STUN_SERVER = "none";

/** `/etc/config/network` for a router with a static lan and a static wan. */
export function networkFile(o: NetworkFileOptions): string {
  const lan = parseCidr(o.lan), wan = parseCidr(o.wan);
  return [
    "",
    "config interface 'loopback'",
    "\toption device 'lo'",
    "\toption proto 'static'",
    "\toption ipaddr '127.0.0.1'",
    "\toption netmask '255.0.0.0'",
    "",
    "config globals 'globals'",
    "\toption ula_prefix 'fd00:db8:1::/48'",
    "",
    "config interface 'lan'",
    `\toption device '${o.lanDev ?? "lan0"}'`,
    "\toption proto 'static'",
    `\toption ipaddr '${lan.address}'`,
    `\toption netmask '${netmask(lan.prefix)}'`,
    "",
    "config interface 'wan'",
    `\toption device '${o.wanDev ?? "wan0"}'`,
    "\toption proto 'static'",
    `\toption ipaddr '${wan.address}'`,
    `\toption netmask '${netmask(wan.prefix)}'`,
    `\toption gateway '${o.wanGateway}'`,
    "",
  ].join("\n");
}

export interface PunchFileOptions {
  name: string;
  listenPort?: number;
  iface?: string;
  /** `HOST:PORT` of lab STUN servers; empty → the `none` marker (no STUN, never a public server). */
  stunServers: string[];
}

/** `/etc/config/punch` for a lab router. */
export function punchFile(o: PunchFileOptions): string {
  const stun = o.stunServers.length > 0 ? o.stunServers : [NO_STUN_SERVER];
  return [
    "",
    "config punch 'main'",
    `\toption interface '${o.iface ?? "wg0"}'`,
    `\toption listen_port '${o.listenPort ?? 51820}'`,
    `\toption name '${o.name}'`,
    ...(o.stunServers.length > 0 ? [] : [
      "\t# Lab without a STUN host: 'none' means no STUN at all (never fall back to a public server)",
    ]),
    ...stun.map((s) => `\tlist stun_server '${s}'`),
    "",
  ].join("\n");
}

function netmask(prefix: number): string {
  const m = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return [m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join(".");
}

/** Replace the wan `ipaddr`/`netmask` (and `gateway` when given) in a network file's text. */
export function withWanAddress(text: string, cidr: string, gateway?: string): string {
  const c = parseCidr(cidr);
  const lines = text.split("\n");
  let inWan = false;
  return lines.map((line) => {
    if (/^config\s/.test(line)) inWan = /^config interface 'wan'\s*$/.test(line);
    if (!inWan) return line;
    if (/^\toption ipaddr /.test(line)) return `\toption ipaddr '${c.address}'`;
    if (/^\toption netmask /.test(line)) return `\toption netmask '${netmask(c.prefix)}'`;
    if (gateway !== undefined && /^\toption gateway /.test(line)) {
      return `\toption gateway '${gateway}'`;
    }
    return line;
  }).join("\n");
}

/** The password of `root` on every lab router (web UI login). */
export const LAB_ROOT_PASSWORD = "punch";

/** `/etc/shadow` with root's password set to `LAB_ROOT_PASSWORD` (md5-crypt, as busybox passwd makes). */
export function shadowFile(): string {
  const hash = cryptHash(LAB_ROOT_PASSWORD, "$1$punchlab$");
  return `root:${hash}:19000:0:99999:7:::\ndaemon:*:0:0:99999:7:::\n`;
}
