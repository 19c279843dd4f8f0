import type { UciSection } from "../../uci/mod.ts";

/** Default UDP port for join requests and card exchange (`option control_port`). */
export const DEFAULT_CONTROL_PORT = 51821;

/** Peering options of the `config punch` section that `readPunchConfig` does not read. */
export interface PeeringOptions {
  controlPort: number;
  /** `option dns_name`: a name that resolves to this router, announced as an endpoint. */
  dnsName?: string;
}

/**
 * Read `option control_port` (default 51821; an invalid value falls back to it) and
 * `option dns_name` from `/etc/config/punch`.
 * @example readPeeringOptions(await config.load("punch")).controlPort // 51821
 */
export function readPeeringOptions(punch: readonly UciSection[]): PeeringOptions {
  const main = punch.find((s) => s.type === "punch");
  const raw = main?.options["control_port"];
  const n = typeof raw === "string" && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  const controlPort = n > 0 && n < 65536 ? n : DEFAULT_CONTROL_PORT;
  const dns = main?.options["dns_name"];
  return {
    controlPort,
    ...(typeof dns === "string" && /^[a-z0-9.-]{1,253}$/i.test(dns) ? { dnsName: dns } : {}),
  };
}
