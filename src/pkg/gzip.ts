// gzip members (RFC 1952) around a raw deflate stream, with the fixed header of `gzip -n`.
import { ParseError } from "../lib/errors.ts";
import { crc32 } from "../lib/crc32.ts";

/** Compresses bytes to a raw deflate stream (RFC 1951); see `compress_deno.ts` or `deflateStored`. */
export type DeflateRaw = (data: Uint8Array) => Promise<Uint8Array>;
/** Inflates a raw deflate stream; must ignore nothing and fail on a damaged stream. */
export type InflateRaw = (data: Uint8Array) => Promise<Uint8Array>;

const ID1 = 0x1f;
const ID2 = 0x8b;
const CM_DEFLATE = 8;
const OS_UNIX = 3;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const FHCRC = 2;

export { crc32 };

/** XFL values: 2 = maximum compression (`gzip -9`), 0 = other levels. */
export const XFL_DEFAULT = 0;
export const XFL_BEST = 2;

/**
 * Wraps a raw deflate stream as one gzip member with `gzip -n`'s header: no name, mtime 0,
 * XFL (0, or 2 for level 9), OS 3 (Unix).
 * @example gzipWrap(await deflateRaw(data), data)
 */
export function gzipWrap(
  deflated: Uint8Array,
  original: Uint8Array,
  xfl = XFL_DEFAULT,
): Uint8Array {
  const out = new Uint8Array(10 + deflated.length + 8);
  out.set([ID1, ID2, CM_DEFLATE, 0, 0, 0, 0, 0, xfl, OS_UNIX]);
  out.set(deflated, 10);
  const v = new DataView(out.buffer);
  v.setUint32(10 + deflated.length, crc32(original), true);
  v.setUint32(14 + deflated.length, original.length >>> 0, true);
  return out;
}

/** gzip-compresses bytes with the given deflater, deterministic like `gzip -n`. */
export async function gzip(
  data: Uint8Array,
  deflate: DeflateRaw,
  xfl = XFL_DEFAULT,
): Promise<Uint8Array> {
  return gzipWrap(await deflate(data), data, xfl);
}

/**
 * Splits a single-member gzip file into its raw deflate body and trailer fields; `RangeError`
 * when truncated, `ParseError` when it is not gzip.
 */
export function gzipUnwrap(gz: Uint8Array): { body: Uint8Array; crc: number; size: number } {
  if (gz.length < 18) {
    throw new RangeError(`Truncated gzip: ${gz.length} bytes is shorter than a header and trailer`);
  }
  if (gz[0] !== ID1 || gz[1] !== ID2 || gz[2] !== CM_DEFLATE) {
    throw new ParseError("Cannot read gzip: the magic bytes 1f 8b 08 are missing");
  }
  const flags = gz[3]!;
  let off = 10;
  const v = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
  if (flags & FEXTRA) off += 2 + v.getUint16(off, true);
  for (const f of [FNAME, FCOMMENT]) {
    if (flags & f) {
      const end = gz.indexOf(0, off);
      if (end < 0) throw new RangeError("Truncated gzip: header string has no end");
      off = end + 1;
    }
  }
  if (flags & FHCRC) off += 2;
  if (off + 8 > gz.length) throw new RangeError("Truncated gzip: no room for the trailer");
  return {
    body: gz.subarray(off, gz.length - 8),
    crc: v.getUint32(gz.length - 8, true),
    size: v.getUint32(gz.length - 4, true),
  };
}

/** Inflate, turning the runtime's error for a damaged stream into a `ParseError`. */
export async function inflateOrFail(
  inflate: InflateRaw,
  body: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  try {
    return await inflate(body);
  } catch (e) {
    throw new ParseError(
      `Cannot read ${what}: the compressed data is damaged (${(e as Error).message})`,
    );
  }
}

/** Decompresses a single-member gzip file and checks its CRC-32 and length. */
export async function gunzip(gz: Uint8Array, inflate: InflateRaw): Promise<Uint8Array> {
  const { body, crc, size } = gzipUnwrap(gz);
  const data = await inflateOrFail(inflate, body, "gzip");
  if (crc32(data) !== crc || (data.length >>> 0) !== size) {
    throw new ParseError(`Cannot read gzip: CRC or length mismatch (${data.length} bytes)`);
  }
  return data;
}

/**
 * A raw deflate stream of stored (uncompressed) blocks: deterministic across zlib versions, so
 * byte-exact test vectors do not depend on the compressor.
 */
export function deflateStored(data: Uint8Array): Uint8Array {
  const MAX = 0xffff;
  const n = Math.max(1, Math.ceil(data.length / MAX));
  const out = new Uint8Array(data.length + n * 5);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * MAX, Math.min(data.length, (i + 1) * MAX));
    out[o++] = i === n - 1 ? 1 : 0; // BFINAL on the last block, BTYPE 00 (stored)
    out[o++] = chunk.length & 0xff;
    out[o++] = chunk.length >>> 8;
    out[o++] = ~chunk.length & 0xff;
    out[o++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o);
    o += chunk.length;
  }
  return out;
}
