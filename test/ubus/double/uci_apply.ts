// rpcd's apply / confirm / rollback (rpcd@4476687:uci.c:1443-1712): apply snapshots the
// configs a session changed (snapshot-files + snapshot-delta), commits them and fires
// config.change; with rollback, a timer restores the snapshots unless the same session
// confirms first. While one is pending, commit/revert and a second rollback apply are refused.
import { Status } from "../../../src/ubus/constants.ts";
import { bool, type Parsed, str, u32 } from "./policy.ts";
import type { Sessions } from "./session.ts";
import type { Delta, UciStore } from "./uci_store.ts";

/** RPC_APPLY_TIMEOUT (rpcd include/rpcd/uci.h:38), seconds. */
export const RPC_APPLY_TIMEOUT = 60;

/** Hooks the double wires up: a config.change trigger (procd) and a timer. */
export interface UciHooks {
  onConfigChange(config: string): void;
  schedule(ms: number, f: () => void): () => void;
  secondMs: number;
}

export class UciApply {
  private sid: string | null = null;
  private snapshot = new Map<string, { file: string | null; deltas: Delta[] }>();
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly store: UciStore,
    private readonly sessions: Sessions,
    private readonly hooks: UciHooks,
  ) {}

  /** The session whose apply waits for confirm, or null. */
  get pending(): string | null {
    return this.sid;
  }

  /** rpc_uci_apply_access over a set of configs: NO_DATA if none, else write on each. */
  private access(sid: string, configs: string[]): number {
    if (!configs.length) return Status.NO_DATA;
    for (const c of configs) {
      if (!this.sessions.access(sid, "uci", c, "write")) return Status.PERMISSION_DENIED;
    }
    return Status.OK;
  }

  private clear(): void {
    this.snapshot.clear();
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.sid = null;
  }

  /** rpc_uci_do_rollback: restore snapshot files (and the session's deltas if it lives). */
  private doRollback(): void {
    const sid = this.sid;
    const files = [...this.snapshot].filter(([, s]) => s.file).map(([c]) => c);
    const deny = sid ? this.access(sid, files) : Status.NOT_FOUND;
    for (const [c, snap] of this.snapshot) {
      this.store.files.write(c, snap.file ?? "");
      this.hooks.onConfigChange(c);
      if (!deny && sid) this.store.setDeltas(sid, c, snap.deltas);
    }
    this.clear();
  }

  apply(a: Parsed): number {
    const rollback = bool(a, "rollback") ?? false;
    if (this.sid && rollback) return Status.PERMISSION_DENIED;
    const sid = str(a, "ubus_rpc_session");
    if (sid === undefined) return Status.INVALID_ARGUMENT;
    const timeout = u32(a, "timeout") ?? RPC_APPLY_TIMEOUT;
    this.snapshot.clear(); // rpcd purges the snapshot dirs first, even when an apply is pending
    if (this.sid) return Status.OK;
    const changed = this.store.changed(sid);
    const denied = this.access(sid, changed);
    if (denied) return denied;
    if (rollback) this.sid = sid;
    for (const c of changed) {
      this.snapshot.set(c, { file: this.store.files.read(c), deltas: this.store.deltas(sid, c) });
      this.store.commit(c, sid);
      this.hooks.onConfigChange(c);
    }
    if (!rollback) this.snapshot.clear();
    else {this.cancelTimer = this.hooks.schedule(timeout * this.hooks.secondMs, () =>
        this.doRollback());}
    return Status.OK;
  }

  confirm(a: Parsed): number {
    const sid = str(a, "ubus_rpc_session");
    if (sid === undefined) return Status.INVALID_ARGUMENT;
    if (!this.sid) return Status.NO_DATA;
    if (this.sid !== sid) return Status.PERMISSION_DENIED;
    this.clear();
    return Status.OK;
  }

  rollback(a: Parsed): number {
    if (!this.sid) return Status.NO_DATA;
    const sid = str(a, "ubus_rpc_session");
    if (sid === undefined) return Status.INVALID_ARGUMENT;
    if (this.sid !== sid) return Status.PERMISSION_DENIED;
    this.doRollback();
    return Status.OK;
  }

  /** Cancel a pending rollback timer (double shutdown). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }
}
