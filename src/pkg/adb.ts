// APKv3 "ADB" container: tagged values, blocks and the file layers (apk-tools src/adb.h, adb.c).
import { ParseError } from "../lib/errors.ts";

/** Container magic "ADB." (uncompressed). */
export const ADB_MAGIC = new Uint8Array([0x41, 0x44, 0x42, 0x2e]);
/** File prefix "ADBd": the rest of the file is a raw deflate stream of the container. */
export const ADB_DEFLATE_MAGIC = new Uint8Array([0x41, 0x44, 0x42, 0x64]);
/** Package schema "pckg" as little-endian u32. */
export const SCHEMA_PACKAGE = 0x676b6370;
/** Block types (top two bits of the block header word). */
export const BLOCK_ADB = 0;
export const BLOCK_SIG = 1;
export const BLOCK_DATA = 2;
export const BLOCK_EXT = 3;
/** Blocks are padded to this many bytes (ADB_BLOCK_ALIGNMENT). */
export const BLOCK_ALIGN = 8;

/** Value tag types (high 4 bits of a u32 value). */
export const T = {
  special: 0x0,
  int: 0x1,
  int32: 0x2,
  int64: 0x3,
  blob8: 0x8,
  blob16: 0x9,
  blob32: 0xa,
  array: 0xd,
  object: 0xe,
} as const;
/** The NULL value (field absent). */
export const ADB_NULL = 0;

const MAX_IMMEDIATE = 0x10000000;

/**
 * Writes an ADB payload: the 8-byte header, then values appended with apk's alignments; call
 * `finish(root)` last. Children must be written before the objects that point at them.
 */
export class AdbWriter {
  private buf = new Uint8Array(1024);
  private len = 8;

  private reserve(n: number, align: number): number {
    const start = Math.ceil(this.len / align) * align;
    if (start + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < start + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.fill(0, this.len, start);
    this.len = start + n;
    return start;
  }

  private view(): DataView {
    return new DataView(this.buf.buffer);
  }

  /** An integer: immediate below 2^28, else int32 or int64 stored 4-aligned. */
  int(n: number | bigint): number {
    const v = BigInt(n);
    if (v < 0n) throw new RangeError(`ADB integer ${v} is negative: only unsigned values exist`);
    if (v < BigInt(MAX_IMMEDIATE)) return (T.int << 28 | Number(v)) >>> 0;
    if (v <= 0xffffffffn) {
      const at = this.reserve(4, 4);
      this.view().setUint32(at, Number(v), true);
      return (T.int32 << 28 | at) >>> 0;
    }
    const at = this.reserve(8, 4);
    this.view().setBigUint64(at, v, true);
    return (T.int64 << 28 | at) >>> 0;
  }

  /** A blob (smallest of blob8/16/32); an empty blob is NULL. Returns the tag. */
  blob(bytes: Uint8Array | string): number {
    return this.blobAt(bytes).tag;
  }

  /** Like `blob`, also giving the offset of the content bytes (for patching the package id). */
  blobAt(bytes: Uint8Array | string): { tag: number; dataOffset: number } {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    if (b.length === 0) return { tag: ADB_NULL, dataOffset: -1 };
    let type: number, head: number, at: number;
    if (b.length <= 0xff) {
      [type, head] = [T.blob8, 1];
      at = this.reserve(head + b.length, 1);
      this.buf[at] = b.length;
    } else if (b.length <= 0xffff) {
      [type, head] = [T.blob16, 2];
      at = this.reserve(head + b.length, 2);
      this.view().setUint16(at, b.length, true);
    } else {
      [type, head] = [T.blob32, 4];
      at = this.reserve(head + b.length, 4);
      this.view().setUint32(at, b.length, true);
    }
    this.buf.set(b, at + head);
    return { tag: (type << 28 | at) >>> 0, dataOffset: at + head };
  }

  /**
   * An object or array of values for slots 1..n (`undefined` = NULL); trailing NULLs are
   * trimmed, and one with nothing set is NULL (adb.c `__adb_w_obj`).
   */
  obj(values: readonly (number | undefined)[], type: number = T.object): number {
    const slots = values.map((v) => v ?? ADB_NULL);
    while (slots.length > 0 && slots[slots.length - 1] === ADB_NULL) slots.pop();
    if (slots.length === 0) return ADB_NULL;
    const at = this.reserve(4 * (slots.length + 1), 4);
    const v = this.view();
    v.setUint32(at, slots.length + 1, true);
    slots.forEach((s, i) => v.setUint32(at + 4 * (i + 1), s, true));
    return (type << 28 | at) >>> 0;
  }

  /** Finishes the payload with `root` as root value; returns the payload bytes. */
  finish(root: number): Uint8Array {
    const v = this.view();
    v.setUint32(0, 0, true); // compat version 0, version 0, reserved 0
    v.setUint32(4, root, true);
    return this.buf.slice(0, this.len);
  }
}

/** One block: header word, payload, zero padding to 8. */
export function adbBlock(type: number, payload: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const parts = payload instanceof Uint8Array ? [payload] : payload;
  const len = parts.reduce((n, p) => n + p.length, 0);
  if (len > 0x3ffffffb) {
    throw new RangeError(
      `ADB block of ${len} bytes needs an EXT header: files over 1 GiB are not supported`,
    );
  }
  const total = Math.ceil((4 + len) / BLOCK_ALIGN) * BLOCK_ALIGN;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, ((type << 30) | (4 + len)) >>> 0, true);
  let off = 4;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A block read back from a container. */
export interface AdbBlockView {
  type: number;
  payload: Uint8Array;
}

/** Splits an uncompressed container ("ADB." + schema + blocks) into blocks. */
export function readAdbContainer(c: Uint8Array, schema = SCHEMA_PACKAGE): AdbBlockView[] {
  if (c.length < 8) throw new RangeError(`Truncated ADB container: ${c.length} bytes`);
  if (!ADB_MAGIC.every((b, i) => c[i] === b)) {
    throw new ParseError('Cannot read ADB container: magic "ADB." is missing');
  }
  const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const got = v.getUint32(4, true);
  if (got !== schema) {
    throw new ParseError(
      `Cannot read ADB container: schema 0x${got.toString(16)} is not 0x${schema.toString(16)}`,
    );
  }
  const blocks: AdbBlockView[] = [];
  let off = 8;
  while (off < c.length) {
    if (off + 4 > c.length) throw new RangeError(`Truncated ADB block header at offset ${off}`);
    const word = v.getUint32(off, true);
    const type = word >>> 30;
    if (type === BLOCK_EXT) {
      throw new ParseError(`Cannot read ADB block at offset ${off}: EXT blocks are not supported`);
    }
    const size = word & 0x3fffffff;
    if (size < 4) {
      throw new ParseError(`Cannot read ADB block at offset ${off}: size ${size} is below 4`);
    }
    if (off + size > c.length) {
      throw new RangeError(`Truncated ADB block at offset ${off}: needs ${size} bytes`);
    }
    blocks.push({ type, payload: c.subarray(off + 4, off + size) });
    off += Math.ceil(size / BLOCK_ALIGN) * BLOCK_ALIGN;
  }
  return blocks;
}

/** Reads values of an ADB payload (offsets relative to the payload start). */
export class AdbReader {
  private readonly v: DataView;
  constructor(readonly payload: Uint8Array) {
    if (payload.length < 8) throw new RangeError(`Truncated ADB payload: ${payload.length} bytes`);
    this.v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (payload[0] !== 0) {
      throw new ParseError(`Cannot read ADB payload: compat version ${payload[0]} is not 0`);
    }
  }

