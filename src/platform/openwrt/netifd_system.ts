import type { UbusClient } from "../../ubus/mod.ts";
import { exec } from "../exec_deno.ts";
import type { ExecResult, SystemBackend, WanState } from "../types.ts";
import type { ReachedPrefix } from "../../peer/route_policy.ts";

interface IfStatus {
  interface?: string;
  up?: boolean;
  l3_device?: string;
  device?: string;
  "ipv4-address"?: { address: string; mask: number }[];
  "ipv6-address"?: { address: string; mask: number }[];
  "ipv6-prefix-assignment"?: { address: string; mask: number }[];
  route?: { target: string; mask: number; nexthop?: string }[];
}

/** netifd answers status reads at once; a hung netifd must not hold up status or a reconcile. */
export const NETIFD_READ_TIMEOUT_MS = 5000;

/** Router state from netifd over ubus (`network.interface.<name> status` and its events). */
export class NetifdSystem implements SystemBackend {
  constructor(private readonly ubus: UbusClient) {}

  async ifStatus(name: string): Promise<IfStatus | null> {
    try {
      return await this.ubus.call(`network.interface.${name}`, "status", {}, {
        timeoutMs: NETIFD_READ_TIMEOUT_MS,
      }) as IfStatus;
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

  async reached(tunnelDevice: string): Promise<ReachedPrefix[]> {
    const dump = await this.ubus.call("network.interface", "dump", {}, {
      timeoutMs: NETIFD_READ_TIMEOUT_MS,
    }) as { interface?: IfStatus[] };
    return reachedFromDump(dump.interface ?? [], tunnelDevice);
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

/** Interface subnets and routes from `network.interface dump`, except the tunnel's own. */
export function reachedFromDump(list: readonly IfStatus[], tunnelDevice: string): ReachedPrefix[] {
  const out: ReachedPrefix[] = [];
  for (const i of list) {
    const name = i.interface ?? "?";
    if (name === tunnelDevice || (i.l3_device ?? i.device) === tunnelDevice || i.up === false) {
      continue;
    }
    const addrs = [
      ...(i["ipv4-address"] ?? []),
      ...(i["ipv6-address"] ?? []),
      ...(i["ipv6-prefix-assignment"] ?? []),
    ];
    for (const a of addrs) {
      out.push({ prefix: `${a.address}/${a.mask}`, what: `the ${name} subnet` });
    }
    for (const r of i.route ?? []) {
      out.push({ prefix: `${r.target}/${r.mask}`, what: `the route to ${r.target} on ${name}` });
    }
  }
  return out;
}
