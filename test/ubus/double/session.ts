// rpcd's `session` object, from rpcd@4476687:session.c: create/list/grant/revoke/access/
// set/get/unset/destroy/login with its policies, ACL setup from acl.d-style groups
// (rpc_login_setup_acl_file), write-implies-read, `!group` denials, and expiry.
import {
  blobmsg,
  type BlobmsgField,
  type BlobmsgValue,
  fieldToJson,
} from "../../../src/ubus/blobmsg.ts";
import { BlobmsgType as T, Status } from "../../../src/ubus/constants.ts";
import type { MethodDef } from "./broker.ts";
import { fnmatch } from "./fnmatch.ts";
import { verifyCrypt } from "../../../src/lib/crypt.ts";
import { children, str, u32 } from "./policy.ts";

/**
 * A `config login` section of /etc/config/rpcd. `password` is the option's value: `$p$<user>`
 * checks the double's shadow table (where an empty entry accepts any password, a router with
 * no root password); `$1$`/`$5$`/`$6$` hashes go through crypt(3) as in rpcd; any other value
 * is compared as plain text (a test convenience: real rpcd would crypt it and refuse); an
 * absent password (or `''`, which libuci drops) refuses every login, as rpcd does.
 */
export interface TestUser {
  username: string;
  password?: string;
  read?: string[];
  write?: string[];
}

/** One acl.d group: {"read": {"ubus": {obj: [fn]}, "uci": [cfg]}, "write": {...}}. */
export type AclGroups = Record<
  string,
  { read?: Record<string, unknown>; write?: Record<string, unknown> }
>;

/** RPC_DEFAULT_SESSION_ID and RPC_DEFAULT_SESSION_TIMEOUT (rpcd include/rpcd/session.h). */
export const DEFAULT_SESSION_ID = "00000000000000000000000000000000";
export const DEFAULT_SESSION_TIMEOUT = 300;

interface Session {
  id: string;
  timeout: number;
  expiresAt: number;
  acls: Map<string, { object: string; fn: string }[]>;
  data: Map<string, BlobmsgField>;
}

export class Sessions {
  private readonly map = new Map<string, Session>();
  /** Called when a session is destroyed or expires (rpcd purges its uci delta dir). */
  onDestroy: (sid: string) => void = () => {};
  /** The session of the apply waiting for confirm (rpcd's `apply_sid`), or null. */
  applySid: () => string | null = () => null;

  constructor(
    /** The login sections, read again on every login (rpc_login_test_login loads rpcd). */
    private readonly users: () => TestUser[],
    /** /etc/shadow: user → password, "" for none. */
    private readonly shadow: Record<string, string>,
    private readonly groups: AclGroups,
    private readonly now: () => number,
    private readonly secondMs: number,
  ) {
    const def = this.create(0, DEFAULT_SESSION_ID);
    this.setupAcls(def, null);
  }

  private create(timeout: number, id?: string): Session {
    const sid = id ??
      Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
        .join("");
    const s: Session = { id: sid, timeout, expiresAt: Infinity, acls: new Map(), data: new Map() };
    this.touch(s);
    this.map.set(sid, s);
    return s;
  }

  private touch(s: Session): void {
    s.expiresAt = s.timeout > 0 ? this.now() + s.timeout * this.secondMs : Infinity;
  }

  /** rpc_session_get: expired sessions are gone; a hit refreshes the expiry. */
  get(sid: string): Session | undefined {
    const s = this.map.get(sid);
    if (!s) return undefined;
    if (this.now() >= s.expiresAt) {
      this.destroy(s);
      return undefined;
    }
    this.touch(s);
    return s;
  }

  private destroy(s: Session): void {
    this.map.delete(s.id);
    this.onDestroy(s.id);
  }

  /** rpc_session_access: does `sid` hold scope/object/function? */
  access(sid: string, scope: string, object: string, fn: string): boolean {
    const s = this.get(sid);
    return !!s && allowed(s, scope, object, fn);
  }

  private grant(s: Session, scope: string, object: string, fn: string): void {
    const list = s.acls.get(scope) ?? [];
    if (!list.some((a) => a.object === object && a.fn === fn)) list.push({ object, fn });
    s.acls.set(scope, list);
  }

  private revoke(s: Session, scope: string, object?: string, fn?: string): void {
    const list = s.acls.get(scope);
    if (!list) return;
    const rest = object === undefined
      ? []
      : list.filter((a) => !(a.object === object && a.fn === fn));
    if (rest.length) s.acls.set(scope, rest);
    else s.acls.delete(scope);
  }

