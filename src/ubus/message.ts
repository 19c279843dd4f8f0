// ubus message framing (ubus@3cc98db:ubusmsg.h, libubus-io.c:126-156): an 8-byte header
// (u8 version, u8 type, be16 seq, be32 peer) and one blob container (id 0) of message
// attributes. Attribute payload types follow ubusd_proto.c `ubus_policy`.
import { utf8, Writer } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import { endBlob, parseBlobAttrs, readBlobHeader, startBlob, writeBlob } from "./blob.ts";
import { type BlobmsgField, decodeFields, fieldsToObject, writeField } from "./blobmsg.ts";
import {
  BLOB_ATTR_HDR_LEN,
  BlobmsgType,
  MSG_TYPE_LAST,
  MsgAttr,
  UBUS_MSG_VERSION,
  UBUS_MSGHDR_LEN,
} from "./constants.ts";

/** Method name → argument name → blobmsg type, as ubusd reports in SIGNATURE. */
export type Signature = Record<string, Record<string, number>>;

/**
 * Message attributes. Encoding writes them in the object's property order, so build the
 * object in the order the C code puts them (e.g. INVOKE: objid, method, data).
 */
export interface MessageAttrs {
  status?: number;
  objpath?: string;
  objid?: number;
  method?: string;
  objtype?: number;
  signature?: Signature;
  data?: BlobmsgField[];
  target?: number;
  active?: boolean;
  noReply?: boolean;
  subscribers?: number[];
  user?: string;
  group?: string;
}

/** One ubus message. */
export interface UbusMessage {
  type: number;
  seq: number;
  peer: number;
  attrs: MessageAttrs;
}

const ATTR_IDS: Record<keyof MessageAttrs, number> = {
  status: MsgAttr.STATUS,
  objpath: MsgAttr.OBJPATH,
  objid: MsgAttr.OBJID,
  method: MsgAttr.METHOD,
  objtype: MsgAttr.OBJTYPE,
  signature: MsgAttr.SIGNATURE,
  data: MsgAttr.DATA,
  target: MsgAttr.TARGET,
  active: MsgAttr.ACTIVE,
  noReply: MsgAttr.NO_REPLY,
  subscribers: MsgAttr.SUBSCRIBERS,
  user: MsgAttr.USER,
  group: MsgAttr.GROUP,
};

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

function cstr(s: string): Uint8Array {
  const e = utf8.encode(s);
  const b = new Uint8Array(e.length + 1);
  b.set(e);
  return b;
}

function writeAttr(w: Writer, key: keyof MessageAttrs, attrs: MessageAttrs): void {
  const id = ATTR_IDS[key];
  const v = attrs[key];
  if (v === undefined) return;
  switch (key) {
    case "status":
    case "objid":
    case "objtype":
    case "target":
      return writeBlob(w, id, u32(v as number));
    case "objpath":
    case "method":
    case "user":
    case "group":
      return writeBlob(w, id, cstr(v as string));
    case "active":
    case "noReply":
      return writeBlob(w, id, Uint8Array.of(v ? 1 : 0));
    case "data": {
      const at = startBlob(w, id, false);
      for (const f of v as BlobmsgField[]) writeField(w, f);
      return endBlob(w, at, id, false);
    }
    case "signature": {
      const at = startBlob(w, id, false);
      for (const [m, args] of Object.entries(v as Signature)) {
        writeField(w, {
          name: m,
          type: BlobmsgType.TABLE,
          value: Object.entries(args).map(([n, t]) => ({
            name: n,
            type: BlobmsgType.INT32,
            value: t,
          })),
        });
      }
      return endBlob(w, at, id, false);
    }
    case "subscribers": {
      const at = startBlob(w, id, false);
      for (const s of v as number[]) writeBlob(w, 0, u32(s));
      return endBlob(w, at, id, false);
    }
  }
}

/**
 * Encode a message to its wire bytes.
 * @example encodeMessage({ type: MsgType.LOOKUP, seq: 2, peer: 0, attrs: { objpath: "network.interface.wan" } })
 */
export function encodeMessage(m: UbusMessage): Uint8Array {
  const w = new Writer();
  w.u8(UBUS_MSG_VERSION).u8(m.type).u16(m.seq & 0xffff).u32(m.peer >>> 0);
  const at = startBlob(w, 0, false);
  for (const key of Object.keys(m.attrs) as (keyof MessageAttrs)[]) {
    if (key in ATTR_IDS) writeAttr(w, key, m.attrs);
  }
  endBlob(w, at, 0, false);
  return w.finish();
}

