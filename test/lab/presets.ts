/** Ready-made lab layouts for the demo, `scripts/lab` and tests. Sans-I/O. */
import type { LabSpec } from "./topology.ts";

/** Internet hosts every preset has: a two-address STUN host and a "stranger". */
export const INTERNET_HOSTS = [
  { id: "stun", addresses: ["203.0.113.3/24", "203.0.113.4/24"] },
  { id: "stranger", addresses: ["203.0.113.99/24"] },
];

/** Names `presetSpec` knows. */
export const PRESETS = ["demo", "nat", "basic"] as const;
export type PresetName = typeof PRESETS[number];

/**
 * - `basic`: two routers with public WANs, one host each, no internet hosts.
 * - `demo`: routers a and b with public WANs (two hosts each), STUN host, stranger.
 * - `nat`: a public, b behind a cone NAT, c behind a symmetric NAT, d behind CGNAT (two layers).
 */
export function presetSpec(
  preset: PresetName,
  name: string,
  dir?: string,
  acceptWanUdp: number[] = [],
): LabSpec {
  const spec = presetRouters(preset, name, dir);
  if (acceptWanUdp.length > 0) spec.routers = spec.routers.map((r) => ({ ...r, acceptWanUdp }));
  return spec;
}

function presetRouters(preset: PresetName, name: string, dir?: string): LabSpec {
  const base = { name, ...(dir === undefined ? {} : { dir }) };
  switch (preset) {
    case "basic":
      return { ...base, routers: [{ id: "a" }, { id: "b" }] };
    case "demo":
      return {
        ...base,
        routers: [{ id: "a", hosts: 2 }, {
          id: "b",
          hosts: 2,
        }],
        internetHosts: INTERNET_HOSTS,
      };
    case "nat":
      return {
        ...base,
        routers: [
          { id: "a" },
          { id: "b", upstream: [{ kind: "cone", inside: "10.0.2.0/24" }] },
          {
            id: "c",
            upstream: [{ kind: "symmetric", inside: "10.0.3.0/24" }],
          },
          {
            id: "d",
            upstream: [{ kind: "cone", inside: "10.0.4.0/24" }, {
              kind: "cone",
              inside: "100.64.0.0/24",
            }],
          },
        ],
        internetHosts: INTERNET_HOSTS,
      };
  }
}
