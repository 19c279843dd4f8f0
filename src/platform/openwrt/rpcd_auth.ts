import type { UbusClient } from "../../ubus/mod.ts";
import type { AuthBackend } from "../types.ts";

/** Lifetime of the session a password check creates: rpcd expires it by itself. */
export const CHECK_SESSION_TIMEOUT_S = 1;

/**
 * The router's login through rpcd (`session login`, the same check LuCI makes).
 *
 * While an `uci apply` with rollback waits for confirm, rpcd answers a login by the same
 * username with the pending apply's session (`rpc_reclaim_apply_session`), which is a LuCI
 * user's session: destroying it would make their change impossible to confirm. So the check
 * asks for a 1 s session and destroys the id it gets back only when that id is provably the
 * new one (absent from `session list` before the login, and carrying the 1 s timeout); any
 * other id is left alone, and a session of ours that was not destroyed expires within 1 s.
 */
export class RpcdAuth implements AuthBackend {
  constructor(private readonly ubus: UbusClient) {}

  async login(username: string, password: string): Promise<boolean> {
    const before = await this.sessionIds();
    let r: Record<string, unknown>;
    try {
      r = await this.ubus.call("session", "login", {
        username,
        password,
        timeout: CHECK_SESSION_TIMEOUT_S,
      });
    } catch {
      return false;
    }
    const sid = r.ubus_rpc_session;
    if (typeof sid !== "string") return false;
    const ours = before !== null && !before.has(sid) && r.timeout === CHECK_SESSION_TIMEOUT_S;
    if (ours) await this.ubus.call("session", "destroy", { ubus_rpc_session: sid }).catch(() => {});
    return true;
  }

  /** Ids of the sessions rpcd holds now; null when it cannot tell. */
  private async sessionIds(): Promise<Set<string> | null> {
    try {
      const all = await this.ubus.callAll("session", "list", {});
      return new Set(all.map((s) => String(s.ubus_rpc_session)));
    } catch {
      return null;
    }
  }
}