function need(len: number, want: number, what: string): void {
  if (len !== want) {
    throw new ParseError(`Malformed ubus message: ${what} has ${len} bytes, want ${want}`);
  }
}

function readStr(p: Uint8Array, what: string): string {
  if (p.length < 1 || p[p.length - 1] !== 0) {
    throw new ParseError(`Malformed ubus message: ${what} is not NUL-terminated`);
  }
  return utf8.decode(p.subarray(0, p.length - 1));
}

function readU32(p: Uint8Array, what: string): number {
  need(p.length, 4, what);
  return new DataView(p.buffer, p.byteOffset, 4).getUint32(0);
}

function decodeSignature(p: Uint8Array): Signature {
  const sig: Signature = {};
  for (const m of decodeFields(p)) {
    if (m.type !== BlobmsgType.TABLE) continue;
    const args: Record<string, number> = {};
    for (const [k, t] of Object.entries(fieldsToObject(m.value as BlobmsgField[]))) {
      if (typeof t === "number") args[k] = t;
    }
    sig[m.name] = args;
  }
  return sig;
}

function decodeAttrs(body: Uint8Array): MessageAttrs {
  const a: MessageAttrs = {};
  for (const x of parseBlobAttrs(body)) {
    const p = x.payload;
    switch (x.id) {
      case MsgAttr.STATUS:
        a.status = readU32(p, "STATUS");
        break;
      case MsgAttr.OBJPATH:
        a.objpath = readStr(p, "OBJPATH");
        break;
      case MsgAttr.OBJID:
        a.objid = readU32(p, "OBJID");
        break;
      case MsgAttr.METHOD:
        a.method = readStr(p, "METHOD");
        break;
      case MsgAttr.OBJTYPE:
        a.objtype = readU32(p, "OBJTYPE");
        break;
      case MsgAttr.SIGNATURE:
        a.signature = decodeSignature(p);
        break;
      case MsgAttr.DATA:
        a.data = decodeFields(p);
        break;
      case MsgAttr.TARGET:
        a.target = readU32(p, "TARGET");
        break;
      case MsgAttr.ACTIVE:
        need(p.length, 1, "ACTIVE");
        a.active = p[0] !== 0;
        break;
      case MsgAttr.NO_REPLY:
        need(p.length, 1, "NO_REPLY");
        a.noReply = p[0] !== 0;
        break;
      case MsgAttr.SUBSCRIBERS:
        a.subscribers = parseBlobAttrs(p).map((s) => readU32(s.payload, "subscriber"));
        break;
      case MsgAttr.USER:
        a.user = readStr(p, "USER");
        break;
      case MsgAttr.GROUP:
        a.group = readStr(p, "GROUP");
        break;
      default:
        break; // ubusd ignores ids it does not know (blob_parse_untrusted)
    }
  }
  return a;
}

/** Length in bytes of the message starting with `head` (≥ 12 bytes): 8 + raw blob length. */
export function messageLength(head: Uint8Array): number {
  return UBUS_MSGHDR_LEN + readBlobHeader(head, UBUS_MSGHDR_LEN).len;
}

/** Decode exactly one message; RangeError if truncated, ParseError if malformed. */
export function decodeMessage(bytes: Uint8Array): UbusMessage {
  if (bytes.length < UBUS_MSGHDR_LEN + BLOB_ATTR_HDR_LEN) {
    throw new RangeError(`Truncated ubus message: ${bytes.length} bytes, need at least 12`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint8(0);
  const type = v.getUint8(1);
  if (version !== UBUS_MSG_VERSION) {
    throw new ParseError(`Unsupported ubus message version "${version}"`);
  }
  if (type >= MSG_TYPE_LAST) throw new ParseError(`Unknown ubus message type "${type}"`);
  const h = readBlobHeader(bytes, UBUS_MSGHDR_LEN);
  if (h.len < BLOB_ATTR_HDR_LEN) {
    throw new ParseError(`Malformed ubus message: blob length "${h.len}" below 4`);
  }
  const end = UBUS_MSGHDR_LEN + h.len;
  if (end > bytes.length) {
    throw new RangeError(`Truncated ubus message: need ${end} bytes, have ${bytes.length}`);
  }
  return {
    type,
    seq: v.getUint16(2),
    peer: v.getUint32(4),
    attrs: decodeAttrs(bytes.subarray(UBUS_MSGHDR_LEN + BLOB_ATTR_HDR_LEN, end)),
  };
}
