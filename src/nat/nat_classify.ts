/** NAT mapping and filtering behaviour from STUN observations (RFC 5780 §4.3, §4.4), sans-I/O. */

import type { Endpoint } from "../lib/net.ts";
import type { FilteringBehavior, MappingBehavior } from "./netcheck_report.ts";

/** What one probe got back. */
export type ProbeOutcome =
  | { kind: "answered"; mapped?: Endpoint; from: Endpoint }
  | { kind: "silent" }
  | { kind: "refused"; code: number }
  | { kind: "failed"; error: string };

/** Mapped addresses seen from one local socket. */
export interface MappingObservations {
  /** Test I: mapped address from the primary server address. */
  primary?: Endpoint;
  /** RFC 5780 test II: from the server's alternate IP, primary port. */
  altIp?: Endpoint;
  /** RFC 5780 test III: from the server's alternate IP and port. */
  altIpPort?: Endpoint;
  /** From other servers (their address, what they saw), when no RFC 5780 server exists. */
  others?: { server: Endpoint; mapped: Endpoint }[];
  /** The primary server's address, to tell whether `others` differ by IP or only by port. */
  primaryServer?: Endpoint;
}

const same = (a: Endpoint | undefined, b: Endpoint | undefined) =>
  a !== undefined && b !== undefined && a.host === b.host && a.port === b.port;

/**
 * Mapping behaviour: endpoint-independent when every destination saw the same public endpoint.
 * @example classifyMapping({ primary: m, altIp: m }).mapping // "endpoint-independent"
 */
export function classifyMapping(
  o: MappingObservations,
): { mapping: MappingBehavior; notes: string[] } {
  if (!o.primary) return { mapping: "unknown", notes: [] };
  if (o.altIp) {
    const all = [o.altIp, ...(o.altIpPort ? [o.altIpPort] : [])];
    if (all.every((m) => same(m, o.primary))) return { mapping: "endpoint-independent", notes: [] };
    if (!same(o.altIp, o.primary) && o.altIpPort && same(o.altIp, o.altIpPort)) {
      return { mapping: "address-dependent", notes: [] };
    }
    return { mapping: "address-and-port-dependent", notes: [] };
  }
  const others = o.others ?? [];
  if (others.length === 0) {
    return {
      mapping: "unknown",
      notes: ["Mapping behaviour needs a second STUN server or one with two addresses (RFC 5780)"],
    };
  }
  const differing = others.filter((x) => !same(x.mapped, o.primary));
  if (differing.length === 0) {
    return {
      mapping: "endpoint-independent",
      notes: [`Mapping compared across ${others.length + 1} servers, not RFC 5780 tests`],
    };
  }
  const onlyPort = o.primaryServer !== undefined &&
    differing.every((x) => x.server.host === o.primaryServer!.host);
  return {
    mapping: onlyPort ? "address-and-port-dependent" : "address-dependent",
    notes: onlyPort
      ? []
      : ["Mapping differs between servers; whether it also depends on the port was not tested"],
  };
}

/** Filtering probes from a fresh socket that has only talked to the primary server address. */
export interface FilteringObservations {
  /** Test I from the fresh socket. */
  base: ProbeOutcome;
  /** Test II: CHANGE-REQUEST for the other IP and port. */
  changeBoth?: ProbeOutcome;
  /** Test III: CHANGE-REQUEST for the other port only. */
  changePort?: ProbeOutcome;
}

/**
 * Filtering behaviour (RFC 5780 §4.4): a reply from a never-contacted address gets through or not.
 * @example classifyFiltering({ base, changeBoth: { kind: "silent" }, changePort: { kind: "silent" } })
 */
export function classifyFiltering(
  o: FilteringObservations,
): { filtering: FilteringBehavior; notes: string[] } {
  if (o.base.kind !== "answered") return { filtering: "unknown", notes: [] };
  const both = o.changeBoth?.kind, port = o.changePort?.kind;
  if (both === "refused" || port === "refused") {
    return {
      filtering: "unknown",
      notes: ["The STUN server refused CHANGE-REQUEST, so filtering was not tested"],
    };
  }
  if (both === "answered") return { filtering: "endpoint-independent", notes: [] };
  if (both === "silent" && port === "answered") {
    return { filtering: "address-dependent", notes: [] };
  }
  if (both === "silent" && port === "silent") {
    return {
      filtering: "address-and-port-dependent",
      notes: ["Filtering is judged by missing replies; heavy packet loss would look the same"],
    };
  }
  return { filtering: "unknown", notes: [] };
}

/** Whether the NAT kept the local port (port preservation), when both are known. */
export function portPreserved(
  localPort: number | undefined,
  mapped: Endpoint | undefined,
): boolean | undefined {
  if (localPort === undefined || localPort === 0 || !mapped) return undefined;
  return mapped.port === localPort;
}
