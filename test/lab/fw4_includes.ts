/**
 * fw4's automatic includes: files under `/usr/share/nftables.d/<position>/` (and
 * `chain-pre|chain-post/<chain>/`) mapped to include positions. Sans-I/O.
 */
import type { Fw4Include, Fw4IncludePosition } from "./fw4_ruleset.ts";

/** Directory (relative to a router's root) fw4 reads automatic includes from. */
export const NFTABLES_D = "usr/share/nftables.d";

const FLAT: readonly Fw4IncludePosition[] = [
  "ruleset-pre",
  "ruleset-post",
  "table-pre",
  "table-post",
];

/**
 * Map `*.nft` files (paths relative to `usr/share/nftables.d/`, in glob order) to includes; other
 * files are ignored, as fw4 does.
 * @example
 * includesFromFiles([{ path: "chain-pre/input_wan/10-punch.nft", text: "udp dport 51820 accept" }]);
 */
export function includesFromFiles(files: { path: string; text: string }[]): Fw4Include[] {
  const out: Fw4Include[] = [];
  for (const f of files) {
    if (!f.path.endsWith(".nft")) continue;
    const parts = f.path.split("/");
    const pos = parts[0] as Fw4IncludePosition;
    if (parts.length === 2 && FLAT.includes(pos)) out.push({ position: pos, text: f.text });
    else if (parts.length === 3 && (pos === "chain-pre" || pos === "chain-post")) {
      out.push({ position: pos, chain: parts[1]!, text: f.text });
    }
  }
  return out;
}
