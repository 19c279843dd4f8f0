/**
 * `/etc/config/punch`: the `config punch 'main'` section with typed defaults. Other sections
 * (later `config lanhost`, `config peer`, ...) are not read here and survive every edit.
 *
 * ```
 * config punch 'main'
 * 	option interface 'wg0'
 * 	option listen_port '51820'
 * 	option tunnel_prefix '10.77.0.0/16'
 * 	list stun_server 'stun.l.google.com:19302'
 * 	option stun_port '0'
 * 	option web_port '8451'
 * 	option name 'home'
 * 	option dns_domain 'punch'
 * 	option tunnel_input 'restricted'
 * ```
 */

import { ParseError, UsageError } from "../lib/errors.ts";
import { formatCidr, networkOf, parseCidr, parseEndpoint } from "../lib/net.ts";
import type { UciChange } from "./uci_changes.ts";
import { NAME_RE, type UciSection, type UciValue } from "./uci_doc.ts";
import { OptionReader } from "./uci_values.ts";

/** The settings of the `main` section. */
export interface PunchConfig {
  /** WireGuard interface section (and Linux device) Punch manages. */
  interface: string;
  listenPort: number;
  /** Where tunnel addresses come from, normalized to its network address. */
  tunnelPrefix: string;
  /** `host:port` (port defaults to 3478 when absent; parse with `parseEndpoint(s, 3478)`). */
  stunServers: string[];
  /** Port of Punch's own STUN responder; 0 = off. */
  stunPort: number;
  /** Port of the web UI; 0 = off. */
  webPort: number;
  /** Name this router shows to peers; `""` = use the system hostname. */
  name: string;
  /** Domain under which peers resolve from the LAN (`NAME.punch`); `none` = off. */
  dnsDomain: string;
  /**
   * What peers (and their LAN hosts) may reach on this router through the tunnel: "restricted"
   * = ping and the control port only; "accept" = every local service.
   */
  tunnelInput: TunnelInput;
}

export type TunnelInput = "accept" | "restricted";

/** Name of the section Punch reads and writes. */
export const PUNCH_SECTION = "main";
export const PUNCH_TYPE = "punch";
/** Port STUN servers listen on when `stun_server` has none (RFC 8489 §6). */
export const STUN_DEFAULT_PORT = 3478;

/** Defaults for a real router; the STUN servers are public ones, never contacted in tests. */
export const PUNCH_DEFAULTS: Readonly<PunchConfig> = Object.freeze({
  interface: "wg0",
  listenPort: 51820,
  tunnelPrefix: "10.77.0.0/16",
  stunServers: Object.freeze([
    "stun.l.google.com:19302",
    "stun.cloudflare.com:3478",
  ]) as unknown as string[],
  stunPort: 0,
  webPort: 8451,
  name: "",
  dnsDomain: "punch",
  tunnelInput: "restricted",
});

/** `dns_domain` value that turns the peer names in DNS off. */
export const DNS_DOMAIN_OFF = "none";

/** UCI option of each field (docs/config.md documents each; a test keeps them in step). */
export const PUNCH_OPTIONS: Readonly<Record<keyof PunchConfig, string>> = {
  interface: "interface",
  listenPort: "listen_port",
  tunnelPrefix: "tunnel_prefix",
  stunServers: "stun_server",
  stunPort: "stun_port",
  webPort: "web_port",
  name: "name",
  dnsDomain: "dns_domain",
  tunnelInput: "tunnel_input",
};

/** The `main` section, else the first `punch` section. */
function mainSection(sections: readonly UciSection[]): UciSection | undefined {
  return sections.find((s) => s.name === PUNCH_SECTION) ??
    sections.find((s) => s.type === PUNCH_TYPE);
}

/** Validate one field's text; returns the normalized value or a reason. */
function check(field: keyof PunchConfig, text: string): { ok: string } | { why: string } {
  switch (field) {
    case "interface":
      return NAME_RE.test(text) && text.length <= 15
        ? { ok: text }
        : { why: "must be 1 to 15 letters, digits or _ (a Linux interface name)" };
    case "tunnelPrefix": {
      try {
        const c = parseCidr(text);
        if (c.prefix > (c.family === 4 ? 30 : 126)) {
          return { why: "is too small to hold tunnel addresses" };
        }
        return { ok: formatCidr(networkOf(c)) };
      } catch {
        return { why: "is not an IP prefix like 10.77.0.0/16" };
      }
    }
    case "stunServers":
      try {
        parseEndpoint(text, STUN_DEFAULT_PORT);
        return { ok: text };
      } catch {
        return { why: "is not a STUN server like stun.example.org:3478" };
      }
    case "dnsDomain":
      return text === DNS_DOMAIN_OFF || (text.length <= 200 &&
          /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(text))
        ? { ok: text }
        : { why: `must be a DNS domain like "punch" or "home.arpa" (lowercase), or "none"` };
    case "tunnelInput":
      return text === "accept" || text === "restricted"
        ? { ok: text }
        : { why: 'must be "accept" or "restricted"' };
    case "name":
      // deno-lint-ignore no-control-regex
      return text.length <= 63 && !/[\x00-\x1f\x7f]/.test(text)
        ? { ok: text }
        : { why: "must be at most 63 printable characters" };
    default: {
      const min = field === "listenPort" ? 1 : 0;
      return /^\d{1,5}$/.test(text) && Number(text) >= min && Number(text) <= 65535
        ? { ok: text }
        : { why: `must be a whole number from ${min} to 65535` };
    }
  }
}

