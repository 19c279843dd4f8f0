import { rpcdCallFor, sectionsFromRpcd } from "../../uci/rpcd_mapping.ts";
import type { UciChange, UciSection } from "../../uci/mod.ts";
import type { UbusClient } from "../../ubus/mod.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { ConfigBackend } from "../types.ts";

/** rpcd's apply timeout: LuCI asks for at least 90 s (openwrt.md §3). */
export const APPLY_TIMEOUT_S = 90;
/** Session lifetime for punchd's own rpcd session. */
const SESSION_TIMEOUT_S = 3600;

export interface RpcdConfigOptions {
  /** Seconds before rpcd rolls an unconfirmed apply back. */
  applyTimeoutS?: number;
  /** Time to let services settle after apply before checking health. */
  settleMs?: number;
  /** Whether the router is still reachable after an apply; no confirm (so rollback) when false. */
  healthy?: () => Promise<string | null>;
}

/**
 * UCI through rpcd's `uci` object: every change goes into a session's delta, then
 * `apply {rollback: true}`; punchd confirms only after the router is still healthy, so a change
 * that cuts the router off is rolled back by rpcd itself.
 */
export class RpcdConfig implements ConfigBackend {
  lastProblem: string | null = null;
  private sid: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ubus: UbusClient, private readonly opts: RpcdConfigOptions = {}) {}

  async load(config: string): Promise<UciSection[]> {
    try {
      return sectionsFromRpcd(await this.ubus.call("uci", "get", { config }));
    } catch (e) {
      if ((e as { code?: number }).code === 4 /* NOT_FOUND: no such config */) return [];
      throw new Error(`Cannot read UCI config "${config}" through rpcd: ${errorMessage(e)}`);
    }
  }

  /** A root session allowed to write every config (rpcd `session create` + `grant`). */
  private async session(): Promise<string> {
    if (this.sid) {
      const ok = await this.ubus.call("session", "access", {
        ubus_rpc_session: this.sid,
        scope: "uci",
        object: "network",
        function: "write",
      })
        .then((r) => r.access === true, () => false);
      if (ok) return this.sid;
    }
    const r = await this.ubus.call("session", "create", { timeout: SESSION_TIMEOUT_S });
    const sid = String(r.ubus_rpc_session ?? "");
    if (!/^[0-9a-f]{32}$/.test(sid)) {
      throw new Error("Cannot create an rpcd session: no session id in the reply");
    }
    await this.ubus.call("session", "grant", {
      ubus_rpc_session: sid,
      scope: "uci",
      objects: [["*", "read"], ["*", "write"]],
    });
    this.sid = sid;
    return sid;
  }

  commit(config: string, changes: UciChange[]): Promise<void> {
    const run = () => this.applyChanges(config, changes);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  private async applyChanges(config: string, changes: UciChange[]): Promise<void> {
    if (changes.length === 0) return;
    const sid = await this.session();
    try {
      for (const c of changes) {
        const { method, args } = rpcdCallFor(config, c);
        await this.ubus.call(
          "uci",
          method,
          { ...args, ubus_rpc_session: sid } as unknown as Record<string, never>,
        );
      }
    } catch (e) {
      await this.ubus.call("uci", "revert", { config, ubus_rpc_session: sid }).catch(() => {});
      throw new Error(
        `Cannot change UCI config "${config}": ${errorMessage(e)}; nothing was changed`,
      );
    }
    try {
      await this.ubus.call("uci", "apply", {
        rollback: true,
        timeout: this.opts.applyTimeoutS ?? APPLY_TIMEOUT_S,
        ubus_rpc_session: sid,
      });
    } catch (e) {
      await this.ubus.call("uci", "revert", { config, ubus_rpc_session: sid }).catch(() => {});
      const busy = (e as { code?: number }).code === 6;
      throw new Error(
        busy
          ? `Cannot apply the change to "${config}": another change (LuCI?) is waiting for confirmation; try again in ${
            this.opts.applyTimeoutS ?? APPLY_TIMEOUT_S
          } s`
          : `Cannot apply the change to "${config}": ${errorMessage(e)}`,
      );
    }
    await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 2000));
    const problem = this.opts.healthy
      ? await this.opts.healthy().catch((e) => errorMessage(e))
      : null;
    if (problem !== null) {
      this.lastProblem =
        `The last change to "${config}" was not confirmed and is being rolled back: ${problem}`;
      throw new Error(this.lastProblem);
    }
    try {
      await this.ubus.call("uci", "confirm", { ubus_rpc_session: sid });
      this.lastProblem = null;
    } catch (e) {
      this.lastProblem =
        `The last change to "${config}" could not be confirmed and was rolled back: ${
          errorMessage(e)
        }`;
      throw new Error(this.lastProblem);
    }
  }
}
