import type { UbusClient } from "../../ubus/mod.ts";
import { exec } from "../exec_deno.ts";
import type { ExecResult, SystemBackend, WanState } from "../types.ts";

interface IfStatus {
  up?: boolean;
  l3_device?: string;
  device?: string;
  "ipv4-address"?: { address: string; mask: number }[];
  "ipv6-address"?: { address: string; mask: number }[];
}

/** Router state from netifd over ubus (`network.interface.<name> status` and its events). */
export class NetifdSystem implements SystemBackend {
  constructor(private readonly ubus: UbusClient) {}

  async ifStatus(name: string): Promise<IfStatus | null> {
    try {
      return await this.ubus.call(`network.interface.${name}`, "status") as IfStatus;
    } catch {
      return null;
    }
  }

  async wan(): Promise<WanState> {
    const s = await this.ifStatus("wan");
    if (!s) return { v6: [] };
    const v4 = s["ipv4-address"]?.[0]?.address;
    const v6s = (await this.ifStatus("wan6"))?.["ipv6-address"] ?? [];
    const dev = s.l3_device ?? s.device;
    return {
      ...(dev ? { device: dev } : {}),
      ...(v4 ? { address: v4 } : {}),
      v6: [...(s["ipv6-address"] ?? []), ...v6s].map((a) => a.address).filter((a) =>
        !/^fe80:/i.test(a)
      ),
    };
  }

  async lanAddress(): Promise<string | undefined> {
    return (await this.ifStatus("lan"))?.["ipv4-address"]?.[0]?.address;
  }

  watchWan(onChange: () => void): { close(): void } {
    // ifup/ifdown arrive as `network.interface` events; address changes only as
    // `interface.update` notifications to subscribers of the interface object.
    const stops: (() => void)[] = [];
    let closed = false;
    const keep = (stop: () => void) => (closed ? stop() : stops.push(stop));
    this.ubus.subscribe("network.interface", (_ev, data) => {
      if (data.interface === "wan" || data.interface === "wan6") onChange();
    }).then((s) => keep(() => s.unsubscribe()), () => {});
    for (const name of ["wan", "wan6"]) {
      this.ubus.watch(`network.interface.${name}`, () => onChange()).then(
        (w) => keep(() => w.unwatch()),
        () => {},
      );
    }
    return {
      close() {
        closed = true;
        for (const s of stops) s();
      },
    };
  }

  exec(argv: string[], stdin?: string): Promise<ExecResult> {
    return exec(argv, stdin === undefined ? {} : { stdin });
  }
}
