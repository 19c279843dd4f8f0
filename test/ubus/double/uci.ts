// rpcd's `uci` object, from rpcd@4476687:uci.c: policies (lines 46-185), name checks
// (rpc_uci_verify_*), get/set/add/delete/rename/changes/revert/commit/configs/apply/
// confirm/rollback/reload_config/state, per-session savedirs, session ACLs (scope "uci",
// function "read"/"write"), and apply's snapshot + rollback timer (uci.c:1443-1712).
import { blobmsg, type BlobmsgField, type BlobmsgValue } from "../../../src/ubus/blobmsg.ts";
import { BlobmsgType as T, Status } from "../../../src/ubus/constants.ts";
import { applyChanges } from "../../../src/uci/uci_changes.ts";
import { sections, type UciDoc, type UciSection } from "../../../src/uci/uci_doc.ts";
import type { CallCtx, MethodDef } from "./broker.ts";
import { children, formatBlob, type Parsed, type Policy, str } from "./policy.ts";
import type { Sessions } from "./session.ts";
import { UciApply, type UciHooks } from "./uci_apply.ts";
import { type Delta, NO_SESSION, packageNameStatus, type UciStore } from "./uci_store.ts";

const NAME_RE = /^[A-Za-z0-9_]+$/;
const TYPE_RE = /^[A-Za-z0-9_-]+$/;
const EXT_RE = /^@([A-Za-z0-9_-]+)\[\s*([+-]?\d+)\]$/;
const verifySection = (s: string) => NAME_RE.test(s) || EXT_RE.test(s);

const SID = { ubus_rpc_session: T.STRING };
const POLICY: Record<string, Policy> = {
  get: {
    config: T.STRING,
    section: T.STRING,
    option: T.STRING,
    type: T.STRING,
    match: T.TABLE,
    ...SID,
  },
  add: { config: T.STRING, type: T.STRING, name: T.STRING, values: T.TABLE, ...SID },
  set: {
    config: T.STRING,
    section: T.STRING,
    type: T.STRING,
    match: T.TABLE,
    values: T.TABLE,
    ...SID,
  },
  delete: {
    config: T.STRING,
    section: T.STRING,
    type: T.STRING,
    match: T.TABLE,
    option: T.STRING,
    options: T.ARRAY,
    ...SID,
  },
  rename: { config: T.STRING, section: T.STRING, option: T.STRING, name: T.STRING, ...SID },
  config: { config: T.STRING, ...SID },
  apply: { rollback: T.INT8, timeout: T.INT32, ...SID },
  rollback: { ...SID },
};

type Sec = UciSection & { index: number };

export class UciObject {
  private readonly applyState: UciApply;

  constructor(
    private readonly store: UciStore,
    private readonly sessions: Sessions,
    private readonly hooks: UciHooks,
  ) {
    sessions.onDestroy = (sid) => store.purge(sid); // rpc_uci_purge_savedir_cb
    this.applyState = new UciApply(store, sessions, hooks);
  }

  /** Whether an apply with rollback is waiting for confirm: its session id. */
  get pendingApply(): string | null {
    return this.applyState.pending;
  }

  private access(a: Parsed, config: string, fn: "read" | "write"): boolean {
    const sid = str(a, "ubus_rpc_session");
    return sid === undefined || this.sessions.access(sid, "uci", config, fn);
  }

  private savedir(a: Parsed): string {
    return str(a, "ubus_rpc_session") ?? NO_SESSION;
  }

  /** uci_load; a status when it fails. */
  private load(config: string, savedir: string | null): UciDoc | number {
    const bad = packageNameStatus(config);
    if (bad) return Status[bad];
    return this.store.load(config, savedir) ?? Status.NOT_FOUND;
  }

  private find(doc: UciDoc, name: string): Sec | undefined {
    const list = sections(doc).map((s, index) => ({ ...s, index }));
    const ext = EXT_RE.exec(name);
    if (!ext) return list.find((s) => s.name === name);
    const ofType = list.filter((s) => s.type === ext[1]);
    const i = Number(ext[2]);
    return ofType[i < 0 ? ofType.length + i : i];
  }

  private matches(
    s: UciSection,
    type: string | undefined,
    match: BlobmsgField[] | undefined,
  ): boolean {
    if (type !== undefined && s.type !== type) return false;
    if (!match) return true;
    let empty = true;
    let hit = false;
    for (const m of match) {
      const cmp = formatBlob(m);
      if (cmp === null) continue;
      const v = s.options[m.name];
      if (v !== undefined) {
        const ok = typeof v === "string" ? v.split(/[ \t]+/).includes(cmp) : v.includes(cmp);
        if (!ok) return false;
        hit = true;
      }
      empty = false;
    }
    return empty || hit;
  }