  private testPermission(u: TestUser | null, perm: "read" | "write", group: string): boolean {
    if (!u) return group === "unauthenticated";
    const list = (perm === "read" ? u.read : u.write) ?? [];
    for (const p of list) {
      if (p.startsWith("!") && p.slice(1).trim() && fnmatch(p.slice(1).trim(), group)) return false;
    }
    for (const p of list) if (p && !p.startsWith("!") && fnmatch(p, group)) return true;
    return perm === "read" ? this.testPermission(u, "write", group) : false;
  }

  private setupAcls(s: Session, u: TestUser | null): void {
    for (const [group, perms] of Object.entries(this.groups)) {
      for (const perm of ["read", "write"] as const) {
        const scopes = perms[perm];
        if (!scopes || !this.testPermission(u, perm, group)) continue;
        for (const [scope, v] of Object.entries(scopes)) {
          if (Array.isArray(v)) {
            for (const o of v) if (typeof o === "string") this.grant(s, scope, o, perm);
          } else if (v && typeof v === "object") {
            for (const [obj, fns] of Object.entries(v as Record<string, unknown>)) {
              if (!Array.isArray(fns)) continue;
              for (const f of fns) if (typeof f === "string") this.grant(s, scope, obj, f);
            }
          }
          this.grant(s, "access-group", group, perm);
        }
      }
    }
  }

