import type { UbusClient } from "../../ubus/mod.ts";
import type { AuthBackend } from "../types.ts";

/** The router's login through rpcd (`session login`, the same check LuCI makes). */
export class RpcdAuth implements AuthBackend {
  constructor(private readonly ubus: UbusClient) {}

  async login(username: string, password: string): Promise<boolean> {
    try {
      const r = await this.ubus.call("session", "login", { username, password, timeout: 60 });
      const sid = r.ubus_rpc_session;
      if (typeof sid !== "string") return false;
      await this.ubus.call("session", "destroy", { ubus_rpc_session: sid }).catch(() => {});
      return true;
    } catch {
      return false;
    }
  }
}