  get root(): number {
    return this.v.getUint32(4, true);
  }

  private check(off: number, n: number): void {
    if (off + n > this.payload.length) throw new RangeError(`Truncated ADB value at offset ${off}`);
  }

  /** An integer value (immediate, int32 or int64); NULL reads as 0. */
  int(tag: number): number {
    const type = tag >>> 28;
    const off = tag & 0x0fffffff;
    if (tag === ADB_NULL) return 0;
    if (type === T.int) return off;
    if (type === T.int32) return this.check(off, 4), this.v.getUint32(off, true);
    if (type === T.int64) return this.check(off, 8), Number(this.v.getBigUint64(off, true));
    throw new ParseError(`Cannot read ADB integer: tag 0x${tag.toString(16)} is not an integer`);
  }

  /** A blob value; NULL reads as empty. */
  blob(tag: number): Uint8Array {
    if (tag === ADB_NULL) return new Uint8Array(0);
    const type = tag >>> 28;
    const off = tag & 0x0fffffff;
    let len: number, head: number;
    if (type === T.blob8) [len, head] = (this.check(off, 1), [this.payload[off]!, 1]);
    else if (type === T.blob16) {
      [len, head] = (this.check(off, 2), [this.v.getUint16(off, true), 2]);
    } else if (type === T.blob32) {
      [len, head] = (this.check(off, 4), [this.v.getUint32(off, true), 4]);
    } else throw new ParseError(`Cannot read ADB blob: tag 0x${tag.toString(16)} is not a blob`);
    this.check(off + head, len);
    return this.payload.subarray(off + head, off + head + len);
  }

  /** A string value (UTF-8 blob). */
  str(tag: number): string {
    return new TextDecoder().decode(this.blob(tag));
  }

  /** Slots 1..n-1 of an object or array (index 0 of the result = slot 1); NULL reads as []. */
  obj(tag: number): number[] {
    if (tag === ADB_NULL) return [];
    const type = tag >>> 28;
    const off = tag & 0x0fffffff;
    if (type !== T.object && type !== T.array) {
      throw new ParseError(
        `Cannot read ADB object: tag 0x${tag.toString(16)} is not an object or array`,
      );
    }
    if (off % 4 !== 0) {
      throw new ParseError(`Cannot read ADB object at offset ${off}: not 4-aligned`);
    }
    this.check(off, 4);
    const n = this.v.getUint32(off, true);
    if (n < 1) throw new ParseError(`Cannot read ADB object at offset ${off}: slot count 0`);
    this.check(off, 4 * n);
    const out: number[] = [];
    for (let i = 1; i < n; i++) out.push(this.v.getUint32(off + 4 * i, true));
    return out;
  }
}
