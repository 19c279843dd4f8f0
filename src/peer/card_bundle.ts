/**
 * A bundle of signed cards: the payload of a join response and of peer exchange through the
 * tunnel. Layout: "PB" 0x01 | count u8 | (length u16, card bytes)*. Cards are not verified here.
 */
import { Reader, Writer } from "../lib/bytes.ts";
import { ParseError, UsageError } from "../lib/errors.ts";
import type { SignedCard } from "./peer_card.ts";
import { expectEnd } from "./wire_fields.ts";

const MAGIC = [0x50, 0x42, 0x01]; // "PB", version 1
/** Most cards in one bundle. */
export const MAX_BUNDLE = 64;

/**
 * Encode cards for sending; the receiver offers each to its `CardStore`.
 * @example decodeCardBundle(encodeCardBundle([a, b])).length === 2
 */
export function encodeCardBundle(cards: readonly (SignedCard | Uint8Array)[]): Uint8Array {
  if (cards.length > MAX_BUNDLE) {
    throw new UsageError(`Cannot bundle ${cards.length} cards: at most ${MAX_BUNDLE}`);
  }
  const w = new Writer().bytes(new Uint8Array(MAGIC)).u8(cards.length);
  for (const c of cards) {
    const b = c instanceof Uint8Array ? c : c.bytes;
    if (b.length > 0xffff) throw new UsageError(`Cannot bundle a card of ${b.length} bytes`);
    w.u16(b.length).bytes(b);
  }
  return w.finish();
}

/** Split a bundle into raw card bytes; null when it is not a bundle at all. */
export function decodeCardBundle(bytes: Uint8Array): Uint8Array[] | null {
  if (bytes.length < 3 || bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) return null;
  if (bytes[2] !== MAGIC[2]) {
    throw new ParseError(
      `Cannot read card bundle: version ${bytes[2]} is not supported; update Punch`,
    );
  }
  const r = new Reader(bytes);
  r.skip(3);
  const n = r.u8();
  if (n > MAX_BUNDLE) {
    throw new ParseError(`Cannot read card bundle: ${n} cards is over ${MAX_BUNDLE}`);
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.take(r.u16()).slice());
  expectEnd(r, "card bundle");
  return out;
}
