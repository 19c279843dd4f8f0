/**
 * Change lists over a `UciDoc`. The four operations are the ones rpcd's `uci` object offers
 * (`set`, `delete`, `add`, `rename`), so one list can either edit a file here or be sent to a
 * router's rpcd. Edits touch only the lines they change; everything else keeps its bytes.
 */

import { UsageError } from "../lib/errors.ts";
import {
  anonymousName,
  type ConfigNode,
  NAME_RE,
  type OptionNode,
  type SectionRange,
  sectionRanges,
  type UciDoc,
  type UciNode,
  type UciValue,
} from "./uci_doc.ts";
import { indentOf, lineEnding, quoteUci, renderConfig, renderOption } from "./uci_write.ts";

/**
 * One edit. `set` with `""` or `[]` deletes the option (as `uci set` does); a string value
 * writes an `option` line, an array writes `list` lines. `delete` without `option` removes the
 * whole section. `add` appends a section (anonymous without `name`). `rename` renames a
 * section, or with `option` an option.
 */
export type UciChange =
  | { op: "set"; section: string; option: string; value: UciValue }
  | { op: "delete"; section: string; option?: string }
  | { op: "add"; type: string; name?: string; values?: Record<string, UciValue> }
  | { op: "rename"; section: string; option?: string; name: string };

/** Types we write for new sections: a safe subset of what libuci reads. */
const NEW_TYPE_RE = /^[A-Za-z0-9_-]+$/;

function newOption(
  kind: "option" | "list",
  key: string,
  value: string,
  indent: string,
  eol: string,
): OptionNode {
  const body = renderOption(kind, key, value, indent);
  const keyStart = indent.length + kind.length + 1;
  const valueStart = keyStart + key.length + 1;
  return {
    kind,
    raw: body + eol,
    line: 0,
    key,
    value,
    keySpan: [keyStart, keyStart + key.length],
    valueSpan: [valueStart, body.length],
  };
}

function newConfig(type: string, name: string, anonymous: boolean, eol: string): ConfigNode {
  const body = renderConfig(type, anonymous ? undefined : name);
  const typeEnd = "config ".length + type.length;
  return {
    kind: "config",
    raw: body + eol,
    line: 0,
    type,
    name,
    anonymous,
    typeEnd,
    ...(anonymous ? {} : { nameSpan: [typeEnd + 1, body.length] as const }),
  };
}

/** The node re-rendered in commit style, keeping its indentation and line ending. */
function rerender(node: UciNode, ending: string): UciNode {
  const { group: _group, ...plain } = node;
  switch (node.kind) {
    case "trivia":
      return plain as UciNode;
    case "package":
      return {
        kind: "package",
        raw: `package ${node.name}${ending}`,
        line: node.line,
        name: node.name,
      };
    case "config":
      return { ...newConfig(node.type, node.name, node.anonymous, ending), line: node.line };
    default: {
      const indent = node.raw === "" ? "\t" : indentOf(node.raw);
      return { ...newOption(node.kind, node.key, node.value, indent, ending), line: node.line };
    }
  }
}

class Editor {
  readonly nodes: UciNode[];
  nSection: number;
  readonly eol: string;

  constructor(doc: UciDoc) {
    this.nodes = [...doc.nodes];
    this.nSection = doc.nSection;
    this.eol = doc.eol;
  }

  /** Re-render the lines holding several statements among nodes lo..hi, so they can be split. */
  private explode(lo: number, hi: number): void {
    const groups = new Set<number>();
    for (let i = Math.max(0, lo); i <= Math.min(this.nodes.length - 1, hi); i++) {
      const g = this.nodes[i]!.group;
      if (g !== undefined) groups.add(g);
    }
    for (const g of groups) {
      const idx = this.nodes.flatMap((n, i) => (n.group === g ? [i] : []));
      const ending = lineEnding(this.nodes[idx[0]!]!.raw);
      idx.forEach((i, k) => {
        this.nodes[i] = rerender(this.nodes[i]!, k === idx.length - 1 ? ending : this.eol);
      });
    }
  }

  /** Before inserting at `at`: split the line if `at` falls between two of its statements. */
  private explodeAt(at: number): void {
    const g = this.nodes[at - 1]?.group;
    if (g !== undefined && this.nodes[at]?.group === g) this.explode(at - 1, at - 1);
  }

  private ranges(section: string, action: string): SectionRange[] {
    const found = sectionRanges(this.nodes).filter((r) =>
      (this.nodes[r.header] as ConfigNode).name === section
    );
    if (found.length === 0) {
      throw new UsageError(
        `Cannot ${action}: there is no section "${section}"; check the name with "uci show"`,
      );
    }
    return found;
  }

  /** Indices of the option/list lines for `key` in a section, in file order. */
  private matches(ranges: SectionRange[], key: string): number[] {
    const out: number[] = [];
    for (const r of ranges) {
      for (let i = r.header + 1; i < r.end; i++) {
        const n = this.nodes[i]!;
        if ((n.kind === "option" || n.kind === "list") && n.key === key) out.push(i);
      }
    }
    return out;
  }

