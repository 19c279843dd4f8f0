import { canonicalAllowedIps } from "../../wg/wg_desired.ts";

/**
 * The routing protocol number Punch puts on the routes it adds to the tunnel interface
 * (`ip route add ... proto 80`). Only routes carrying it are ever deleted: a route the owner
 * or another program put on the interface stays.
 */
export const PUNCH_ROUTE_PROTO = 80;

/** One row of `ip -j route show dev <tunnel>`. */
export interface DeviceRoute {
  dst: string;
  protocol?: string | number;
}

/** What to do to bring the tunnel's routes to `wanted` without touching anyone else's. */
export interface RouteSyncPlan {
  /** Not on the tunnel yet: `ip route add` (fails when another route has the same prefix). */
  add: string[];
  /** On the tunnel without Punch's tag (an older Punch): `ip route replace ... proto 80`. */
  retag: string[];
  /** Punch's, no longer wanted: `ip route del ... proto 80`. */
  del: string[];
}

/** Whether a route row is one Punch added. */
export function isPunchRoute(r: DeviceRoute): boolean {
  return String(r.protocol) === String(PUNCH_ROUTE_PROTO);
}

function dstPrefix(dst: string, v6: boolean): string {
  if (dst === "default") return v6 ? "::/0" : "0.0.0.0/0";
  return dst.includes("/") ? dst : `${dst}/${v6 ? 128 : 32}`;
}

/**
 * Plan the route changes on the tunnel device for one address family.
 * @example planRouteSync(["192.168.2.0/24"], [], false) // { add: ["192.168.2.0/24"], ... }
 */
export function planRouteSync(
  wanted: readonly string[],
  onDevice: readonly DeviceRoute[],
  v6: boolean,
): RouteSyncPlan {
  const want = canonicalAllowedIps(wanted);
  const rows = onDevice.map((r) => ({
    ...r,
    prefix: canonicalAllowedIps([dstPrefix(r.dst, v6)])[0]!,
  }));
  const ours = new Set(rows.filter(isPunchRoute).map((r) => r.prefix));
  const kernel = new Set(rows.filter((r) => r.protocol === "kernel").map((r) => r.prefix));
  const others = new Set(
    rows.filter((r) => !isPunchRoute(r) && r.protocol !== "kernel").map((r) => r.prefix),
  );
  return {
    add: want.filter((p) => !ours.has(p) && !others.has(p) && !kernel.has(p)),
    retag: want.filter((p) => !ours.has(p) && others.has(p)),
    del: [...ours].filter((p) => !want.includes(p)),
  };
}
