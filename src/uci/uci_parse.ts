/**
 * UCI text → `UciDoc`, following libuci's `file.c` tokenizer: `#` comments, `'single'` quotes
 * (no escapes), `"double"` quotes and bare words with backslash escapes (`\x` is `x`, a
 * backslash before a newline joins lines), quotes spanning lines, adjacent pieces joining into
 * one word (the `'it'\''s'` idiom `uci commit` writes), `;` between statements, and the
 * one-letter keywords `p`, `c`, `o`, `l`. Parsing is strict like the `uci` command: extra
 * arguments are an error.
 */

import { ParseError } from "../lib/errors.ts";
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

interface Token {
  readonly text: string;
  /** Offsets in the whole input. */
  readonly start: number;
  readonly end: number;
  /** Whether the token used quotes or escapes (a keyword must not). */
  readonly plain: boolean;
}

interface Statement {
  readonly tokens: Token[];
  readonly line: number;
}

const isSpace = (c: string | undefined) =>
  c === " " || c === "\t" || c === "\r" || c === "\v" || c === "\f";

function fail(line: number, what: string): never {
  throw new ParseError(`Cannot parse UCI line ${line}: ${what}`, line);
}

/** Cursor over the whole text; `line` is 1-based and follows every newline consumed. */
class Scanner {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  /** A backslash followed by a line end: skip both and report true. */
  continuation(): boolean {
    if (this.peek() !== "\\") return false;
    const next = this.peek(1);
    const width = next === "\n" ? 2 : next === "\r" && this.peek(2) === "\n" ? 3 : 0;
    if (width === 0) return false;
    this.pos += width;
    this.line++;
    return true;
  }

  /** Read one word starting at a non-space character that is not `#` or `;`. */
  word(): { token: Token; comment: boolean } {
    const start = this.pos;
    let text = "", plain = true, comment = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "\n" || isSpace(c) || c === ";") break;
      if (c === "#") {
        comment = true;
        break;
      }
      if (c === "'") {
        plain = false;
        text += this.quoted("'");
      } else if (c === '"') {
        plain = false;
        text += this.quoted('"');
      } else if (c === "\\") {
        plain = false;
        if (this.continuation()) continue;
        this.pos++;
        const e = this.peek();
        if (e !== undefined) {
          text += e;
          this.pos++;
        }
      } else {
        text += c;
        this.pos++;
      }
    }
    return { token: { text, start, end: this.pos, plain }, comment };
  }

  private quoted(q: "'" | '"'): string {
    const openLine = this.line;
    this.pos++;
    let text = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        fail(openLine, `the ${q === "'" ? "single" : "double"} quote opened here is never closed; add the closing ${q}`);
      }
      if (c === q) {
        this.pos++;
        return text;
      }
      if (q === '"' && c === "\\") {
        if (this.continuation()) continue;
        this.pos++;
        const e = this.peek();
        if (e === undefined) continue; // reported as unterminated on the next turn
        if (e === "\n") this.line++;
        text += e;
        this.pos++;
        continue;
      }
      if (c === "\n") this.line++;
      text += c;
      this.pos++;
    }
  }

  /** Skip to the end of the physical line, consuming its newline. */
  skipComment(): void {
    while (this.pos < this.text.length && this.peek() !== "\n") this.pos++;
  }

  /** Read the statements of one logical line and consume its newline. */
  logicalLine(): Statement[] {
    const out: Statement[] = [];
    let tokens: Token[] = [];
    let stmtLine = this.line;
    const flush = () => {
      if (tokens.length > 0) out.push({ tokens, line: stmtLine });
      tokens = [];
    };
    for (;;) {
      for (;;) {
        if (isSpace(this.peek())) this.pos++;
        else if (!this.continuation()) break;
      }
      const c = this.peek();
      if (c === undefined) break;
      if (c === "\n") {
        this.pos++;
        this.line++;
        break;
      }
      if (c === "#") {
        this.skipComment();
        continue;
      }
      if (c === ";") {
        this.pos++;
        flush();
        stmtLine = this.line;
        continue;
      }
      if (tokens.length === 0) stmtLine = this.line;
      const { token, comment } = this.word();
      tokens.push(token);
      if (comment) this.skipComment();
    }
    flush();
    return out;
  }
}

