/** Which conntrack entries would shadow a mapping, as `conntrack` filters, and a parser for its listing. */

import type { Mapping } from "./rules.ts";

/** One `conntrack -D/-L` selection; absent fields match anything. Always UDP. */
export interface ConntrackFilter {
  readonly origSrc?: string;
  readonly origDst?: string;
  readonly origSport?: number;
  readonly origDport?: number;
  readonly replySrc?: string;
  readonly replyDst?: string;
  readonly replySport?: number;
  readonly replyDport?: number;
}

/** One UDP entry of `conntrack -L` (original and reply tuple). */
export interface ConntrackEntry {
  readonly origSrc: string;
  readonly origDst: string;
  readonly origSport: number;
  readonly origDport: number;
  readonly replySrc: string;
  readonly replyDst: string;
  readonly replySport: number;
  readonly replyDport: number;
}

/**
 * The entries to delete when a mapping is installed or removed:
 * - the remote's packets to our public port (delivered to the router itself, or an old pinhole);
 * - the LAN host's own flow to the remote (NATed to whatever port masquerade picked before);
 * - any flow whose reply tuple holds `WAN:PUBLICPORT ↔ REMOTE:RPORT` (another host, or the
 *   router's own socket), which would make the kernel pick a different source port.
 */
export function shadowingFilters(m: Mapping): ConntrackFilter[] {
  return [
    {
      origSrc: m.remoteAddress,
      origSport: m.remotePort,
      origDst: m.wanAddress,
      origDport: m.publicPort,
    },
    {
      origSrc: m.lanAddress,
      origSport: m.lanPort,
      origDst: m.remoteAddress,
      origDport: m.remotePort,
    },
    {
      replySrc: m.remoteAddress,
      replySport: m.remotePort,
      replyDst: m.wanAddress,
      replyDport: m.publicPort,
    },
  ];
}

/** The `conntrack` arguments after the command flag (`-D` or `-L`) for a filter. */
export function conntrackFilterArgs(f: ConntrackFilter): string[] {
  const args = ["-p", "udp"];
  const add = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) args.push(flag, String(v));
  };
  add("--orig-src", f.origSrc);
  add("--orig-dst", f.origDst);
  add("--orig-port-src", f.origSport);
  add("--orig-port-dst", f.origDport);
  add("--reply-src", f.replySrc);
  add("--reply-dst", f.replyDst);
  add("--reply-port-src", f.replySport);
  add("--reply-port-dst", f.replyDport);
  return args;
}

/** Whether an entry falls under a filter. */
export function matchesFilter(e: ConntrackEntry, f: ConntrackFilter): boolean {
  const keys = Object.keys(f) as (keyof ConntrackFilter)[];
  return keys.every((k) => f[k] === undefined || f[k] === e[k]);
}

/** The entries of a listing that any of the filters selects. */
export function selectEntries(
  entries: readonly ConntrackEntry[],
  filters: readonly ConntrackFilter[],
): ConntrackEntry[] {
  return entries.filter((e) => filters.some((f) => matchesFilter(e, f)));
}

/**
 * UDP entries of `conntrack -L` text (or `/proc/net/nf_conntrack`); other protocols, summary
 * lines and lines without both tuples are skipped.
 * @example parseConntrackList("udp 17 29 src=10.0.0.2 dst=10.0.0.1 sport=5 dport=6 src=10.0.0.1 dst=10.0.0.2 sport=6 dport=5 mark=0 use=1")
 */
export function parseConntrackList(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (!words.includes("udp")) continue;
    const src: string[] = [], dst: string[] = [], sport: number[] = [], dport: number[] = [];
    for (const w of words) {
      const eq = w.indexOf("=");
      if (eq < 0) continue;
      const k = w.slice(0, eq), v = w.slice(eq + 1);
      if (k === "src") src.push(v);
      else if (k === "dst") dst.push(v);
      else if (k === "sport") sport.push(Number(v));
      else if (k === "dport") dport.push(Number(v));
    }
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) continue;
    out.push({
      origSrc: src[0]!,
      origDst: dst[0]!,
      origSport: sport[0]!,
      origDport: dport[0]!,
      replySrc: src[1]!,
      replyDst: dst[1]!,
      replySport: sport[1]!,
      replyDport: dport[1]!,
    });
  }
  return out;
}