  /** Replace an option/list line's value (and kind), keeping the rest of the line. */
  private setLine(i: number, kind: "option" | "list", value: string): void {
    const n = this.nodes[i] as OptionNode;
    if (n.kind === kind && n.value === value) return;
    if (n.kind === kind && n.valueSpan && n.group === undefined) {
      const [s, e] = n.valueSpan;
      const q = quoteUci(value);
      this.nodes[i] = {
        ...n,
        raw: n.raw.slice(0, s) + q + n.raw.slice(e),
        value,
        valueSpan: [s, s + q.length],
      };
      return;
    }
    const indent = n.raw === "" ? "\t" : indentOf(n.raw);
    this.nodes[i] = {
      ...newOption(kind, n.key, value, indent, lineEnding(n.raw) || this.eol),
      line: n.line,
    };
  }

  private insertOptions(
    at: number,
    kind: "option" | "list",
    key: string,
    values: string[],
    indent: string,
  ): void {
    this.explodeAt(at);
    this.nodes.splice(at, 0, ...values.map((v) => newOption(kind, key, v, indent, this.eol)));
  }

  /** Where a new option of the first range goes, and the indentation its neighbours use. */
  private appendPoint(r: SectionRange): { at: number; indent: string } {
    const last = this.nodes[r.contentEnd - 1]!;
    const indent = last.kind === "config" || last.raw === "" ? "\t" : indentOf(last.raw);
    return { at: r.contentEnd, indent: indent === "" ? "\t" : indent };
  }

  private removeAll(indices: number[]): void {
    for (const i of [...indices].sort((a, b) => b - a)) this.nodes.splice(i, 1);
  }

  set(section: string, key: string, value: UciValue): void {
    const action = `set "${section}.${key}"`;
    if (!NAME_RE.test(key)) {
      throw new UsageError(`Cannot ${action}: option names use only letters, digits and _`);
    }
    const ranges = this.ranges(section, action);
    if (value === "" || (Array.isArray(value) && value.length === 0)) {
      return this.deleteOption(section, key);
    }
    const found = this.matches(ranges, key);
    for (const i of found) this.explode(i, i);
    if (typeof value === "string") {
      if (found.length === 0) {
        const { at, indent } = this.appendPoint(ranges[0]!);
        return this.insertOptions(at, "option", key, [value], indent);
      }
      this.setLine(found[0]!, "option", value);
      return this.removeAll(found.slice(1));
    }
    if (found.length === 0) {
      const { at, indent } = this.appendPoint(ranges[0]!);
      return this.insertOptions(at, "list", key, value, indent);
    }
    const allLists = found.every((i) => this.nodes[i]!.kind === "list");
    if (!allLists) {
      const first = found[0]!;
      const indent = indentOf(this.nodes[first]!.raw) || "\t";
      this.removeAll(found);
      return this.insertOptions(first, "list", key, value, indent);
    }
    value.slice(0, found.length).forEach((v, k) => this.setLine(found[k]!, "list", v));
    if (value.length < found.length) return this.removeAll(found.slice(value.length));
    const last = found.at(-1)!;
    this.insertOptions(
      last + 1,
      "list",
      key,
      value.slice(found.length),
      indentOf(this.nodes[last]!.raw) || "\t",
    );
  }

  deleteOption(section: string, key: string): void {
    const found = this.matches(this.ranges(section, `delete "${section}.${key}"`), key);
    for (const i of found) this.explode(i, i);
    this.removeAll(found);
  }

  /** Remove each header with its options and the comments and blank lines just above it. */
  deleteSection(section: string): void {
    const ranges = this.ranges(section, `delete section "${section}"`);
    for (const r of [...ranges].reverse()) {
      let i = r.header - 1;
      while (
        i >= 0 && this.nodes[i]!.kind === "trivia" && !(this.nodes[i] as { blank: boolean }).blank
      ) i--;
      while (
        i >= 0 && this.nodes[i]!.kind === "trivia" && (this.nodes[i] as { blank: boolean }).blank
      ) i--;
      this.explode(i + 1, r.contentEnd - 1);
      this.nodes.splice(i + 1, r.contentEnd - (i + 1));
    }
  }

