/**
 * The UCI tokenizer, a transcription of libuci's `file.c` reading rules into a cursor over the
 * whole text (no code copied): a logical line is a physical line plus any lines a quoted value
 * or a backslash-newline pulls in. Each statement is a keyword and a fixed number of argument
 * slots; after the slots one more read must find nothing, or a `;` that starts another
 * statement on the same line.
 */

import { ParseError } from "../lib/errors.ts";

/** One argument: its decoded text and where it sits in the input. */
export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export type Keyword = "package" | "config" | "option" | "list";

/** A statement: keyword, its argument slots (empty text when absent) and its first line. */
export interface Statement {
  readonly keyword: Keyword;
  readonly args: readonly Token[];
  readonly line: number;
}

const KEYWORDS: Readonly<Record<string, Keyword>> = {
  p: "package",
  package: "package",
  c: "config",
  config: "config",
  o: "option",
  option: "option",
  l: "list",
  list: "list",
};

/** Argument slots per keyword: `[required, total]`. */
const SLOTS: Readonly<Record<Keyword, readonly [number, number]>> = {
  package: [1, 1],
  config: [1, 2],
  option: [1, 2],
  list: [1, 2],
};

/** C `isspace` minus the newline, which ends a logical line. */
const isBlank = (c: string | undefined) =>
  c === " " || c === "\t" || c === "\r" || c === "\v" || c === "\f";

/** Throw the parse error every UCI message shares. */
export function uciFail(line: number, what: string): never {
  throw new ParseError(`Cannot parse UCI line ${line}: ${what}`, line);
}

/** Cursor over the text; `line` follows every newline consumed; `lineDone` ends a logical line. */
export class UciLexer {
  pos = 0;
  line = 1;
  private lineDone = false;

  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  private peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  /** A backslash before a line end joins the next line: skip both and return true. */
  private continuation(): boolean {
    const next = this.peek(1);
    const width = next === "\n" ? 2 : next === "\r" && this.peek(2) === "\n" ? 3 : 0;
    if (this.peek() !== "\\" || width === 0) return false;
    this.pos += width;
    this.line++;
    return true;
  }

  private newline(): void {
    this.pos++;
    this.line++;
    this.lineDone = true;
  }

  /** Skip blanks; a newline ends the logical line. */
  private skipSpace(): void {
    while (!this.lineDone) {
      const c = this.peek();
      if (isBlank(c)) this.pos++;
      else if (c === "\n") this.newline();
      else break;
    }
  }

  /** Drop the rest of the physical line (a comment) including its newline. */
  private dropRest(): void {
    while (!this.done && this.peek() !== "\n") this.pos++;
    if (!this.done) this.newline();
    else this.lineDone = true;
  }

  private quoted(q: "'" | '"'): string {
    const openLine = this.line;
    this.pos++;
    let text = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        const kind = q === "'" ? "single" : "double";
        uciFail(openLine, `the ${kind} quote opened here is never closed; add the closing ${q}`);
      }
      if (c === q) {
        this.pos++;
        return text;
      }
      if (q === '"' && c === "\\") {
        if (this.continuation()) continue;
        this.pos++;
        if (this.done) continue; // reported as unterminated on the next turn
      }
      const ch = this.text[this.pos++]!;
      if (ch === "\n") this.line++;
      text += ch;
    }
  }

  /** One word made of bare, quoted and escaped pieces (libuci `parse_str`); `;` is left. */
  private word(): Token {
    const start = this.pos;
    let text = "";
    do {
      const c = this.peek();
      if (c === undefined) break;
      if (c === "'" || c === '"') {
        text += this.quoted(c);
      } else if (c === "#") {
        const end = this.pos;
        this.dropRest();
        return { text, start, end };
      } else if (c === ";") {
        const end = this.pos;
        // libuci decodes in place: when nothing was unquoted or unescaped, the terminating
        // NUL lands on the `;` and the rest of the line is lost; otherwise `;` ends the statement
        if (text.length === end - start) this.dropRest();
        return { text, start, end };
      } else if (c === "\\") {
        if (this.continuation()) continue;
        this.pos++;
        if (!this.done) text += this.text[this.pos++];
      } else {
        text += c;
        this.pos++;
      }
    } while (!this.done && !isBlank(this.peek()) && this.peek() !== "\n");
    const end = this.pos;
    // like libuci, one whitespace character after a word is consumed with it
    if (this.peek() === "\n") this.newline();
    else if (!this.done) this.pos++;
    return { text, start, end };
  }

  /** The next argument slot: a word, or empty text at a `;` (consumed) or the line end. */
  private arg(): Token {
    this.skipSpace();
    const empty = { text: "", start: this.pos, end: this.pos };
    if (this.lineDone || this.done) return empty;
    if (this.peek() === ";") {
      this.pos++;
      return empty;
    }
    return this.word();
  }

  /** Read one logical line; returns its statements (none for blank and comment lines). */
  logicalLine(): Statement[] {
    this.lineDone = false;
    const out: Statement[] = [];
    this.skipSpace();
    let first = true;
    while (!this.lineDone && !this.done) {
      if (!first) { while (this.peek() === " " || this.peek() === "\t") this.pos++; }
      if (this.done) break;
      const line = this.line;
      const wordStart = this.pos;
      while (!this.done && !/[ \t\n]/.test(this.peek()!)) this.pos++;
      const word = this.text.slice(wordStart, this.pos);
      if (word.startsWith("#")) {
        this.dropRest();
        break;
      }
      if (word.trim() === "") {
        uciFail(line, `a line must not end with ";"; remove it or add a statement after it`);
      }
      const keyword = Object.hasOwn(KEYWORDS, word) ? KEYWORDS[word] : undefined;
      if (keyword === undefined) {
        uciFail(line, `unknown statement "${word}"; expected package, config, option or list`);
      }
      if (this.peek() === " " || this.peek() === "\t") this.pos++;
      const [required, total] = SLOTS[keyword];
      const args: Token[] = [];
      for (let i = 0; i < total; i++) args.push(this.arg());
      if (args.slice(0, required).some((t) => t.text === "")) uciFail(line, missing(keyword));
      const extra = this.arg().text;
      if (extra !== "") {
        uciFail(
          line,
          `too many arguments after "${keyword}" (unexpected "${extra}"); quote values that contain spaces`,
        );
      }
      out.push({ keyword, args, line });
      first = false;
      // after a `;` (or an empty quoted word) libuci goes on reading statements on this line
    }
    if (!this.lineDone) this.dropRest();
    return out;
  }
}

function missing(keyword: Keyword): string {
  const what = keyword === "config"
    ? "a section type"
    : keyword === "package"
    ? "a package name"
    : "an option name";
  return `"${keyword}" needs ${what}`;
}
