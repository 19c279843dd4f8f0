/** Cursor reader over bytes; every read past the end throws `RangeError` (truncation). */
export class Reader {
  readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new RangeError(
        `Truncated input: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`,
      );
    }
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u16(little = false): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, little);
    this.pos += 2;
    return v;
  }
  u32(little = false): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, little);
    this.pos += 4;
    return v;
  }
  u64(little = false): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, little);
    this.pos += 8;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** Growable cursor writer. */
export class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos++, v);
    return this;
  }
  u16(v: number, little = false): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, little);
    this.pos += 2;
    return this;
  }
  u32(v: number, little = false): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, little);
    this.pos += 4;
    return this;
  }
  u64(v: bigint, little = false): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, little);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }
  /** Overwrite a big-endian u32 at an earlier offset (length back-patching). */
  patchU32(at: number, v: number, little = false): void {
    this.view.setUint32(at, v >>> 0, little);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export const utf8 = {
  encode: (s: string): Uint8Array => new TextEncoder().encode(s),
  decode: (b: Uint8Array): string => new TextDecoder().decode(b),
};

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new SyntaxError(`Cannot parse hex "${s.slice(0, 32)}": not an even run of hex digits`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
