// Config files plus libuci-style delta directories: `/tmp/.uci` (no session) and rpcd's
// `/var/run/rpcd/uci-<sid>/` (rpcd@4476687:uci.c rpc_uci_set_savedir), kept in memory.
// Loading a config = the file with that savedir's deltas replayed (libuci uci_load), which
// is what makes changes per-session until commit. UCI text goes through src/uci.
import { UsageError } from "../../../src/lib/errors.ts";
import { applyChanges } from "../../../src/uci/uci_changes.ts";
import { sections, type UciDoc } from "../../../src/uci/uci_doc.ts";
import { parseUci } from "../../../src/uci/uci_parse.ts";
import { renderConfig, renderOption } from "../../../src/uci/uci_write.ts";

/** Where config text lives: a real directory in the double, a Map in unit tests. */
export interface ConfigFiles {
  list(): string[];
  read(name: string): string | null;
  write(name: string, text: string): void;
}

/** One libuci delta, as `uci changes` lists it (rpc_uci_dump_change). */
export interface Delta {
  cmd: "set" | "add" | "remove" | "list-add" | "rename";
  section: string;
  option?: string;
  value?: string;
}

/** The key of the delta dir used without a session. */
export const NO_SESSION = "";

function applyDelta(doc: UciDoc, d: Delta): UciDoc {
  try {
    const list = sections(doc);
    const sec = list.find((s) => s.name === d.section);
    switch (d.cmd) {
      case "set":
        if (d.option === undefined) {
          return sec ? doc : applyChanges(doc, [{ op: "add", type: d.value!, name: d.section }]);
        }
        return applyChanges(doc, [{
          op: "set",
          section: d.section,
          option: d.option,
          value: d.value ?? "",
        }]);
      case "add":
        return sec ? doc : applyChanges(doc, [{ op: "add", type: d.value! }]);
      case "remove":
        return applyChanges(doc, [
          d.option === undefined
            ? { op: "delete", section: d.section }
            : { op: "delete", section: d.section, option: d.option },
        ]);
      case "list-add": {
        const old = sec?.options[d.option!];
        const next = old === undefined
          ? [d.value!]
          : typeof old === "string"
          ? [old, d.value!]
          : [...old, d.value!];
        return applyChanges(doc, [{
          op: "set",
          section: d.section,
          option: d.option!,
          value: next,
        }]);
      }
      case "rename":
        return applyChanges(doc, [
          d.option === undefined
            ? { op: "rename", section: d.section, name: d.value! }
            : { op: "rename", section: d.section, option: d.option, name: d.value! },
        ]);
    }
  } catch (e) {
    if (e instanceof UsageError) return doc; // libuci skips deltas that no longer apply
    throw e;
  }
}

/**
 * libuci's `uci_export_package` (uci@66127cd:file.c:610), which `uci commit` writes: every
 * section starts with a blank line (so the file does too), anonymous sections have no name,
 * and the file ends with one more newline. Comments and the original layout are gone.
 */
export function exportUci(doc: UciDoc): string {
  let out = "";
  for (const s of sections(doc)) {
    out += `\n${s.anonymous ? `config ${s.type}` : renderConfig(s.type, s.name)}\n`;
    for (const [k, v] of Object.entries(s.options)) {
      if (typeof v === "string") out += `${renderOption("option", k, v)}\n`;
      else for (const x of v) out += `${renderOption("list", k, x)}\n`;
    }
  }
  return `${out}\n`;
}

/** libuci's uci_set on load: an option set to '' is dropped (so `option password ''` is gone). */
function dropEmptyOptions(doc: UciDoc): UciDoc {
  let out = doc;
  for (const s of sections(doc)) {
    for (const [k, v] of Object.entries(s.options)) {
      if (v === "") out = applyChanges(out, [{ op: "delete", section: s.name, option: k }]);
    }
  }
  return out;
}

/**
 * uci_file_load (uci@66127cd:file.c:909) on a package name: a name starting with `.` but not
 * `./` is NOT_FOUND; libuci reads `./x` and `/x` outside the config dir, the double answers
 * NOT_FOUND for those and for any `/` instead; an empty name or one with a byte outside 33-126
 * fails uci_validate_package (INVALID_ARGUMENT). null: a name to look up.
 */
export function packageNameStatus(name: string): "NOT_FOUND" | "INVALID_ARGUMENT" | null {
  if (name.startsWith(".") || name.includes("/")) return "NOT_FOUND";
  if (!/^[\x21-\x7e]+$/.test(name)) return "INVALID_ARGUMENT";
  return null;
}

export class UciStore {
  private readonly savedirs = new Map<string, Map<string, Delta[]>>();

  constructor(readonly files: ConfigFiles) {}

  /** Deltas of one config in one savedir (a copy). */
  deltas(savedir: string, config: string): Delta[] {
    return [...(this.savedirs.get(savedir)?.get(config) ?? [])];
  }

  /** Configs with non-empty deltas in a savedir. */
  changed(savedir: string): string[] {
    return [...(this.savedirs.get(savedir) ?? new Map<string, Delta[]>())].filter(([, d]) =>
      d.length
    ).map(([c]) => c).sort();
  }

  setDeltas(savedir: string, config: string, deltas: Delta[]): void {
    const dir = this.savedirs.get(savedir) ?? new Map<string, Delta[]>();
    if (deltas.length) dir.set(config, [...deltas]);
    else dir.delete(config);
    this.savedirs.set(savedir, dir);
  }

  /** uci_load: the file plus this savedir's deltas; null when the file does not exist. */
  load(config: string, savedir: string | null): UciDoc | null {
    const text = this.files.read(config);
    if (text === null) return null;
    let doc = dropEmptyOptions(parseUci(text));
    if (savedir !== null) {
      for (const d of this.deltas(savedir, config)) {
        doc = applyDelta(doc, d);
      }
    }
    return doc;
  }

  /** Replay deltas onto a loaded document (for the uncommitted result of an operation). */
  replay(doc: UciDoc, deltas: readonly Delta[]): UciDoc {
    let out = doc;
    for (const d of deltas) out = applyDelta(out, d);
    return out;
  }

  /** uci_commit: write file + deltas, then drop the deltas. */
  commit(config: string, savedir: string | null): boolean {
    const doc = this.load(config, savedir);
    if (!doc) return false;
    this.files.write(config, exportUci(doc));
    if (savedir !== null) this.setDeltas(savedir, config, []);
    return true;
  }

  /** Drop a whole savedir (session destroyed). */
  purge(savedir: string): void {
    this.savedirs.delete(savedir);
  }
}