  private dumpSection(s: UciSection, index?: number): Record<string, BlobmsgValue> {
    const out: Record<string, BlobmsgValue> = {
      ".anonymous": s.anonymous,
      ".type": s.type,
      ".name": s.name,
    };
    if (index !== undefined) out[".index"] = blobmsg.int32(index);
    for (const [k, v] of Object.entries(s.options)) out[k] = v;
    return out;
  }

  private get(a: Parsed, ctx: CallCtx, state: boolean): number {
    const config = str(a, "config");
    if (config === undefined) return Status.INVALID_ARGUMENT;
    if (!this.access(a, config, "read")) return Status.PERMISSION_DENIED;
    const doc = this.load(config, state ? null : this.savedir(a));
    if (typeof doc === "number") return doc;
    const section = str(a, "section");
    if (section === undefined) {
      const values: Record<string, BlobmsgValue> = {};
      sections(doc).forEach((s, i) => {
        if (this.matches(s, str(a, "type"), children(a, "match"))) {
          values[s.name] = this.dumpSection(s, i);
        }
      });
      ctx.reply({ values });
      return Status.OK;
    }
    // uci.c:625 + libuci list.c:387: a missing section or option is an incomplete lookup,
    // not an error, so rpcd answers OK with no data at all
    const s = this.find(doc, section);
    if (!s) return Status.OK;
    const option = str(a, "option");
    if (option === undefined) {
      ctx.reply({ values: this.dumpSection(s) });
      return Status.OK;
    }
    const v = s.options[option];
    if (v === undefined) return Status.OK;
    ctx.reply({ value: v });
    return Status.OK;
  }

  /** rpc_uci_merge_set on one section; appends deltas, returns a status. */
  private mergeSet(doc: UciDoc, s: Sec, opt: BlobmsgField, out: Delta[]): number {
    if (!NAME_RE.test(opt.name)) return Status.INVALID_ARGUMENT;
    const cur = this.store.replay(doc, out);
    const sec = this.find(cur, s.name);
    if (!sec) return Status.NOT_FOUND;
    const old = sec.options[opt.name];
    if (opt.type === T.ARRAY) {
      if (old !== undefined) out.push({ cmd: "remove", section: s.name, option: opt.name });
      let rv: number = Status.INVALID_ARGUMENT;
      for (const e of opt.value as BlobmsgField[]) {
        const v = formatBlob(e);
        if (v === null) continue;
        out.push({ cmd: "list-add", section: s.name, option: opt.name, value: v });
        rv = Status.OK;
      }
      return rv;
    }
    const v = formatBlob(opt);
    if (Array.isArray(old)) {
      out.push({ cmd: "remove", section: s.name, option: opt.name });
      if (v === null) return Status.INVALID_ARGUMENT;
      if (v !== "") out.push({ cmd: "set", section: s.name, option: opt.name, value: v });
      return Status.OK;
    }
    if (v === null) return Status.INVALID_ARGUMENT;
    // libuci list.c:700 uci_set: an empty value deletes (and is a no-op when absent)
    if (v === "") {
      if (old !== undefined) out.push({ cmd: "remove", section: s.name, option: opt.name });
    } else if (old !== v) out.push({ cmd: "set", section: s.name, option: opt.name, value: v });
    return Status.OK;
  }

  private save(a: Parsed, config: string, deltas: Delta[]): void {
    const dir = this.savedir(a);
    this.store.setDeltas(dir, config, [...this.store.deltas(dir, config), ...deltas]);
  }

  private set(a: Parsed): number {
    const config = str(a, "config");
    const values = children(a, "values");
    const section = str(a, "section");
    if (config === undefined || !values || (section === undefined && !a["type"] && !a["match"])) {
      return Status.INVALID_ARGUMENT;
    }
    if (!this.access(a, config, "write")) return Status.PERMISSION_DENIED;
    if (section !== undefined && !verifySection(section)) return Status.INVALID_ARGUMENT;
    const doc = this.load(config, this.savedir(a));
    if (typeof doc === "number") return doc;
    const targets = section !== undefined
      ? [this.find(doc, section)]
      : sections(doc).map((s, index) => ({ ...s, index })).filter((s) =>
        this.matches(s, str(a, "type"), children(a, "match"))
      );
    let err: number = Status.OK;
    let touched = false;
    const out: Delta[] = [];
    for (const s of targets) {
      for (const v of values) {
        if (!s) {
          err = NAME_RE.test(v.name) ? Status.NOT_FOUND : Status.INVALID_ARGUMENT;
          continue;
        }
        const rv = this.mergeSet(doc, s, v, out);
        if (rv === Status.OK || rv === Status.INVALID_ARGUMENT) touched ||= NAME_RE.test(v.name);
        if (rv) err = rv;
      }
    }
    if (!err && !touched) err = Status.NOT_FOUND;
    if (!err) this.save(a, config, out);
    return err;
  }

