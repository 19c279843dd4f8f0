/**
 * UCI text → `UciDoc`, following libuci's `file.c` tokenizer: `#` comments, `'single'` quotes
 * (no escapes), `"double"` quotes and bare words with backslash escapes (`\x` is `x`, a
 * backslash before a newline joins lines), quotes spanning lines, adjacent pieces joining into
 * one word (the `'it'\''s'` idiom `uci commit` writes), `;` between statements, and the
 * one-letter keywords `p`, `c`, `o`, `l`. Parsing is strict like the `uci` command: extra
 * arguments are an error.
 */

import { type Statement, type Token, uciFail as fail, UciLexer } from "./uci_lex.ts";
import {
  anonymousName,
  type ConfigNode,
  NAME_RE,
  type OptionNode,
  type PackageNode,
  TYPE_RE,
  type UciDoc,
  type UciNode,
} from "./uci_doc.ts";

/** Package names also allow `-` (libuci `uci_validate_package`). */
const PACKAGE_RE = /^[A-Za-z0-9_-]+$/;

/** Mutable state while building the node list. */
interface Builder {
  nodes: UciNode[];
  nSection: number;
  /** Named sections seen so far and their types. */
  named: Map<string, string>;
  inSection: boolean;
  pkg: string | undefined;
}

/** Offsets are kept only for a statement alone on its line (`group` undefined). */
function statementNode(
  b: Builder,
  st: Statement,
  raw: string,
  base: number,
  group?: number,
): UciNode {
  const keyword = st.keyword;
  const span = (t: Token) => [t.start - base, t.end - base] as const;
  const extra = <T extends object>(spans: T) => (group === undefined ? spans : { group });
  if (keyword === "package") {
    const [name] = st.args;
    if (!PACKAGE_RE.test(name!.text)) fail(st.line, `invalid package name "${name!.text}"`);
    // libuci ignores `package` lines when it loads a file by name (`uci_load`)
    b.pkg ??= name!.text;
    return {
      kind: "package",
      raw,
      line: st.line,
      name: name!.text,
      ...extra({}),
    } satisfies PackageNode;
  }
  if (keyword === "config") {
    const [type, name] = st.args;
    if (!TYPE_RE.test(type!.text)) fail(st.line, `invalid section type "${type!.text}"`);
    b.inSection = true;
    if (name!.text === "") {
      b.nSection++;
      return {
        kind: "config",
        raw,
        line: st.line,
        type: type!.text,
        name: anonymousName(b.nSection, type!.text),
        anonymous: true,
        ...extra({ typeEnd: type!.end - base }),
      } satisfies ConfigNode;
    }
    if (!NAME_RE.test(name!.text)) {
      fail(st.line, `invalid section name "${name!.text}"; use only letters, digits and _`);
    }
    const before = b.named.get(name!.text);
    if (before === undefined) {
      b.named.set(name!.text, type!.text);
      b.nSection++;
    } else if (before !== type!.text) {
      fail(
        st.line,
        `section "${name!.text}" was declared before with type "${before}"; rename one of them`,
      );
    }
    return {
      kind: "config",
      raw,
      line: st.line,
      type: type!.text,
      name: name!.text,
      anonymous: false,
      ...extra({ typeEnd: type!.end - base, nameSpan: span(name!) }),
    } satisfies ConfigNode;
  }
  const [key, value] = st.args;
  if (!b.inSection) {
    fail(
      st.line,
      `${keyword} "${key!.text}" appears before any config line; put it inside a section`,
    );
  }
  if (!NAME_RE.test(key!.text)) {
    fail(st.line, `invalid option name "${key!.text}"; use only letters, digits and _`);
  }
  const node: OptionNode = {
    kind: keyword,
    raw,
    line: st.line,
    key: key!.text,
    value: value!.text,
    ...extra({
      keySpan: span(key!),
      ...(value!.end > value!.start ? { valueSpan: span(value!) } : {}),
    }),
  };
  return node;
}

/**
 * Parse the text of a UCI file; throws `ParseError` with the 1-based line on bad input.
 * @example parseUci("config interface 'lan'\n\toption proto 'static'\n")
 */
export function parseUci(text: string): UciDoc {
  const sc = new UciLexer(text);
  const b: Builder = { nodes: [], nSection: 0, named: new Map(), inSection: false, pkg: undefined };
  let group = 0;
  while (!sc.done) {
    const start = sc.pos, line = sc.line;
    const stmts = sc.logicalLine();
    const raw = text.slice(start, sc.pos);
    if (stmts.length === 0) {
      b.nodes.push({ kind: "trivia", raw, line, blank: raw.trim() === "" });
      continue;
    }
    if (stmts.length === 1) {
      b.nodes.push(statementNode(b, stmts[0]!, raw, start));
      continue;
    }
    // Several statements on one line: the first node carries the text, the rest are empty,
    // and all share a group so an edit re-renders them together.
    group++;
    for (const [i, st] of stmts.entries()) {
      b.nodes.push(statementNode(b, st, i === 0 ? raw : "", start, group));
    }
  }
  const firstEol = /\r?\n/.exec(text)?.[0];
  return {
    nodes: b.nodes,
    nSection: b.nSection,
    eol: firstEol === "\r\n" ? "\r\n" : "\n",
    ...(b.pkg !== undefined ? { package: b.pkg } : {}),
  };
}