const KEYWORDS: Record<string, "package" | "config" | "option" | "list"> = {
  p: "package",
  package: "package",
  c: "config",
  config: "config",
  o: "option",
  option: "option",
  l: "list",
  list: "list",
};

/** Mutable state while building the node list. */
interface Builder {
  nodes: UciNode[];
  nSection: number;
  named: Set<string>;
  inSection: boolean;
  pkg: string | undefined;
}

function args(st: Statement, keyword: string, min: number, max: number): Token[] {
  const rest = st.tokens.slice(1);
  if (rest.length < min) {
    const need = keyword === "config" ? "a section type" : keyword === "package" ? "a package name" : "an option name";
    fail(st.line, `"${keyword}" needs ${need}`);
  }
  if (rest.length > max) {
    fail(st.line, `too many arguments after "${keyword}" (unexpected "${rest[max]!.text}"); quote values that contain spaces`);
  }
  return rest;
}

/** Offsets are kept only for a statement alone on its line (`group` undefined). */
function statementNode(b: Builder, st: Statement, raw: string, base: number, group?: number): UciNode {
  const first = st.tokens[0]!;
  const keyword = first.plain ? KEYWORDS[first.text] : undefined;
  const span = (t: Token) => [t.start - base, t.end - base] as const;
  const extra = <T extends object>(spans: T) => (group === undefined ? spans : { group });
  if (keyword === undefined) {
    fail(st.line, `unknown statement "${first.text}"; expected package, config, option or list`);
  }
  if (keyword === "package") {
    const [name] = args(st, keyword, 1, 1);
    if (!PACKAGE_RE.test(name!.text)) fail(st.line, `invalid package name "${name!.text}"`);
    if (b.pkg !== undefined || b.inSection) {
      fail(st.line, `a second "package" statement is not supported; keep one package per file`);
    }
    b.pkg = name!.text;
    return { kind: "package", raw, line: st.line, name: name!.text, ...extra({}) } satisfies PackageNode;
  }
  if (keyword === "config") {
    const [type, name] = args(st, keyword, 1, 2);
    if (!TYPE_RE.test(type!.text)) fail(st.line, `invalid section type "${type!.text}"`);
    b.inSection = true;
    if (name === undefined || name.text === "") {
      b.nSection++;
      return {
        kind: "config", raw, line: st.line, type: type!.text,
        name: anonymousName(b.nSection, type!.text), anonymous: true,
        ...extra({ typeEnd: type!.end - base }),
      } satisfies ConfigNode;
    }
    if (!NAME_RE.test(name.text)) {
      fail(st.line, `invalid section name "${name.text}"; use only letters, digits and _`);
    }
    if (!b.named.has(name.text)) {
      b.named.add(name.text);
      b.nSection++;
    }
    return {
      kind: "config", raw, line: st.line, type: type!.text, name: name.text,
      anonymous: false, ...extra({ typeEnd: type!.end - base, nameSpan: span(name) }),
    } satisfies ConfigNode;
  }
  if (!b.inSection) fail(st.line, `${keyword} "${st.tokens[1]?.text ?? ""}" appears before any config line`);
  const [key, value] = args(st, keyword, 1, 2);
  if (!NAME_RE.test(key!.text)) {
    fail(st.line, `invalid option name "${key!.text}"; use only letters, digits and _`);
  }
  const node: OptionNode = {
    kind: keyword, raw, line: st.line, key: key!.text, value: value?.text ?? "",
    ...extra({ keySpan: span(key!), ...(value ? { valueSpan: span(value) } : {}) }),
  };
  return node;
}

/**
 * Parse the text of a UCI file; throws `ParseError` with the 1-based line on bad input.
 * @example parseUci("config interface 'lan'\n\toption proto 'static'\n")
 */
export function parseUci(text: string): UciDoc {
  const sc = new Scanner(text);
  const b: Builder = { nodes: [], nSection: 0, named: new Set(), inSection: false, pkg: undefined };
  let group = 0;
  while (sc.pos < text.length) {
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
    for (const [i, st] of stmts.entries()) b.nodes.push(statementNode(b, st, i === 0 ? raw : "", start, group));
  }
  const firstEol = /\r?\n/.exec(text)?.[0];
  return {
    nodes: b.nodes,
    nSection: b.nSection,
    eol: firstEol === "\r\n" ? "\r\n" : "\n",
    ...(b.pkg !== undefined ? { package: b.pkg } : {}),
  };
}
