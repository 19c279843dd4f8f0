/**
 * Typed reads of option values, with errors that name the section and the option: the shared
 * base of the WireGuard, network and punch schemas.
 */

import { fromBase64 } from "../lib/base64.ts";
import { ParseError } from "../lib/errors.ts";
import { isIPv6, parseCidr } from "../lib/net.ts";
import type { UciSection, UciValue } from "./uci_doc.ts";

const TRUE = new Set(["1", "on", "true", "yes", "enabled"]);
const FALSE = new Set(["0", "off", "false", "no", "disabled"]);

/** A UCI boolean (`1/0`, `on/off`, `true/false`, `yes/no`, `enabled/disabled`), or null. */
export function parseUciBool(text: string): boolean | null {
  const v = text.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : null;
}

/** Whether text is a WireGuard key as `wg genkey` prints it: 44 base64 chars for 32 bytes. */
export function isWgKey(text: string): boolean {
  if (text.length !== 44) return false;
  try {
    return fromBase64(text).length === 32;
  } catch {
    return false;
  }
}

/** Hostnames (RFC 1123 letters, digits, `-`, dots) or IP literals without brackets. */
export function isEndpointHost(text: string): boolean {
  return isIPv6(text) ||
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/
      .test(text);
}

/** Reads one section's options as typed values; every failure names the section. */
export class OptionReader {
  constructor(readonly section: UciSection, readonly what: string) {}

  /** Throw a `ParseError` about option `option` holding `value`. */
  fail(option: string, value: string, why: string): never {
    throw new ParseError(`Cannot read ${this.what}: ${option} "${value}" ${why}`);
  }

  raw(option: string): UciValue | undefined {
    return Object.hasOwn(this.section.options, option) ? this.section.options[option] : undefined;
  }

  /** A single value; a list of one is accepted, a longer list is an error. */
  string(option: string): string | undefined {
    const v = this.raw(option);
    if (v === undefined || typeof v === "string") return v;
    if (v.length === 1) return v[0];
    return this.fail(
      option,
      v.join(" "),
      "must be a single value, not a list; use option instead of list",
    );
  }

  /** A list; an `option` holding space-separated words counts too (as netifd reads it). */
  list(option: string): string[] {
    const v = this.raw(option);
    if (v === undefined) return [];
    return typeof v === "string" ? v.split(/\s+/).filter((s) => s !== "") : [...v];
  }

  bool(option: string, fallback: boolean): boolean {
    const v = this.string(option);
    if (v === undefined) return fallback;
    const b = parseUciBool(v);
    return b ?? this.fail(option, v, "is not a boolean; use '1' or '0'");
  }

  int(option: string, min: number, max: number): number | undefined {
    const v = this.string(option);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      return this.fail(option, v, `must be a whole number from ${min} to ${max}`);
    }
    return Number(v);
  }

  port(option: string): number | undefined {
    return this.int(option, 1, 65535);
  }

  key(option: string, hint: string): string | undefined {
    const v = this.string(option);
    if (v === undefined || isWgKey(v)) return v;
    return this.fail(
      option,
      v,
      `is not a WireGuard key (44 base64 characters for 32 bytes); ${hint}`,
    );
  }

  /** A list of prefixes (`10.0.0.0/24`, a bare address meaning /32 or /128), kept as written. */
  cidrs(option: string): string[] {
    return this.list(option).map((c) => {
      try {
        parseCidr(c);
      } catch {
        this.fail(option, c, "is not an IP prefix like 10.0.0.0/24 or fd00::/64");
      }
      return c;
    });
  }
}
