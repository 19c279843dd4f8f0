/** Parser for `nft -a list chain …` text: the rules with their handles and comments. */

import { ParseError } from "../lib/errors.ts";

/** One rule as nft lists it. */
export interface ListedRule {
  readonly chain: string;
  readonly handle: number;
  /** The comment, without quotes; `""` when the rule has none. */
  readonly comment: string;
  /** The rule text without the trailing `# handle N`, as `nft add rule` would take it back. */
  readonly text: string;
}

const CHAIN_OPEN = /^chain\s+(\S+)\s*\{/;
const HANDLE = /\s*#\s*handle\s+(\d+)\s*$/;
const COMMENT = /comment\s+"([^"]*)"/;

/**
 * Rules of every chain in an `nft -a list …` listing (one chain, one table or the ruleset).
 * Chain headers (`type … hook …; policy …;`) and sets are skipped.
 * @example parseNftListing('table inet fw4 {\n\tchain c { # handle 1\n\t\taccept comment "x" # handle 2\n\t}\n}')
 */
export function parseNftListing(text: string): ListedRule[] {
  const out: ListedRule[] = [];
  let chain: string | null = null;
  let depth = 0;
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const open = CHAIN_OPEN.exec(line);
    if (open && chain === null) {
      chain = open[1]!;
      depth = 1;
      return;
    }
    if (chain === null) return;
    if (line.endsWith("{") || /\{\s*#\s*handle\s+\d+$/.test(line)) {
      depth++;
      return;
    }
    if (line === "}") {
      depth--;
      if (depth === 0) chain = null;
      return;
    }
    if (depth !== 1 || /^(type|policy)\s/.test(line)) return;
    const h = HANDLE.exec(line);
    if (!h) {
      throw new ParseError(
        `Cannot read nft listing: rule without handle "${line}" (run nft with -a)`,
        i + 1,
      );
    }
    const body = line.slice(0, h.index);
    out.push({ chain, handle: Number(h[1]), comment: COMMENT.exec(body)?.[1] ?? "", text: body });
  });
  return out;
}
