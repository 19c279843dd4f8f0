import type { UciSection } from "../uci/mod.ts";
import { readPunchConfig } from "../uci/mod.ts";
import { readPeeringOptions } from "./peering/peering_options.ts";

/** Options of /etc/config/punch that punchd reads only at start (docs/config.md: "Read at start"). */
export function restartOnlySettings(punch: readonly UciSection[]): Record<string, string> {
  const cfg = readPunchConfig(punch);
  const peering = readPeeringOptions(punch);
  return {
    interface: cfg.interface,
    stun_port: String(cfg.stunPort),
    web_port: String(cfg.webPort),
    control_port: String(peering.controlPort),
    dns_name: peering.dnsName ?? "",
  };
}

/** The options whose value now differs from the one punchd started with. */
export function changedSince(
  atStart: Record<string, string>,
  now: Record<string, string>,
): string[] {
  return Object.keys(atStart).filter((k) => atStart[k] !== now[k]);
}

/** The status warning for options that wait for a restart, or none. */
export function restartWarning(changed: readonly string[]): string[] {
  return changed.length === 0 ? [] : [
    `Changed settings wait for a restart of punchd: ${
      changed.map((c) => `"${c}"`).join(", ")
    } (run /etc/init.d/punch restart)`,
  ];
}
