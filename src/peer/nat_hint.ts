/**
 * What a router's card says about the NAT in front of it (sans-I/O): enough for the other side to
 * tell early that no direct IPv4 path can exist, so it asks for a relay at once instead of
 * waiting for a handshake that cannot come. One byte on the wire:
 *   bits 0–1 mapping, bits 2–3 filtering (0 unknown, 1 endpoint-independent, 2 address-dependent,
 *   3 address-and-port-dependent), bit 4 reachable (a stranger's first packet gets in: public
 *   address, a NAT that lets anyone through, or open IPv6); bits 5–7 zero.
 */
import { ParseError } from "../lib/errors.ts";

/** How a NAT maps or filters, as netcheck tells it (RFC 4787 terms). */
export type NatBehaviour =
  | "unknown"
  | "endpoint-independent"
  | "address-dependent"
  | "address-and-port-dependent";

export interface NatHint {
  readonly mapping: NatBehaviour;
  readonly filtering: NatBehaviour;
  readonly reachable: boolean;
}

const CODES: readonly NatBehaviour[] = [
  "unknown",
  "endpoint-independent",
  "address-dependent",
  "address-and-port-dependent",
];

/** The hint as one byte; 0 means "nothing known" (a card then leaves the field out). */
export function encodeNatHint(h: NatHint): number {
  return CODES.indexOf(h.mapping) | CODES.indexOf(h.filtering) << 2 | (h.reachable ? 16 : 0);
}

/** The byte back; `ParseError` for bits that must be zero. */
export function decodeNatHint(b: number): NatHint {
  if ((b & ~0x1f) !== 0) {
    throw new ParseError(`Cannot read NAT hint 0x${b.toString(16)}: unknown bits`);
  }
  return {
    mapping: CODES[b & 3]!,
    filtering: CODES[(b >> 2) & 3]!,
    reachable: (b & 16) !== 0,
  };
}

/** The mapping depends on the destination: the port the other side sees cannot be guessed. */
function hardMapping(h: NatHint): boolean {
  return h.mapping === "address-dependent" || h.mapping === "address-and-port-dependent";
}

/**
 * True when the two hints together rule out a direct IPv4 path: neither side reachable, and a
 * side whose mapping depends on the destination meets a NAT that filters by port (or the same
 * kind of mapping). Unknown answers never rule anything out.
 * @example directHopeless(sym, sym) // true for two symmetric NATs
 */
export function directHopeless(a: NatHint | undefined, b: NatHint | undefined): boolean {
  if (a === undefined || b === undefined || a.reachable || b.reachable) return false;
  const blocks = (hard: NatHint, other: NatHint) =>
    hardMapping(hard) && (hardMapping(other) || other.filtering === "address-and-port-dependent");
  return blocks(a, b) || blocks(b, a);
}
