// blobmsg: named, typed blob attributes (libubox@1aa36ee:blobmsg.h, blobmsg.c) and the
// JSON mapping of libubox@1aa36ee:blobmsg_json.c:43 (bool → INT8, int32 → INT32, other
// integers → INT64, reals → DOUBLE, null → UNSPEC; INT8 reads back as true/false).
import { utf8, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import { endBlob, parseBlobAttrs, startBlob } from "./blob.ts";
import { BLOBMSG_TYPE_LAST, BlobmsgType } from "./constants.ts";

/** A decoded blobmsg attribute. Integers keep their wire type; INT64 is always a bigint. */
export interface BlobmsgField {
  name: string;
  type: BlobmsgType;
  value: null | number | bigint | string | BlobmsgField[];
}

/** A value with an explicit blobmsg type, for when the JSON mapping picks the wrong one. */
export class Typed {
  constructor(readonly type: BlobmsgType, readonly value: number | bigint) {}
}

/** Explicit-type helpers: `{ mtu: blobmsg.int16(1420), ratio: blobmsg.double(1) }`. */
export const blobmsg = {
  int8: (v: number | boolean): Typed =>
    new Typed(BlobmsgType.INT8, v === true ? 1 : v === false ? 0 : v),
  int16: (v: number): Typed => new Typed(BlobmsgType.INT16, v),
  int32: (v: number): Typed => new Typed(BlobmsgType.INT32, v),
  int64: (v: number | bigint): Typed => new Typed(BlobmsgType.INT64, v),
  double: (v: number): Typed => new Typed(BlobmsgType.DOUBLE, v),
};

/** JSON-like values the encoder accepts. */
export type BlobmsgValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Typed
  | readonly BlobmsgValue[]
  | { readonly [key: string]: BlobmsgValue };

/** JSON-like values the decoder returns (INT64 beyond 2^53 stays a bigint). */
export type BlobmsgJson =
  | null
  | boolean
  | number
  | bigint
  | string
  | BlobmsgJson[]
  | { [key: string]: BlobmsgJson };

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** Convert a JS value into a field the way `blobmsg_add_json_element` would. */
export function toField(name: string, v: BlobmsgValue): BlobmsgField {
  if (v === null || v === undefined) return { name, type: BlobmsgType.UNSPEC, value: null };
  if (v instanceof Typed) {
    return {
      name,
      type: v.type,
      value: v.type === BlobmsgType.INT64 ? BigInt(v.value) : Number(v.value),
    };
  }
  switch (typeof v) {
    case "boolean":
      return { name, type: BlobmsgType.INT8, value: v ? 1 : 0 };
    case "number":
      if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) {
        return { name, type: BlobmsgType.INT32, value: v };
      }
      if (Number.isSafeInteger(v)) return { name, type: BlobmsgType.INT64, value: BigInt(v) };
      return { name, type: BlobmsgType.DOUBLE, value: v };
    case "bigint":
      if (v >= INT32_MIN && v <= INT32_MAX) {
        return { name, type: BlobmsgType.INT32, value: Number(v) };
      }
      return { name, type: BlobmsgType.INT64, value: v };
    case "string":
      return { name, type: BlobmsgType.STRING, value: v };
  }
  if (Array.isArray(v)) {
    return { name, type: BlobmsgType.ARRAY, value: v.map((x: BlobmsgValue) => toField("", x)) };
  }
  return {
    name,
    type: BlobmsgType.TABLE,
    value: fieldsOf(v as { readonly [key: string]: BlobmsgValue }),
  };
}

/** The fields of a table, in property order; `undefined` properties are left out. */
export function fieldsOf(obj: { readonly [key: string]: BlobmsgValue }): BlobmsgField[] {
  const out: BlobmsgField[] = [];
  for (const [k, x] of Object.entries(obj)) if (x !== undefined) out.push(toField(k, x));
  return out;
}

/** Write one blobmsg attribute: header, be16 namelen, name, NUL, pad, payload, pad. */
export function writeField(w: Writer, f: BlobmsgField): void {
  const at = startBlob(w, f.type, true);
  const name = utf8.encode(f.name);
  if (name.length > 0xffff) {
    throw new RangeError(`Blobmsg name of ${name.length} bytes is too long`);
  }
  w.u16(name.length).bytes(name).u8(0);
  w.zeros(((2 + name.length + 1 + 3) & ~3) - (2 + name.length + 1));
  writePayload(w, f);
  endBlob(w, at, f.type, true);
}

function writePayload(w: Writer, f: BlobmsgField): void {
  const v = f.value;
  switch (f.type) {
    case BlobmsgType.UNSPEC:
      return;
    case BlobmsgType.ARRAY:
    case BlobmsgType.TABLE:
      for (const c of v as BlobmsgField[]) writeField(w, c);
      return;
    case BlobmsgType.STRING:
      w.bytes(utf8.encode(String(v))).u8(0);
      return;
    case BlobmsgType.INT64: {
      const b = BigInt(v as number | bigint);
      if (b < INT64_MIN || b > UINT64_MAX) {
        throw new RangeError(`Value "${b}" does not fit in INT64`);
      }
      w.u64(BigInt.asUintN(64, b));
      return;
    }
    case BlobmsgType.INT32:
      w.u32(Number(v) >>> 0);
      return;
    case BlobmsgType.INT16:
      w.u16(Number(v) & 0xffff);
      return;
    case BlobmsgType.INT8:
      w.u8(Number(v) & 0xff);
      return;
    case BlobmsgType.DOUBLE: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, Number(v));
      w.bytes(b);
      return;
    }
  }
}

