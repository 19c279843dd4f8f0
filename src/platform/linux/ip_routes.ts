import type { ReachedPrefix } from "../../peer/route_policy.ts";

interface IpRoute {
  dst?: string;
  dev?: string;
  gateway?: string;
}

/**
 * Routes of `ip -j route show table main` as `ReachedPrefix`es, without those on `tunnelDevice`
 * (`default` becomes 0.0.0.0/0 or ::/0; a host route without a length gets one).
 * @example routesReached('[{"dst":"203.0.113.0/24","dev":"wan0"}]', "wg0", {wan: "wan0"})
 */
export function routesReached(
  json: string,
  tunnelDevice: string,
  devices: { wan?: string | undefined; lan?: string | undefined },
): ReachedPrefix[] {
  const text = json.trim();
  if (text === "") return [];
  const list = JSON.parse(text) as IpRoute[];
  const out: ReachedPrefix[] = [];
  for (const r of list) {
    if (typeof r.dst !== "string" || r.dev === tunnelDevice) continue;
    const v6 = r.dst.includes(":") || (r.dst === "default" && r.gateway?.includes(":") === true);
    const prefix = r.dst === "default"
      ? (v6 ? "::/0" : "0.0.0.0/0")
      : r.dst.includes("/")
      ? r.dst
      : `${r.dst}/${v6 ? 128 : 32}`;
    const what = r.dev === undefined
      ? `the route to ${prefix}`
      : r.gateway !== undefined
      ? `the route via ${r.gateway} on ${r.dev}`
      : r.dev === devices.wan
      ? `the WAN subnet on ${r.dev}`
      : r.dev === devices.lan
      ? `the LAN subnet on ${r.dev}`
      : `the route on ${r.dev}`;
    out.push({ prefix, what });
  }
  return out;
}
