/**
 * WireGuard in `/etc/config/network`, as netifd's wireguard handler and LuCI read it: a
 * `config interface '<if>'` with `proto wireguard`, and peers in `config wireguard_<if>`
 * sections (usually anonymous). Reads give a validated model; edits are `UciChange` lists
 * that leave every other option, section and byte alone.
 */

import { ParseError, UsageError } from "../lib/errors.ts";
import { parseCidr } from "../lib/net.ts";
import type { UciChange } from "./uci_changes.ts";
import type { UciSection, UciValue } from "./uci_doc.ts";
import { isEndpointHost, isWgKey, OptionReader, parseUciBool } from "./uci_values.ts";

/** Port the handler uses when a peer has `endpoint_host` but no `endpoint_port`. */
export const WG_DEFAULT_PORT = 51820;

/** One `config wireguard_<if>` section. */
export interface WgPeerModel {
  /** Section name; for anonymous sections the `cfgNNHHHH` name (see `anonymousName`). */
  name: string;
  anonymous: boolean;
  /** `""` when unset. */
  description: string;
  publicKey: string;
  presharedKey?: string;
  /** As written: prefixes, or bare addresses meaning /32 or /128. */
  allowedIps: string[];
  endpointHost?: string;
  /** `endpoint_port`, or 51820 when only `endpoint_host` is set. */
  endpointPort?: number;
  /** Seconds; absent or 0 means off. */
  persistentKeepalive?: number;
  routeAllowedIps: boolean;
  disabled: boolean;
  /** The peer's own private key, kept by LuCI for QR export; the handler ignores it. */
  privateKey?: string;
}

/** One `config interface` with `proto wireguard` and its peers. */
export interface WgInterfaceModel {
  name: string;
  /** Base64 key, or `""` when unset or `generate` (newer handlers create one at `ifup`). */
  privateKey: string;
  listenPort?: number;
  addresses: string[];
  mtu?: number;
  fwmark?: number;
  nohostroute: boolean;
  peers: WgPeerModel[];
}

/** What a new peer needs; the rest defaults (no route, enabled). */
export interface WgPeerSpec {
  /** Section name; omit for an anonymous section as LuCI makes. */
  name?: string;
  description?: string;
  publicKey: string;
  presharedKey?: string;
  allowedIps: string[];
  endpointHost?: string;
  endpointPort?: number;
  persistentKeepalive?: number;
  routeAllowedIps?: boolean;
  disabled?: boolean;
}

/** Fields to change on a peer; `null` removes the option. */
export interface WgPeerPatch {
  description?: string | null;
  presharedKey?: string | null;
  allowedIps?: string[];
  endpointHost?: string | null;
  endpointPort?: number | null;
  persistentKeepalive?: number | null;
  routeAllowedIps?: boolean;
  disabled?: boolean;
}

/** What a new interface needs. */
export interface WgInterfaceSpec {
  privateKey: string;
  listenPort?: number;
  addresses: string[];
  mtu?: number;
}

/** The section type of an interface's peers: `wireguard_<ifname>`. */
export function peerSectionType(ifname: string): string {
  return `wireguard_${ifname}`;
}

function readPeer(s: UciSection, ifname: string): WgPeerModel {
  const r = new OptionReader(s, `WireGuard peer "${s.name}" of "${ifname}"`);
  const publicKey = r.key("public_key", 'copy the peer\'s public key from "wg pubkey"') ??
    r.fail("public_key", "", "is missing; every peer needs the public key of the other side");
  const endpointHost = r.string("endpoint_host");
  if (endpointHost !== undefined && !isEndpointHost(endpointHost)) {
    r.fail(
      "endpoint_host",
      endpointHost,
      "is not a host name or IP address (write IPv6 without brackets)",
    );
  }
  const endpointPort = r.port("endpoint_port") ??
    (endpointHost !== undefined ? WG_DEFAULT_PORT : undefined);
  const presharedKey = r.key("preshared_key", 'generate one with "wg genpsk"');
  const persistentKeepalive = r.int("persistent_keepalive", 0, 65535);
  const privateKey = r.key("private_key", "remove the option; the router does not need it");
  return {
    name: s.name,
    anonymous: s.anonymous,
    description: r.string("description") ?? "",
    publicKey,
    ...(presharedKey !== undefined ? { presharedKey } : {}),
    allowedIps: r.cidrs("allowed_ips"),
    ...(endpointHost !== undefined ? { endpointHost } : {}),
    ...(endpointPort !== undefined ? { endpointPort } : {}),
    ...(persistentKeepalive !== undefined ? { persistentKeepalive } : {}),
    routeAllowedIps: r.bool("route_allowed_ips", false),
    disabled: r.bool("disabled", false),
    ...(privateKey !== undefined ? { privateKey } : {}),
  };
}

