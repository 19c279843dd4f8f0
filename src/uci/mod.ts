/**
 * UCI: the text codec for `/etc/config/*` files (byte-exact round trip, minimal edits) and
 * typed schemas for WireGuard, the LAN/WAN interfaces and Punch's own settings. No I/O.
 */

export {
  anonymousName,
  findSection,
  sections,
  sectionsOfType,
  type UciDoc,
  type UciNode,
  type UciSection,
  type UciValue,
} from "./uci_doc.ts";
export { parseUci } from "./uci_parse.ts";
export { quoteUci, writeUci } from "./uci_write.ts";
export { applyChanges, type UciChange } from "./uci_changes.ts";
export { isEndpointHost, isWgKey, parseUciBool } from "./uci_values.ts";
export {
  addPeerChanges,
  createInterfaceChanges,
  findPeerSections,
  peerSectionType,
  readWireguard,
  removePeerChanges,
  updatePeerChanges,
  WG_DEFAULT_PORT,
  type WgInterfaceModel,
  type WgInterfaceSpec,
  type WgPeerModel,
  type WgPeerPatch,
  type WgPeerSpec,
} from "./wireguard_schema.ts";
export { type LanWan, netmaskToPrefix, readLanWan } from "./network_schema.ts";
export {
  DNS_DOMAIN_OFF,
  PUNCH_DEFAULTS,
  PUNCH_OPTIONS,
  PUNCH_SECTION,
  PUNCH_TYPE,
  type PunchConfig,
  punchConfigChanges,
  readPunchConfig,
  readRelayOption,
  STUN_DEFAULT_PORT,
} from "./punch_schema.ts";
export { PUNCH_DEFAULT_FILE } from "./punch_default.ts";
