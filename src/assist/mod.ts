/**
 * LAN hole-punch assist: the router takes part in hole punching for the LAN hosts behind it.
 *
 * Each LAN host that runs WireGuard gets a unique public port ({@link allocatePublicPort}: its
 * own port when free, else the next free one; ports the router listens on itself are never
 * given). For each remote endpoint the host talks to, the router installs
 * - a DNAT pinhole admitting only `REMOTE:RPORT → WAN:PUBLICPORT`, to `LANHOST:LANPORT`,
 * - the forward accept for exactly that flow, inside fw4's `forward_wan`,
 * - SNAT `LANHOST:LANPORT → REMOTE:RPORT` to `WAN:PUBLICPORT` (the mapping is known in advance),
 * and deletes the conntrack entries that would shadow the mapping.
 *
 * Daemon use:
 * ```ts
 * const applier = new AssistApplier(localExec, { includes: fileIncludes(FW4_INCLUDE_DIR) });
 * const ops = planAssist(state, await applier.listInstalled()); // or applier.sync(state)
 * await applier.apply(ops);
 * const endpoint = { host: state.wanAddress, port: publicPorts(state).get("nas")! }; // for the peer card
 * ```
 * See docs/lan-assist.md for the rules and how they survive `fw4 reload`.
 * @module
 */

export {
  allocatePublicPort,
  assignPublicPorts,
  MAX_PUBLIC_PORT,
  MIN_PUBLIC_PORT,
} from "./ports.ts";
export type { PortConstraints, PortedHost } from "./ports.ts";
export { ASSIST_CHAINS, renderRules, ruleTag, TAG_PREFIX } from "./rules.ts";
export type { AssistChain, DesiredRule, Mapping } from "./rules.ts";
export {
  conntrackFilterArgs,
  matchesFilter,
  parseConntrackList,
  selectEntries,
  shadowingFilters,
} from "./conntrack.ts";
export type { ConntrackEntry, ConntrackFilter } from "./conntrack.ts";
export { parseNftListing } from "./nft_listing.ts";
export type { ListedRule } from "./nft_listing.ts";
export {
  desiredRules,
  mappingsOf,
  parseRuleTag,
  planAssist,
  planRemoveAll,
  publicPorts,
} from "./plan.ts";
export type { AssistHost, AssistRemote, AssistState, InstalledRule, Operation } from "./plan.ts";
export {
  FW4_INCLUDE_DIR,
  FW4_LAYOUT,
  hookProblem,
  includeFiles,
  installedFrom,
  JUMP_TAG,
  operationScript,
  OWN_TABLE_LAYOUT,
  setupScript,
  teardownScript,
} from "./layout.ts";
export type { AssistLayout } from "./layout.ts";
export { renderHostConfig } from "./host_config.ts";
export type { HostConfig, HostConfigPeer } from "./host_config.ts";
export {
  AssistApplier,
  AssistHookError,
  fileIncludes,
  firstError,
  localExec,
} from "./assist_deno.ts";
export type { ApplierOptions, Exec, ExecResult, IncludeWriter } from "./assist_deno.ts";
