/**
 * The UCI document model: the lines of one `/etc/config/<package>` file, each keeping its
 * original text, plus the generic section view the rest of Punch reads.
 *
 * A document is a flat list of nodes. Every physical line (or group of lines, when a quoted
 * value or a backslash continuation spans lines) is one node whose `raw` text is written back
 * unchanged unless an edit touches it, so `writeUci(parseUci(text)) === text`.
 */

/** One option value: `option` gives a string, `list` gives an array (possibly of one). */
export type UciValue = string | string[];

/** Generic view of one section, the shape rpcd's `uci get` reply also maps to. */
export interface UciSection {
  type: string;
  /** Real name, or for anonymous sections the `cfgNNHHHH` name libuci gives it. */
  name: string;
  anonymous: boolean;
  options: Record<string, UciValue>;
}

/** A line with no statement: `blank` is only whitespace, otherwise a comment. */
export interface TriviaNode {
  readonly kind: "trivia";
  readonly raw: string;
  readonly line: number;
  readonly blank: boolean;
  readonly group?: number;
}

export interface PackageNode {
  readonly kind: "package";
  readonly raw: string;
  readonly line: number;
  readonly name: string;
  readonly group?: number;
}

export interface ConfigNode {
  readonly kind: "config";
  readonly raw: string;
  readonly line: number;
  readonly type: string;
  /** Given name, or the generated `cfgNNHHHH` one when `anonymous`. */
  readonly name: string;
  readonly anonymous: boolean;
  /** Offsets in `raw` of the type token's end and of the name token (when written). */
  readonly typeEnd?: number;
  readonly nameSpan?: readonly [number, number];
  readonly group?: number;
}

export interface OptionNode {
  readonly kind: "option" | "list";
  readonly raw: string;
  readonly line: number;
  readonly key: string;
  readonly value: string;
  /** Offsets in `raw` of the key token and of the value token, for in-place edits. */
  readonly keySpan?: readonly [number, number];
  readonly valueSpan?: readonly [number, number];
  readonly group?: number;
}

export type UciNode = TriviaNode | PackageNode | ConfigNode | OptionNode;

/**
 * A parsed UCI file. Treat it as immutable: `applyChanges` returns a new document.
 * `nSection` counts the sections libuci allocated, which numbers generated names.
 */
export interface UciDoc {
  readonly nodes: readonly UciNode[];
  readonly nSection: number;
  /** Line ending for new lines: the file's first one, `\n` for a file without any. */
  readonly eol: "\n" | "\r\n";
  readonly package?: string;
}

/** Option and section names: what libuci's `uci_validate_name` accepts. */
export const NAME_RE = /^[A-Za-z0-9_]+$/;

/** Section types: printable ASCII without spaces (libuci `uci_validate_type`). */
export const TYPE_RE = /^[\x21-\x7e]+$/;

/** djb2 as libuci's `djbhash`, over UTF-8 bytes, masked to 31 bits. */
function djbhash(hash: number, text: string): number {
  let h = hash;
  for (const b of new TextEncoder().encode(text)) h = (Math.imul(h, 33) + b) >>> 0;
  return h & 0x7fffffff;
}

/**
 * Name libuci gives an anonymous section: `cfg` + the section counter (2+ hex digits) + the
 * low 16 bits of djb2 over its type (4 hex digits), e.g. the third section of `network`, an
 * anonymous `device`, is `cfg030f15`. The counter counts every section created while the file
 * loads (named ones too), so names match `uci show` and rpcd for an unmodified file; sections
 * added later take the next counter value. Non-ASCII type bytes hash as unsigned (ARM's
 * libuci); on MIPS/x86 they would hash as signed, which no real type uses.
 */
export function anonymousName(counter: number, type: string): string {
  const hash = djbhash(5381, type) % 0x10000;
  return `cfg${counter.toString(16).padStart(2, "0")}${hash.toString(16).padStart(4, "0")}`;
}

/** Index ranges of the nodes that belong to each section header, in file order. */
export interface SectionRange {
  readonly header: number;
  /** One past the last option/list node (or the header when there is none). */
  readonly contentEnd: number;
  /** Start of the next header, or the end of the document. */
  readonly end: number;
}

/** Header index → range, for every `config` node. */
export function sectionRanges(nodes: readonly UciNode[]): SectionRange[] {
  const out: SectionRange[] = [];
  const headers: number[] = [];
  nodes.forEach((n, i) => {
    if (n.kind === "config") headers.push(i);
  });
  headers.forEach((h, k) => {
    const end = headers[k + 1] ?? nodes.length;
    let contentEnd = h + 1;
    for (let i = h + 1; i < end; i++) {
      const kind = nodes[i]!.kind;
      if (kind === "option" || kind === "list") contentEnd = i + 1;
    }
    out.push({ header: h, contentEnd, end });
  });
  return out;
}

/** Add one statement's effect to an option map, with libuci's rules. */
export function applyStatement(options: Map<string, UciValue>, node: OptionNode): void {
  const old = options.get(node.key);
  if (node.kind === "option") {
    // while loading a file libuci skips empty values (`uci set x=''` deletes, `option x ''` does not)
    if (node.value !== "") options.set(node.key, node.value);
  } else if (old === undefined) {
    options.set(node.key, [node.value]);
  } else {
    options.set(node.key, typeof old === "string" ? [old, node.value] : [...old, node.value]);
  }
}

/**
 * The sections of a document as uci sees them: sections named twice are merged into the
 * first, `option x ''` is skipped, `list` after `option` makes a list.
 */
export function sections(doc: UciDoc): UciSection[] {
  const byName = new Map<
    string,
    { type: string; anonymous: boolean; options: Map<string, UciValue> }
  >();
  let current: Map<string, UciValue> | null = null;
  for (const node of doc.nodes) {
    if (node.kind === "config") {
      const seen = byName.get(node.name);
      if (seen) {
        seen.type = node.type;
        current = seen.options;
      } else {
        current = new Map();
        byName.set(node.name, { type: node.type, anonymous: node.anonymous, options: current });
      }
    } else if ((node.kind === "option" || node.kind === "list") && current) {
      applyStatement(current, node);
    }
  }
  return [...byName].map(([name, s]) => ({
    type: s.type,
    name,
    anonymous: s.anonymous,
    options: Object.fromEntries(
      [...s.options].map(([k, v]) => [k, typeof v === "string" ? v : [...v]]),
    ),
  }));
}

/** The first section with this name, or `undefined`. */
export function findSection(list: readonly UciSection[], name: string): UciSection | undefined {
  return list.find((s) => s.name === name);
}

/** Sections of one type, in file order. */
export function sectionsOfType(list: readonly UciSection[], type: string): UciSection[] {
  return list.filter((s) => s.type === type);
}