/** Encode fields back to back (the payload of a table, array, or a DATA attribute). */
export function encodeFields(fields: readonly BlobmsgField[]): Uint8Array {
  const w = new Writer();
  for (const f of fields) writeField(w, f);
  return w.finish();
}

/**
 * Encode an object as the children of a table, as ubus puts call arguments in DATA.
 * @example encodeTable({ a: 1 }) // 85000010 0001 6100 00000001 ... (INT32 "a" = 1)
 */
export function encodeTable(obj: { readonly [key: string]: BlobmsgValue }): Uint8Array {
  return encodeFields(fieldsOf(obj));
}

const EXACT_LEN: Partial<Record<number, number>> = {
  [BlobmsgType.INT8]: 1,
  [BlobmsgType.INT16]: 2,
  [BlobmsgType.INT32]: 4,
  [BlobmsgType.INT64]: 8,
  [BlobmsgType.DOUBLE]: 8,
};

/**
 * Deepest nesting of arrays and tables decoded (json-c, which `ubus call` parses with, stops at
 * 32); deeper input is malformed rather than a stack overflow.
 */
export const MAX_BLOBMSG_DEPTH = 64;

/** Decode back-to-back blobmsg attributes; `named` demands non-empty names (tables). */
export function decodeFields(bytes: Uint8Array, named = false, depth = 0): BlobmsgField[] {
  if (depth > MAX_BLOBMSG_DEPTH) {
    throw new ParseError(`Malformed blobmsg: nested deeper than ${MAX_BLOBMSG_DEPTH} levels`);
  }
  return parseBlobAttrs(bytes).map((a) => {
    if (!a.extended) {
      throw new ParseError(`Malformed blobmsg: attribute id "${a.id}" lacks the extended bit`);
    }
    if (a.id > BLOBMSG_TYPE_LAST) throw new ParseError(`Malformed blobmsg: unknown type "${a.id}"`);
    const p = a.payload;
    if (p.length < 3) {
      throw new ParseError("Malformed blobmsg: attribute too short for its name header");
    }
    const nameLen = (p[0]! << 8) | p[1]!;
    const hdrLen = (2 + nameLen + 1 + 3) & ~3;
    if (p.length < hdrLen || p[2 + nameLen] !== 0) {
      throw new ParseError(`Malformed blobmsg: name of ${nameLen} bytes is not NUL-terminated`);
    }
    if (named && nameLen === 0) {
      throw new ParseError("Malformed blobmsg: table member without a name");
    }
    const name = utf8.decode(p.subarray(2, 2 + nameLen));
    return { name, ...decodePayload(a.id as BlobmsgType, p.subarray(hdrLen), name, depth) };
  });
}

function decodePayload(
  type: BlobmsgType,
  d: Uint8Array,
  name: string,
  depth: number,
): Omit<BlobmsgField, "name"> {
  const exact = EXACT_LEN[type];
  if (exact !== undefined && d.length !== exact) {
    throw new ParseError(
      `Malformed blobmsg: "${name}" of type ${type} has ${d.length} bytes, want ${exact}`,
    );
  }
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  switch (type) {
    case BlobmsgType.UNSPEC:
      return { type, value: null };
    case BlobmsgType.ARRAY:
      return { type, value: decodeFields(d, false, depth + 1) };
    case BlobmsgType.TABLE:
      return { type, value: decodeFields(d, false, depth + 1) };
    case BlobmsgType.STRING:
      if (d.length < 1 || d[d.length - 1] !== 0) {
        throw new ParseError(`Malformed blobmsg: string "${name}" is not NUL-terminated`);
      }
      return { type, value: utf8.decode(d.subarray(0, d.length - 1)) };
    case BlobmsgType.INT64:
      return { type, value: view.getBigInt64(0) };
    case BlobmsgType.INT32:
      return { type, value: view.getInt32(0) };
    case BlobmsgType.INT16:
      return { type, value: view.getInt16(0) };
    case BlobmsgType.INT8:
      return { type, value: view.getInt8(0) };
    case BlobmsgType.DOUBLE:
      return { type, value: view.getFloat64(0) };
  }
}

/** JSON view of one field, as `blobmsg_format_json` prints it (INT8 → boolean). */
export function fieldToJson(f: BlobmsgField): BlobmsgJson {
  switch (f.type) {
    case BlobmsgType.UNSPEC:
      return null;
    case BlobmsgType.INT8:
      return f.value !== 0;
    case BlobmsgType.INT64: {
      const b = f.value as bigint;
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(b)
        : b;
    }
    case BlobmsgType.ARRAY:
      return (f.value as BlobmsgField[]).map(fieldToJson);
    case BlobmsgType.TABLE:
      return fieldsToObject(f.value as BlobmsgField[]);
    default:
      return f.value as number | string;
  }
}

/** JSON object view of table members; a repeated name keeps the last value. */
export function fieldsToObject(fields: readonly BlobmsgField[]): { [key: string]: BlobmsgJson } {
  const out: { [key: string]: BlobmsgJson } = {};
  for (const f of fields) out[f.name] = fieldToJson(f);
  return out;
}

/** Decode the children of a table into a JSON object. */
export function decodeTable(bytes: Uint8Array): { [key: string]: BlobmsgJson } {
  return fieldsToObject(decodeFields(bytes));
}