  private add(a: Parsed, ctx: CallCtx): number {
    const config = str(a, "config");
    const type = str(a, "type");
    const name = str(a, "name");
    if (config === undefined || type === undefined) return Status.INVALID_ARGUMENT;
    if (!this.access(a, config, "write")) return Status.PERMISSION_DENIED;
    if (!TYPE_RE.test(type)) return Status.INVALID_ARGUMENT;
    if (name !== undefined && !NAME_RE.test(name)) return Status.INVALID_ARGUMENT;
    const doc = this.load(config, this.savedir(a));
    if (typeof doc === "number") return doc;
    let section: string;
    const out: Delta[] = [];
    if (name !== undefined) {
      section = name;
      out.push({ cmd: "set", section, value: type });
    } else {
      const list = sections(applyChanges(doc, [{ op: "add", type }]));
      section = list[list.length - 1]!.name;
      out.push({ cmd: "add", section, value: type });
    }
    let err: number = Status.OK;
    for (const v of children(a, "values") ?? []) {
      if (!NAME_RE.test(v.name)) {
        err ||= Status.INVALID_ARGUMENT;
        continue;
      }
      if (v.type === T.ARRAY) {
        for (const e of v.value as BlobmsgField[]) {
          const s = formatBlob(e);
          if (s === null) err ||= Status.INVALID_ARGUMENT;
          else out.push({ cmd: "list-add", section, option: v.name, value: s });
        }
      } else {
        const s = formatBlob(v);
        if (s === null) err ||= Status.INVALID_ARGUMENT;
        else if (s !== "") out.push({ cmd: "set", section, option: v.name, value: s });
      }
    }
    if (err) return err;
    this.save(a, config, out);
    ctx.reply({ section });
    return Status.OK;
  }

  private mergeDelete(
    doc: UciDoc,
    name: string,
    opt: BlobmsgField | undefined,
    out: Delta[],
  ): number {
    const s = this.find(this.store.replay(doc, out), name);
    if (!s) return Status.NOT_FOUND;
    if (!opt) {
      out.push({ cmd: "remove", section: s.name });
      return Status.OK;
    }
    if (opt.type === T.ARRAY) {
      let rv: number = Status.NOT_FOUND;
      for (const e of opt.value as BlobmsgField[]) {
        if (e.type !== T.STRING || s.options[e.value as string] === undefined) continue;
        out.push({ cmd: "remove", section: s.name, option: e.value as string });
        rv = Status.OK;
      }
      return rv;
    }
    if (opt.type === T.STRING) {
      if (s.options[opt.value as string] === undefined) return Status.NOT_FOUND;
      out.push({ cmd: "remove", section: s.name, option: opt.value as string });
      return Status.OK;
    }
    return Status.INVALID_ARGUMENT;
  }

  private delete(a: Parsed): number {
    const config = str(a, "config");
    const section = str(a, "section");
    const type = str(a, "type");
    if (config === undefined || (section === undefined && type === undefined && !a["match"])) {
      return Status.INVALID_ARGUMENT;
    }
    if (!this.access(a, config, "write")) return Status.PERMISSION_DENIED;
    if (type !== undefined && !TYPE_RE.test(type)) return Status.INVALID_ARGUMENT;
    if (section !== undefined && !verifySection(section)) return Status.INVALID_ARGUMENT;
    const doc = this.load(config, this.savedir(a));
    if (typeof doc === "number") return doc;
    const opt = a["options"] ?? a["option"];
    const out: Delta[] = [];
    let err: number = Status.OK;
    if (section !== undefined) err = this.mergeDelete(doc, section, opt, out);
    else {
      const hits = sections(doc).filter((s) => this.matches(s, type, children(a, "match")));
      for (const s of hits) err = this.mergeDelete(doc, s.name, opt, out);
      if (!err && hits.length === 0) err = Status.NOT_FOUND;
    }
    if (!err) this.save(a, config, out);
    return err;
  }

