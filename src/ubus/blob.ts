// blob_attr: the TLV under every ubus message (libubox@1aa36ee:blob.h, blob.c).
// Header is one be32: bit 31 EXTENDED, bits 24-30 id, bits 0-23 length including the
// 4-byte header but excluding padding; every attribute is zero-padded to 4 bytes.
import type { Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import {
  BLOB_ATTR_ALIGN,
  BLOB_ATTR_EXTENDED,
  BLOB_ATTR_HDR_LEN,
  BLOB_ATTR_ID_MASK,
  BLOB_ATTR_ID_SHIFT,
  BLOB_ATTR_LEN_MASK,
} from "./constants.ts";

/** One decoded blob attribute; `payload` excludes header and padding. */
export interface BlobAttr {
  id: number;
  extended: boolean;
  payload: Uint8Array;
}

/** Round `n` up to the blob alignment (libubox `BLOB_ATTR_ALIGN`). */
export function blobPad(n: number): number {
  return (n + BLOB_ATTR_ALIGN - 1) & ~(BLOB_ATTR_ALIGN - 1);
}

/** Build the be32 header word of an attribute whose unpadded length is `rawLen`. */
export function blobHeader(id: number, rawLen: number, extended: boolean): number {
  if (id < 0 || id > 0x7f) throw new RangeError(`Blob id "${id}" is outside 0..127`);
  if (rawLen > BLOB_ATTR_LEN_MASK) {
    throw new RangeError(`Blob length "${rawLen}" exceeds 24 bits: send less data`);
  }
  return ((extended ? BLOB_ATTR_EXTENDED : 0) | (id << BLOB_ATTR_ID_SHIFT) | rawLen) >>> 0;
}

/** Start an attribute whose length is patched by `endBlob`; returns the header offset. */
export function startBlob(w: Writer, id: number, extended: boolean): number {
  const at = w.pos;
  w.u32(blobHeader(id, 0, extended));
  return at;
}

/** Patch the header written by `startBlob` and pad the attribute to 4 bytes. */
export function endBlob(w: Writer, at: number, id: number, extended: boolean): void {
  const rawLen = w.pos - at;
  w.patchU32(at, blobHeader(id, rawLen, extended));
  w.zeros(blobPad(rawLen) - rawLen);
}

/** Write one complete attribute with the given payload, padded. */
export function writeBlob(w: Writer, id: number, payload: Uint8Array, extended = false): void {
  const at = startBlob(w, id, extended);
  w.bytes(payload);
  endBlob(w, at, id, extended);
}

/** Decode the header word at `offset`: id, extended bit and unpadded length. */
export function readBlobHeader(
  bytes: Uint8Array,
  offset: number,
): { id: number; extended: boolean; len: number } {
  if (offset + BLOB_ATTR_HDR_LEN > bytes.length) {
    throw new RangeError(`Truncated blob header at offset ${offset}`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
  return {
    id: (v & BLOB_ATTR_ID_MASK) >>> BLOB_ATTR_ID_SHIFT,
    extended: (v & BLOB_ATTR_EXTENDED) !== 0,
    len: v & BLOB_ATTR_LEN_MASK,
  };
}

/**
 * Split the payload of a container into its child attributes.
 * @example parseBlobAttrs(fromHex("0100000800000000")) // [{ id: 1, extended: false, payload: 00000000 }]
 */
export function parseBlobAttrs(bytes: Uint8Array): BlobAttr[] {
  const out: BlobAttr[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < BLOB_ATTR_HDR_LEN) {
      throw new ParseError(`Malformed blob: ${bytes.length - off} stray bytes at offset ${off}`);
    }
    const h = readBlobHeader(bytes, off);
    if (h.len < BLOB_ATTR_HDR_LEN) {
      throw new ParseError(
        `Malformed blob: attribute length "${h.len}" is below 4 at offset ${off}`,
      );
    }
    if (off + h.len > bytes.length) {
      throw new ParseError(
        `Malformed blob: attribute of ${h.len} bytes at offset ${off} overruns its container`,
      );
    }
    out.push({
      id: h.id,
      extended: h.extended,
      payload: bytes.subarray(off + BLOB_ATTR_HDR_LEN, off + h.len),
    });
    off += blobPad(h.len);
  }
  return out;
}