/**
 * The WireGuard interface `ifname` and its peers, or null when there is no such interface;
 * throws `ParseError` naming the section when an option is invalid.
 */
export function readWireguard(
  sections: readonly UciSection[],
  ifname: string,
): WgInterfaceModel | null {
  const s = sections.find((x) => x.type === "interface" && x.name === ifname);
  if (s === undefined) return null;
  const r = new OptionReader(s, `WireGuard interface "${ifname}"`);
  const proto = r.string("proto") ?? "";
  if (proto !== "wireguard") {
    r.fail(
      "proto",
      proto,
      `is not "wireguard"; this interface is something else, so pick another name for the tunnel`,
    );
  }
  const key = r.string("private_key") ?? "";
  const privateKey = key === "" || key === "generate"
    ? ""
    : r.key("private_key", 'generate one with "wg genkey"')!;
  const listenPort = r.port("listen_port");
  const mtu = r.int("mtu", 68, 65535);
  const fwmark = r.string("fwmark");
  if (fwmark !== undefined && !/^(0x[0-9a-fA-F]{1,8}|\d{1,10})$/.test(fwmark)) {
    r.fail("fwmark", fwmark, "is not a number (decimal or 0x hex)");
  }
  const peers = sections.filter((x) => x.type === peerSectionType(ifname)).map((p) =>
    readPeer(p, ifname)
  );
  const seen = new Map<string, string>();
  for (const p of peers.filter((x) => !x.disabled)) {
    const other = seen.get(p.publicKey);
    if (other !== undefined) {
      throw new ParseError(
        `Cannot read WireGuard peer "${p.name}" of "${ifname}": public_key "${p.publicKey}" is also used by peer "${other}"; remove or disable one of them`,
      );
    }
    seen.set(p.publicKey, p.name);
  }
  return {
    name: ifname,
    privateKey,
    ...(listenPort !== undefined ? { listenPort } : {}),
    addresses: r.cidrs("addresses"),
    ...(mtu !== undefined ? { mtu } : {}),
    ...(fwmark !== undefined ? { fwmark: Number(fwmark) } : {}),
    nohostroute: r.bool("nohostroute", false),
    peers,
  };
}

function checkSpec(what: string, p: Partial<WgPeerSpec>): void {
  const bad = (why: string): never => {
    throw new UsageError(`Cannot ${what}: ${why}`);
  };
  if (p.publicKey !== undefined && !isWgKey(p.publicKey)) {
    bad(`public key "${p.publicKey}" is not a WireGuard key`);
  }
  if (p.presharedKey !== undefined && !isWgKey(p.presharedKey)) {
    bad("the preshared key is not a WireGuard key");
  }
  if (p.endpointHost !== undefined && !isEndpointHost(p.endpointHost)) {
    bad(`endpoint host "${p.endpointHost}" is not valid`);
  }
  const port = p.endpointPort;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    bad(`endpoint port ${port} is not 1..65535`);
  }
  const ka = p.persistentKeepalive;
  if (ka !== undefined && !(Number.isInteger(ka) && ka >= 0 && ka <= 65535)) {
    bad(`keepalive ${ka} is not 0..65535`);
  }
  for (const c of p.allowedIps ?? []) {
    try {
      parseCidr(c);
    } catch {
      bad(`"${c}" is not an IP prefix like 10.0.0.0/24`);
    }
  }
}

const bool = (b: boolean) => (b ? "1" : "0");

