/** Shared helpers for the UCI tests: fixtures and a `uci -X show` style dump. */

import { parseUci, quoteUci, sections, type UciDoc } from "../../src/uci/mod.ts";

export const FIXTURES = [
  "network_default",
  "firewall_default",
  "dhcp_default",
  "system_default",
  "network_wireguard",
  "odd_quoting",
  "crlf",
  "punch_default",
] as const;

export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../vectors/uci/${name}`, import.meta.url));
}

/** The lines `uci -X show <pkg>` prints for a document. */
export function show(pkg: string, doc: UciDoc | string): string {
  const d = typeof doc === "string" ? parseUci(doc) : doc;
  const out: string[] = [];
  for (const s of sections(d)) {
    out.push(`${pkg}.${s.name}=${s.type}`);
    for (const [k, v] of Object.entries(s.options)) {
      out.push(
        `${pkg}.${s.name}.${k}=${typeof v === "string" ? quoteUci(v) : v.map(quoteUci).join(" ")}`,
      );
    }
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}
