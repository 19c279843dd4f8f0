import { UbusClient } from "../../ubus/mod.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { Platform } from "../types.ts";
import { NetifdSystem } from "./netifd_system.ts";
import { NetifdWireguard } from "./netifd_wireguard.ts";
import { RpcdConfig, type RpcdConfigOptions } from "./rpcd_config.ts";
import { UciFirewall } from "./uci_firewall.ts";
import { RpcdAuth } from "./rpcd_auth.ts";

/** ubusd's socket (openwrt.md §2); `root` prefixes it like every other path. */
export const UBUS_SOCKET = "/var/run/ubus/ubus.sock";

/**
 * The OpenWrt backend: UCI through rpcd (apply with rollback), netifd for interfaces and
 * WireGuard, fw4 through UCI `firewall`, events from ubus.
 */
export async function openwrtPlatform(
  root: string,
  opts: RpcdConfigOptions = {},
): Promise<Platform> {
  let ubus: UbusClient;
  try {
    ubus = await UbusClient.connect(`${root}${UBUS_SOCKET}`, { timeoutMs: 30_000 });
  } catch (e) {
    throw new Error(
      `Cannot connect to ubus at "${root}${UBUS_SOCKET}": ${errorMessage(e)}; is ubusd running?`,
    );
  }
  const system = new NetifdSystem(ubus);
  const wanUpBefore = async () => (await system.ifStatus("wan"))?.up === true;
  const settle = Number(Deno.env.get("PUNCH_APPLY_SETTLE_MS"));
  const config = new RpcdConfig(ubus, {
    ...(Number.isFinite(settle) && settle >= 0 ? { settleMs: settle } : {}),
    ...opts,
    healthy: opts.healthy ?? (async () => {
      // The one thing a Punch change must never do is cut the router off its uplink.
      const up = await wanUpBefore();
      return up ? null : "the WAN interface is down after the change";
    }),
  });
  return {
    name: "openwrt",
    root,
    config,
    wg: new NetifdWireguard(ubus),
    firewall: new UciFirewall(config, root),
    system,
    auth: new RpcdAuth(ubus),
    close: () => Promise.resolve(ubus.close()),
  };
}
