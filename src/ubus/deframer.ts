// Stream deframer: bytes from the socket in, whole messages out. A message is the 8-byte
// header plus the blob whose raw length sits in the low 24 bits of bytes 8..11
// (libubus-io.c:271 `get_next_msg`). Like `ubus_validate_hdr` (libubus-io.c:224) and
// ubusd (ubusd_main.c:151) we refuse a blob shorter than its header or padding past
// UBUS_MAX_MSGLEN.
import { ParseError } from "../lib/errors.ts";
import { blobPad, readBlobHeader } from "./blob.ts";
import { BLOB_ATTR_HDR_LEN, UBUS_MAX_MSGLEN, UBUS_MSGHDR_LEN } from "./constants.ts";
import { decodeMessage, type UbusMessage } from "./message.ts";

/** Accumulates partial reads and yields complete messages in order. */
export class UbusDeframer {
  private buf = new Uint8Array(0);

  /** Bytes held that do not yet form a whole message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Feed bytes; returns every message now complete. Throws ParseError on a bad frame. */
  push(chunk: Uint8Array): UbusMessage[] {
    return this.pushFrames(chunk).map(decodeMessage);
  }

  /** Feed bytes; returns the raw bytes of every frame now complete, undecoded. */
  pushFrames(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length) {
      const next = new Uint8Array(this.buf.length + chunk.length);
      next.set(this.buf);
      next.set(chunk, this.buf.length);
      this.buf = next;
    }
    const out: Uint8Array[] = [];
    let off = 0;
    while (this.buf.length - off >= UBUS_MSGHDR_LEN + BLOB_ATTR_HDR_LEN) {
      const h = readBlobHeader(this.buf, off + UBUS_MSGHDR_LEN);
      if (h.len < BLOB_ATTR_HDR_LEN) {
        throw new ParseError(`Malformed ubus frame: blob length "${h.len}" below 4; reconnect`);
      }
      if (blobPad(h.len) > UBUS_MAX_MSGLEN) {
        throw new ParseError(
          `Oversized ubus frame: "${h.len}" bytes exceeds UBUS_MAX_MSGLEN; reconnect`,
        );
      }
      const total = UBUS_MSGHDR_LEN + h.len;
      if (this.buf.length - off < total) break;
      out.push(this.buf.slice(off, off + total));
      off += total;
    }
    this.buf = this.buf.slice(off);
    return out;
  }
}