/** Changes that add one peer section, options in LuCI's order. */
export function addPeerChanges(ifname: string, peer: WgPeerSpec): UciChange[] {
  checkSpec(`add a peer to "${ifname}"`, peer);
  const values: Record<string, UciValue> = {};
  if (peer.description) values.description = peer.description;
  values.public_key = peer.publicKey;
  if (peer.presharedKey !== undefined) values.preshared_key = peer.presharedKey;
  values.allowed_ips = [...peer.allowedIps];
  values.route_allowed_ips = bool(peer.routeAllowedIps ?? false);
  if (peer.endpointHost !== undefined) values.endpoint_host = peer.endpointHost;
  if (peer.endpointPort !== undefined) values.endpoint_port = String(peer.endpointPort);
  if (peer.persistentKeepalive !== undefined) {
    values.persistent_keepalive = String(peer.persistentKeepalive);
  }
  if (peer.disabled) values.disabled = "1";
  const add: UciChange = { op: "add", type: peerSectionType(ifname), values };
  return [peer.name === undefined ? add : { ...add, name: peer.name }];
}

/** The peer sections of `ifname` whose name or public key is `nameOrKey`. */
export function findPeerSections(
  sections: readonly UciSection[],
  ifname: string,
  nameOrKey: string,
): UciSection[] {
  return sections.filter((s) =>
    s.type === peerSectionType(ifname) &&
    (s.name === nameOrKey || s.options.public_key === nameOrKey)
  );
}

/** Changes that delete the peers matching a section name or public key (none: `[]`). */
export function removePeerChanges(
  sections: readonly UciSection[],
  ifname: string,
  nameOrKey: string,
): UciChange[] {
  return findPeerSections(sections, ifname, nameOrKey).map((s) => ({
    op: "delete",
    section: s.name,
  }));
}

/** Changes that update one peer; only options whose value differs are touched. */
export function updatePeerChanges(
  sections: readonly UciSection[],
  ifname: string,
  nameOrKey: string,
  patch: WgPeerPatch,
): UciChange[] {
  const what = `update peer "${nameOrKey}" of "${ifname}"`;
  const found = findPeerSections(sections, ifname, nameOrKey);
  if (found.length !== 1) {
    throw new UsageError(
      found.length === 0
        ? `Cannot ${what}: there is no such peer; list peers to find its name or public key`
        : `Cannot ${what}: ${found.length} peers match; use the section name instead`,
    );
  }
  const s = found[0]!;
  checkSpec(
    what,
    Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null)) as Partial<WgPeerSpec>,
  );
  const out: UciChange[] = [];
  const put = (option: string, value: UciValue | null | undefined) => {
    if (value === undefined) return;
    const old = s.options[option];
    if (value === null || value === "" || (Array.isArray(value) && value.length === 0)) {
      if (old !== undefined) out.push({ op: "delete", section: s.name, option });
    } else if (JSON.stringify(old) !== JSON.stringify(value)) {
      out.push({ op: "set", section: s.name, option, value });
    }
  };
  const num = (n: number | null | undefined) => (n === undefined || n === null ? n : String(n));
  put("description", patch.description);
  put("preshared_key", patch.presharedKey);
  put("allowed_ips", patch.allowedIps === undefined ? undefined : [...patch.allowedIps]);
  put("endpoint_host", patch.endpointHost);
  put("endpoint_port", num(patch.endpointPort));
  put("persistent_keepalive", num(patch.persistentKeepalive));
  const flag = (option: string, want: boolean | undefined, whenFalse: string | null) => {
    const old = s.options[option];
    const now = typeof old === "string" ? parseUciBool(old) ?? false : false;
    if (want !== undefined && want !== now) put(option, want ? "1" : whenFalse);
  };
  flag("route_allowed_ips", patch.routeAllowedIps, "0");
  flag("disabled", patch.disabled, null);
  return out;
}

/** Changes that create `config interface '<ifname>'` with `proto wireguard`. */
export function createInterfaceChanges(ifname: string, spec: WgInterfaceSpec): UciChange[] {
  const what = `create WireGuard interface "${ifname}"`;
  if (!isWgKey(spec.privateKey)) {
    throw new UsageError(`Cannot ${what}: the private key is not a WireGuard key`);
  }
  checkSpec(what, {
    allowedIps: spec.addresses,
    ...(spec.listenPort !== undefined ? { endpointPort: spec.listenPort } : {}),
  });
  const values: Record<string, UciValue> = { proto: "wireguard", private_key: spec.privateKey };
  if (spec.listenPort !== undefined) values.listen_port = String(spec.listenPort);
  values.addresses = [...spec.addresses];
  if (spec.mtu !== undefined) values.mtu = String(spec.mtu);
  return [{ op: "add", type: "interface", name: ifname, values }];
}