/** Read the `main` section with defaults for whatever is absent; throws `ParseError` if invalid. */
export function readPunchConfig(sections: readonly UciSection[]): PunchConfig {
  const s = mainSection(sections);
  const cfg: PunchConfig = { ...PUNCH_DEFAULTS, stunServers: [...PUNCH_DEFAULTS.stunServers] };
  if (s === undefined) return cfg;
  const r = new OptionReader(s, `punch settings "${s.name}"`);
  if (s.type !== PUNCH_TYPE) {
    r.fail("type", s.type, `is not "${PUNCH_TYPE}"; rename the section or fix its type`);
  }
  const text = (field: keyof PunchConfig): string | undefined => {
    const v = r.string(PUNCH_OPTIONS[field]);
    if (v === undefined) return undefined;
    const c = check(field, v);
    return "ok" in c ? c.ok : r.fail(PUNCH_OPTIONS[field], v, c.why);
  };
  const num = (field: "listenPort" | "stunPort" | "webPort") => Number(text(field) ?? cfg[field]);
  cfg.interface = text("interface") ?? cfg.interface;
  cfg.listenPort = num("listenPort");
  cfg.tunnelPrefix = text("tunnelPrefix") ?? cfg.tunnelPrefix;
  cfg.stunPort = num("stunPort");
  cfg.webPort = num("webPort");
  cfg.name = text("name") ?? cfg.name;
  cfg.dnsDomain = text("dnsDomain") ?? cfg.dnsDomain;
  cfg.tunnelInput = (text("tunnelInput") as TunnelInput | undefined) ?? cfg.tunnelInput;
  if (r.raw("stun_server") !== undefined) {
    cfg.stunServers = r.list("stun_server").map((v) => {
      const c = check("stunServers", v);
      return "ok" in c ? c.ok : r.fail("stun_server", v, c.why);
    });
  }
  return cfg;
}

/**
 * Changes that store `patch` in the `main` section (created when missing); fields equal to
 * what is stored are skipped. Throws `UsageError` for an invalid value.
 */
export function punchConfigChanges(
  sections: readonly UciSection[],
  patch: Partial<PunchConfig>,
): UciChange[] {
  const values: Record<string, UciValue> = {};
  for (
    const [field, value] of Object.entries(patch) as [
      keyof PunchConfig,
      PunchConfig[keyof PunchConfig],
    ][]
  ) {
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [String(value)];
    for (const item of items) {
      const c = check(field, item);
      if ("why" in c) {
        throw new UsageError(`Cannot set punch ${PUNCH_OPTIONS[field]} to "${item}": it ${c.why}`);
      }
    }
    values[PUNCH_OPTIONS[field]] = Array.isArray(value) ? [...value] : String(value);
  }
  const s = mainSection(sections);
  if (s === undefined) return [{ op: "add", type: PUNCH_TYPE, name: PUNCH_SECTION, values }];
  return Object.entries(values)
    .filter(([option, v]) => JSON.stringify(s.options[option]) !== JSON.stringify(v))
    .map(([option, value]) => ({ op: "set", section: s.name, option, value }));
}

/**
 * `option relay` of the main section: whether this router relays for the other members of its
 * mesh (default on; `'0'` refuses). Throws `ParseError` for a value that is not a UCI boolean.
 * @example readRelayOption([]) // true
 */
export function readRelayOption(sections: readonly UciSection[]): boolean {
  const v = mainSection(sections)?.options["relay"];
  if (v === undefined) return true;
  if (typeof v === "string" && /^(1|on|yes|true|enabled)$/.test(v)) return true;
  if (typeof v === "string" && /^(0|off|no|false|disabled)$/.test(v)) return false;
  throw new ParseError(
    `Cannot read punch option relay "${String(v)}": use '1' to relay for the mesh or '0' to refuse`,
  );
}