  private dumpAcls(s: Session): Record<string, BlobmsgValue> {
    const out: Record<string, Record<string, string[]>> = {};
    for (const scope of [...s.acls.keys()].sort()) {
      const t: Record<string, string[]> = {};
      const list = [...s.acls.get(scope)!].sort((
        a,
        b,
      ) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
      for (const a of list) (t[a.object] ??= []).push(a.fn);
      out[scope] = t;
    }
    return out;
  }

  private dumpData(s: Session): Record<string, BlobmsgValue> {
    const out: Record<string, BlobmsgValue> = {};
    for (const k of [...s.data.keys()].sort()) out[k] = asValue(s.data.get(k)!);
    return out;
  }

  /** rpc_session_to_blob: timeout INT32, expires INT64, acls, data. */
  private dump(s: Session): Record<string, BlobmsgValue> {
    const left = s.expiresAt === Infinity
      ? 0
      : Math.max(0, Math.floor((s.expiresAt - this.now()) / this.secondMs));
    return {
      ubus_rpc_session: s.id,
      timeout: blobmsg.int32(s.timeout),
      expires: blobmsg.int64(left),
      acls: this.dumpAcls(s),
      data: this.dumpData(s),
    };
  }

  /** Method table for Broker.addObject("session", ...). */
  methods(): Record<string, MethodDef> {
    const sid = { ubus_rpc_session: T.STRING };
    return {
      create: {
        policy: { timeout: T.INT32 },
        handler: (a, ctx) => {
          ctx.reply(this.dump(this.create(u32(a, "timeout") ?? DEFAULT_SESSION_TIMEOUT)));
          return Status.OK;
        },
      },
      list: {
        policy: sid,
        handler: (a, ctx) => {
          const id = str(a, "ubus_rpc_session");
          if (id === undefined) {
            for (const k of [...this.map.keys()]) {
              const s = this.get(k);
              if (s) ctx.reply(this.dump(s));
            }
            return Status.OK;
          }
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          ctx.reply(this.dump(s));
          return Status.OK;
        },
      },
      grant: {
        policy: { ...sid, scope: T.STRING, objects: T.ARRAY },
        handler: (a, ctx) => this.acl(a, ctx.method),
      },
      revoke: {
        policy: { ...sid, scope: T.STRING, objects: T.ARRAY },
        handler: (a, ctx) => this.acl(a, ctx.method),
      },
      access: {
        policy: { ...sid, scope: T.STRING, object: T.STRING, function: T.STRING },
        handler: (a, ctx) => {
          const id = str(a, "ubus_rpc_session");
          if (id === undefined) return Status.INVALID_ARGUMENT;
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          const o = str(a, "object");
          const f = str(a, "function");
          if (o !== undefined && f !== undefined) {
            ctx.reply({ access: allowed(s, str(a, "scope") ?? "ubus", o, f) });
          } else ctx.reply(this.dumpAcls(s));
          return Status.OK;
        },
      },
      set: {
        policy: { ...sid, values: T.TABLE },
        handler: (a) => {
          const id = str(a, "ubus_rpc_session");
          const values = children(a, "values");
          if (id === undefined || !values) return Status.INVALID_ARGUMENT;
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          for (const v of values) if (v.name) s.data.set(v.name, v);
          return Status.OK;
        },
      },
      get: {
        policy: { ...sid, keys: T.ARRAY },
        handler: (a, ctx) => {
          const id = str(a, "ubus_rpc_session");
          if (id === undefined) return Status.INVALID_ARGUMENT;
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          const keys = children(a, "keys");
          if (!keys) ctx.reply({ values: this.dumpData(s) });
          else {
            const out: Record<string, BlobmsgValue> = {};
            for (const k of keys) {
              const d = typeof k.value === "string" ? s.data.get(k.value) : undefined;
              if (d) out[d.name] = asValue(d);
            }
            ctx.reply({ values: out });
          }
          return Status.OK;
        },
      },
      unset: {
        policy: { ...sid, keys: T.ARRAY },
        handler: (a) => {
          const id = str(a, "ubus_rpc_session");
          if (id === undefined) return Status.INVALID_ARGUMENT;
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          const keys = children(a, "keys");
          if (!keys) s.data.clear();
          else for (const k of keys) if (typeof k.value === "string") s.data.delete(k.value);
          return Status.OK;
        },
      },
      destroy: {
        policy: sid,
        handler: (a) => {
          const id = str(a, "ubus_rpc_session");
          if (id === undefined) return Status.INVALID_ARGUMENT;
          if (id === DEFAULT_SESSION_ID) return Status.PERMISSION_DENIED;
          const s = this.get(id);
          if (!s) return Status.NOT_FOUND;
          this.destroy(s);
          return Status.OK;
        },
      },
      login: {
        policy: { username: T.STRING, password: T.STRING, timeout: T.INT32 },
        handler: (a, ctx) => {
          const name = str(a, "username");
          const pw = str(a, "password");
          if (name === undefined || pw === undefined) return Status.INVALID_ARGUMENT;
          const u = this.users().find((x) =>
            x.username === name && x.password !== undefined && this.testPassword(x.password, pw)
          );
          if (!u) return Status.PERMISSION_DENIED;
          // rpc_reclaim_apply_session (session.c:1124): while an apply waits for confirm, the
          // same username gets the apply's session back (its own timeout kept) so the user can
          // confirm after logging in again
          const s = this.reclaim(name) ?? this.create(u32(a, "timeout") ?? DEFAULT_SESSION_TIMEOUT);
          this.setupAcls(s, u);
          s.data.set("username", a["username"]!);
          ctx.reply(this.dump(s));
          return Status.OK;
        },
      },
    };
  }

  /** rpc_login_test_password (session.c:790): empty accepts any, `$p$user` → shadow. */
  private testPassword(hash: string, pw: string): boolean {
    if (hash === "") return true;
    if (hash.startsWith("$p$")) {
      const shadow = this.shadow[hash.slice(3)];
      return shadow !== undefined && !shadow.startsWith("$p$") && this.testPassword(shadow, pw);
    }
    if (hash.startsWith("$")) return verifyCrypt(pw, hash); // crypt(3): $1$, $5$, $6$
    return hash === pw; // plain text: a test convenience (crypt would refuse it)
  }

  private reclaim(username: string): Session | undefined {
    const id = this.applySid();
    const s = id ? this.get(id) : undefined;
    const u = s?.data.get("username");
    return u && u.type === T.STRING && u.value === username ? s : undefined;
  }

  private acl(a: Partial<Record<string, BlobmsgField>>, method: string): number {
    const id = str(a, "ubus_rpc_session");
    if (id === undefined) return Status.INVALID_ARGUMENT;
    const s = this.get(id);
    if (!s) return Status.NOT_FOUND;
    const scope = str(a, "scope") ?? "ubus";
    const objects = children(a, "objects");
    if (!objects) {
      if (method === "grant") return Status.INVALID_ARGUMENT; // rpc_session_grant(NULL, NULL)
      this.revoke(s, scope);
      return Status.OK;
    }
    for (const pair of objects) {
      if (pair.type !== T.ARRAY) continue;
      const strs = (pair.value as BlobmsgField[]).filter((x) => x.type === T.STRING).map((x) =>
        x.value as string
      );
      const [o, f] = strs;
      if (o === undefined || f === undefined) continue;
      if (method === "grant") this.grant(s, scope, o, f);
      else this.revoke(s, scope, o, f);
    }
    return Status.OK;
  }
}

function allowed(s: Session, scope: string, object: string, fn: string): boolean {
  return (s.acls.get(scope) ?? []).some((a) => fnmatch(a.object, object) && fnmatch(a.fn, fn));
}

/** Keep a stored field's wire type when echoing it back. */
function asValue(f: BlobmsgField): BlobmsgValue {
  switch (f.type) {
    case T.INT8:
      return blobmsg.int8(f.value as number);
    case T.INT16:
      return blobmsg.int16(f.value as number);
    case T.INT32:
      return blobmsg.int32(f.value as number);
    case T.INT64:
      return blobmsg.int64(f.value as bigint);
    case T.DOUBLE:
      return blobmsg.double(f.value as number);
    default:
      return fieldToJson(f) as BlobmsgValue;
  }
}
