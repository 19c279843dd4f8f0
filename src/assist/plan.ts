/** Desired LAN-assist state → mappings → rules, diffed against the installed rules into operations. */

import { UsageError } from "../lib/errors.ts";
import type { Endpoint } from "../lib/net.ts";
import { type ConntrackFilter, shadowingFilters } from "./conntrack.ts";
import { assignPublicPorts } from "./ports.ts";
import {
  type AssistChain,
  type DesiredRule,
  type Mapping,
  renderRules,
  TAG_PREFIX,
} from "./rules.ts";

/** A LAN host that runs WireGuard (`punchctl lan add HOST[:PORT] --name NAME`). */
export interface AssistHost {
  readonly name: string;
  readonly address: string;
  /** The port the host's WireGuard listens on. */
  readonly port: number;
  /** The public port already published for it; allocated when absent. */
  readonly publicPort?: number;
}

/** One remote endpoint one LAN host talks to (a peer's LAN host, or `--remote IP:PORT`). */
export interface AssistRemote {
  /** Name of the LAN host. */
  readonly host: string;
  readonly remote: Endpoint;
}

/** Everything the planner needs. */
export interface AssistState {
  /** The router's public (WAN) IPv4 address. */
  readonly wanAddress: string;
  readonly hosts: readonly AssistHost[];
  readonly remotes: readonly AssistRemote[];
  /** Ports the router itself receives on (its own WireGuard listen port, …): never handed out. */
  readonly reservedPorts?: readonly number[];
}

/** A Punch rule found in the live ruleset. */
export interface InstalledRule {
  readonly chain: AssistChain;
  readonly handle: number;
  readonly tag: string;
}

/** One step of bringing the live state to the desired one; only the applier does I/O. */
export type Operation =
  | {
    readonly kind: "delete-rule";
    readonly chain: AssistChain;
    readonly handle: number;
    readonly tag: string;
  }
  | {
    readonly kind: "add-rule";
    readonly chain: AssistChain;
    readonly tag: string;
    readonly text: string;
  }
  | { readonly kind: "flush-conntrack"; readonly filter: ConntrackFilter };

/** The public port of every host, by name (what the remote side must use as endpoint port). */
export function publicPorts(state: AssistState): Map<string, number> {
  return assignPublicPorts(state.hosts, state.reservedPorts ?? []);
}

/** One mapping per (host, remote) pair, duplicates dropped. */
export function mappingsOf(state: AssistState): Mapping[] {
  const ports = publicPorts(state);
  const byName = new Map(state.hosts.map((h) => [h.name, h]));
  const out = new Map<string, Mapping>();
  for (const r of state.remotes) {
    const h = byName.get(r.host);
    if (!h) {
      throw new UsageError(
        `Cannot set up a pinhole to "${r.remote.host}:${r.remote.port}": no LAN host named "${r.host}"; add it with punchctl lan add`,
      );
    }
    const m: Mapping = {
      name: h.name,
      lanAddress: h.address,
      lanPort: h.port,
      remoteAddress: r.remote.host,
      remotePort: r.remote.port,
      wanAddress: state.wanAddress,
      publicPort: ports.get(h.name)!,
    };
    out.set(`${m.lanAddress}:${m.lanPort} ${m.remoteAddress}:${m.remotePort}`, m);
  }
  return [...out.values()];
}

/** Every rule the state asks for. */
export function desiredRules(state: AssistState): DesiredRule[] {
  return mappingsOf(state).flatMap(renderRules);
}

/**
 * The operations that turn `installed` into the desired rule set: deletions first, then
 * additions, then conntrack flushes for every mapping that was added or removed (so no stale
 * entry shadows a new mapping and none outlives a removed one). An unchanged state gives `[]`.
 */
export function planAssist(state: AssistState, installed: readonly InstalledRule[]): Operation[] {
  const desired = desiredRules(state);
  const want = new Set(desired.map((r) => `${r.chain}|${r.tag}`));
  const have = new Set<string>();
  const deletes: Operation[] = [], adds: Operation[] = [];
  const touched: Mapping[] = [];
  for (const r of installed) {
    const key = `${r.chain}|${r.tag}`;
    if (want.has(key) && !have.has(key)) {
      have.add(key);
      continue;
    }
    deletes.push({ kind: "delete-rule", chain: r.chain, handle: r.handle, tag: r.tag });
    const m = parseRuleTag(r.tag);
    if (m) touched.push(m);
  }
  const mappings = mappingsOf(state);
  for (const r of desired) {
    if (have.has(`${r.chain}|${r.tag}`)) continue;
    adds.push({ kind: "add-rule", chain: r.chain, tag: r.tag, text: r.text });
  }
  for (const m of mappings) {
    if (renderRules(m).some((r) => !have.has(`${r.chain}|${r.tag}`))) touched.push(m);
  }
  return [...deletes, ...adds, ...flushesFor(touched)];
}

/** The operations that remove every installed rule and the conntrack entries of their mappings. */
export function planRemoveAll(installed: readonly InstalledRule[]): Operation[] {
  const deletes: Operation[] = installed.map((r) => ({
    kind: "delete-rule",
    chain: r.chain,
    handle: r.handle,
    tag: r.tag,
  }));
  const touched = installed.map((r) => parseRuleTag(r.tag)).filter((m): m is Mapping => m !== null);
  return [...deletes, ...flushesFor(touched)];
}

function flushesFor(mappings: readonly Mapping[]): Operation[] {
  const seen = new Set<string>();
  const out: Operation[] = [];
  for (const m of mappings) {
    for (const filter of shadowingFilters(m)) {
      const key = JSON.stringify(filter);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ kind: "flush-conntrack", filter });
    }
  }
  return out;
}

const TAG = new RegExp(
  `^${TAG_PREFIX} (dstnat|forward|srcnat) ([\\d.]+):(\\d+) ([\\d.]+):(\\d+) ([\\d.]+):(\\d+)$`,
);

/** The mapping a rule comment names, or null when the comment is not a Punch rule tag. */
export function parseRuleTag(tag: string): Mapping | null {
  const t = TAG.exec(tag);
  if (!t) return null;
  return {
    name: "",
    lanAddress: t[2]!,
    lanPort: Number(t[3]),
    remoteAddress: t[4]!,
    remotePort: Number(t[5]),
    wanAddress: t[6]!,
    publicPort: Number(t[7]),
  };
}
