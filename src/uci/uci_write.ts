/**
 * `UciDoc` → text, and the line renderers edits use. Untouched nodes are written as they were
 * read; new lines take the shape `uci commit` writes (`config type 'name'`, a tab, then
 * `option key 'value'` or `list key 'value'`, values in single quotes with `'\''` for `'`).
 */

import type { UciDoc } from "./uci_doc.ts";

/** Single-quote a value the way libuci's `uci_escape` does. */
export function quoteUci(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `config <type>` or `config <type> '<name>'`, without line ending. */
export function renderConfig(type: string, name?: string): string {
  return name === undefined ? `config ${type}` : `config ${type} ${quoteUci(name)}`;
}

/** `<indent>option <key> '<value>'` (or `list`), without line ending. */
export function renderOption(
  kind: "option" | "list",
  key: string,
  value: string,
  indent = "\t",
): string {
  return `${indent}${kind} ${key} ${quoteUci(value)}`;
}

/** The line ending at the end of `raw`: `\r\n`, `\n`, or `""` (last line without one). */
export function lineEnding(raw: string): string {
  return raw.endsWith("\r\n") ? "\r\n" : raw.endsWith("\n") ? "\n" : "";
}

/** Leading whitespace of a line. */
export function indentOf(raw: string): string {
  return /^[ \t]*/.exec(raw)![0];
}

/**
 * The text of a document; byte-identical to the parsed input when nothing was edited.
 * @example writeUci(parseUci(text)) === text
 */
export function writeUci(doc: UciDoc): string {
  let out = "";
  for (const node of doc.nodes) {
    if (node.raw === "") continue;
    // only a file's last line lacks a newline; lines added after it need one
    if (out !== "" && !out.endsWith("\n")) out += doc.eol;
    out += node.raw;
  }
  return out;
}
