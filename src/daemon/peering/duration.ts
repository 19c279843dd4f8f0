import { UsageError } from "../../lib/errors.ts";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longest invite lifetime accepted. */
export const MAX_INVITE_TTL_MS = 30 * 86_400_000;

/**
 * Parse an invite lifetime like `24h`, `30m`, `90s` or `7d` into milliseconds.
 * @example parseDuration("24h") === 86_400_000
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d{1,6})\s*([smhd])\s*$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!(ms > 0) || ms > MAX_INVITE_TTL_MS) {
    throw new UsageError(
      `Cannot use expiry "${text}": give a time like 30m, 24h or 7d (at most 30d)`,
    );
  }
  return ms;
}