  add(type: string, name: string | undefined, values: Record<string, UciValue>): void {
    const action = `add a "${type}" section`;
    if (!NEW_TYPE_RE.test(type)) {
      throw new UsageError(`Cannot ${action}: a type uses only letters, digits, _ and -`);
    }
    if (name !== undefined) {
      if (!NAME_RE.test(name)) {
        throw new UsageError(`Cannot ${action} named "${name}": use only letters, digits and _`);
      }
      if (this.nodes.some((n) => n.kind === "config" && n.name === name)) {
        throw new UsageError(
          `Cannot ${action} named "${name}": that section exists; set its options instead`,
        );
      }
    }
    for (const key of Object.keys(values)) {
      if (!NAME_RE.test(key)) {
        throw new UsageError(
          `Cannot ${action}: option "${key}" must use only letters, digits and _`,
        );
      }
    }
    this.nSection++;
    const header = newConfig(
      type,
      name ?? anonymousName(this.nSection, type),
      name === undefined,
      this.eol,
    );
    const lines: UciNode[] = [header];
    for (const [key, v] of Object.entries(values)) {
      if (typeof v === "string") {
        if (v !== "") lines.push(newOption("option", key, v, "\t", this.eol));
      } else {
        for (const item of v) lines.push(newOption("list", key, item, "\t", this.eol));
      }
    }
    const blank: UciNode = { kind: "trivia", raw: this.eol, line: 0, blank: true };
    const all = sectionRanges(this.nodes);
    const at = all.at(-1)?.contentEnd ?? this.nodes.length;
    const before = this.nodes[at - 1];
    const empty = this.nodes.length === 0;
    if (before === undefined || !(before.kind === "trivia" && before.blank)) lines.unshift(blank);
    if (empty) lines.push(blank);
    this.nodes.splice(at, 0, ...lines);
  }

  rename(section: string, option: string | undefined, name: string): void {
    const what = option === undefined ? `section "${section}"` : `option "${section}.${option}"`;
    const action = `rename ${what} to "${name}"`;
    if (!NAME_RE.test(name)) {
      throw new UsageError(`Cannot ${action}: use only letters, digits and _`);
    }
    const ranges = this.ranges(section, action);
    if (option !== undefined) return this.renameOption(section, option, name, action);
    if (name === section) return;
    if (this.nodes.some((n) => n.kind === "config" && n.name === name)) {
      throw new UsageError(`Cannot ${action}: a section with that name exists; pick another name`);
    }
    for (const r of ranges) {
      this.explode(r.header, r.header);
      const n = this.nodes[r.header] as ConfigNode;
      const q = quoteUci(name);
      let raw: string;
      let nameSpan: readonly [number, number] | undefined;
      if (n.nameSpan) {
        raw = n.raw.slice(0, n.nameSpan[0]) + q + n.raw.slice(n.nameSpan[1]);
        nameSpan = [n.nameSpan[0], n.nameSpan[0] + q.length];
      } else if (n.typeEnd !== undefined) {
        raw = `${n.raw.slice(0, n.typeEnd)} ${q}${n.raw.slice(n.typeEnd)}`;
        nameSpan = [n.typeEnd + 1, n.typeEnd + 1 + q.length];
      } else {
        raw = renderConfig(n.type, name) + lineEnding(n.raw);
      }
      this.nodes[r.header] = {
        ...n,
        raw,
        name,
        anonymous: false,
        ...(nameSpan ? { nameSpan } : {}),
      };
    }
  }

  private renameOption(section: string, option: string, name: string, action: string): void {
    const ranges = this.ranges(section, action);
    if (option === name) return;
    if (this.matches(ranges, name).length > 0) {
      throw new UsageError(`Cannot ${action}: the section already has "${name}"; delete it first`);
    }
    const found = this.matches(ranges, option);
    if (found.length === 0) {
      throw new UsageError(`Cannot ${action}: the section has no such option`);
    }
    for (const i of found) {
      this.explode(i, i);
      const n = this.nodes[i] as OptionNode;
      if (n.keySpan) {
        const [s, e] = n.keySpan;
        const delta = name.length - (e - s);
        const valueSpan = n.valueSpan
          ? [n.valueSpan[0] + delta, n.valueSpan[1] + delta] as const
          : undefined;
        this.nodes[i] = {
          ...n,
          key: name,
          raw: n.raw.slice(0, s) + name + n.raw.slice(e),
          keySpan: [s, s + name.length],
          ...(valueSpan ? { valueSpan } : {}),
        };
      } else {
        this.nodes[i] = rerender({ ...n, key: name }, lineEnding(n.raw) || this.eol);
      }
    }
  }
}

/**
 * Apply changes in order and return a new document; the input is not modified, and if a
 * change fails (`UsageError`: unknown section, bad name, name taken) none is applied.
 * @example applyChanges(doc, [{ op: "set", section: "lan", option: "ipaddr", value: "10.0.0.1" }])
 */
export function applyChanges(doc: UciDoc, changes: readonly UciChange[]): UciDoc {
  const ed = new Editor(doc);
  for (const c of changes) {
    switch (c.op) {
      case "set":
        ed.set(c.section, c.option, c.value);
        break;
      case "delete":
        if (c.option === undefined) ed.deleteSection(c.section);
        else ed.deleteOption(c.section, c.option);
        break;
      case "add":
        ed.add(c.type, c.name, c.values ?? {});
        break;
      case "rename":
        ed.rename(c.section, c.option, c.name);
        break;
    }
  }
  return { ...doc, nodes: ed.nodes, nSection: ed.nSection };
}
