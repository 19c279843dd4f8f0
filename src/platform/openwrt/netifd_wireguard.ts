import type { UbusClient } from "../../ubus/mod.ts";
import type { WgDesired } from "../../wg/wg_desired.ts";
import type { WgDump } from "../../wg/wg_dump.ts";
import { syncPeers, wgDump } from "../wg_cli_deno.ts";
import type { WireguardBackend } from "../types.ts";

/**
 * WireGuard on OpenWrt belongs to netifd (`proto wireguard`): punchd edits UCI and lets netifd
 * create the link, keys, addresses and routes. Older protocol handlers only read peer sections
 * at ifup, so peer differences are pushed with `wg set` (the same values netifd would set).
 */
export class NetifdWireguard implements WireguardBackend {
  private readonly applied = new Map<string, string>();
  /** Peers the last `apply` could not configure (for status). */
  problems: string[] = [];

  constructor(private readonly ubus: UbusClient) {}

  dump(ifname: string): Promise<WgDump | null> {
    return wgDump(ifname);
  }

  async apply(want: WgDesired): Promise<number> {
    const live = await this.dump(want.ifname);
    if (!live) {
      await this.ubus.call(`network.interface.${want.ifname}`, "up").catch(() => {});
      return 1;
    }
    const problems: string[] = [];
    const n = await syncPeers(
      want,
      live,
      this.applied,
      (op) => op.kind === "set-peer" || op.kind === "remove-peer",
      problems,
    );
    this.problems = problems;
    return n;
  }

  async remove(ifname: string): Promise<void> {
    await this.ubus.call(`network.interface.${ifname}`, "down").catch(() => {});
  }
}