  private rename(a: Parsed): number {
    const config = str(a, "config");
    const section = str(a, "section");
    const name = str(a, "name");
    const option = str(a, "option");
    if (config === undefined || section === undefined || name === undefined) {
      return Status.INVALID_ARGUMENT;
    }
    if (!this.access(a, config, "write")) return Status.PERMISSION_DENIED;
    if (!NAME_RE.test(name)) return Status.INVALID_ARGUMENT;
    const doc = this.load(config, this.savedir(a));
    if (typeof doc === "number") return doc;
    const s = this.find(doc, section);
    // uci.c:1118 sets UCI_ERR_NOTFOUND, but uci_unload clears ctx->err before
    // rpc_uci_status() reads it (libuci list.c:751), so rpcd answers OK and changes nothing
    if (!s || (option !== undefined && s.options[option] === undefined)) return Status.OK;
    this.save(a, config, [
      option === undefined
        ? { cmd: "rename", section: s.name, value: name }
        : { cmd: "rename", section: s.name, option, value: name },
    ]);
    return Status.OK;
  }

  private dumpChanges(deltas: Delta[]): BlobmsgValue[] {
    return deltas.map((
      d,
    ) => [
      d.cmd,
      d.section,
      ...(d.option !== undefined ? [d.option] : []),
      ...(d.value !== undefined ? [d.value] : []),
    ]);
  }

  private changes(a: Parsed, ctx: CallCtx): number {
    const config = str(a, "config");
    const dir = this.savedir(a);
    if (config !== undefined) {
      if (!this.access(a, config, "read")) return Status.PERMISSION_DENIED;
      const doc = this.load(config, dir);
      if (typeof doc === "number") return doc;
      ctx.reply({ changes: this.dumpChanges(this.store.deltas(dir, config)) });
      return Status.OK;
    }
    const all: Record<string, BlobmsgValue> = {};
    for (const c of this.store.files.list().sort()) {
      if (!this.access(a, c, "read")) continue;
      const d = this.store.deltas(dir, c);
      if (d.length) all[c] = this.dumpChanges(d);
    }
    ctx.reply({ changes: all });
    return Status.OK;
  }

  private revertCommit(a: Parsed, commit: boolean): number {
    if (this.applyState.pending) return Status.PERMISSION_DENIED; // uci.c:1330
    const config = str(a, "config");
    if (config === undefined) return Status.INVALID_ARGUMENT;
    if (!this.access(a, config, "write")) return Status.PERMISSION_DENIED;
    const doc = this.load(config, this.savedir(a));
    if (typeof doc === "number") return doc;
    if (commit) {
      this.store.commit(config, this.savedir(a));
      this.hooks.onConfigChange(config);
    } else this.store.setDeltas(this.savedir(a), config, []);
    return Status.OK;
  }

  /** Cancel a pending rollback timer (double shutdown). */
  stop(): void {
    this.applyState.stop();
  }

  /** Method table for Broker.addObject("uci", ...) in rpcd's order (uci.c:1763). */
  methods(): Record<string, MethodDef> {
    return {
      configs: {
        policy: {},
        handler: (_a, ctx) => {
          ctx.reply({ configs: this.store.files.list().sort() });
          return Status.OK;
        },
      },
      get: { policy: POLICY.get!, handler: (a, ctx) => this.get(a, ctx, false) },
      state: { policy: POLICY.get!, handler: (a, ctx) => this.get(a, ctx, true) },
      add: { policy: POLICY.add!, handler: (a, ctx) => this.add(a, ctx) },
      set: { policy: POLICY.set!, handler: (a) => this.set(a) },
      delete: { policy: POLICY.delete!, handler: (a) => this.delete(a) },
      rename: { policy: POLICY.rename!, handler: (a) => this.rename(a) },
      changes: { policy: POLICY.config!, handler: (a, ctx) => this.changes(a, ctx) },
      revert: { policy: POLICY.config!, handler: (a) => this.revertCommit(a, false) },
      commit: { policy: POLICY.config!, handler: (a) => this.revertCommit(a, true) },
      apply: { policy: POLICY.apply!, handler: (a) => this.applyState.apply(a) },
      confirm: { policy: POLICY.rollback!, handler: (a) => this.applyState.confirm(a) },
      rollback: { policy: POLICY.rollback!, handler: (a) => this.applyState.rollback(a) },
      reload_config: { policy: {}, handler: () => Status.OK },
    };
  }
}
