export { qrToSvg, qrToText } from "./qr_render.ts";

/** Error-correction level: L recovers ~7 % damage, M ~15 %. */
export type QrEcc = "L" | "M";

/** An encoded QR symbol: `modules[y][x]` is true for a dark module; no quiet zone included. */
export interface QrCode {
  version: number;
  ecc: QrEcc;
  mask: number;
  size: number;
  modules: boolean[][];
}

export interface QrOptions {
  /** Default "M". */
  ecc?: QrEcc;
  /** Smallest version to use (default 1). */
  minVersion?: number;
  /** Largest version to use (default 40). */
  maxVersion?: number;
  /** Force a mask pattern 0..7 instead of choosing the one with the lowest penalty. */
  mask?: number;
}

const MODE_BYTE = 0b0100; // ISO/IEC 18004 table 2
const PAD_BYTES = [0xec, 0x11] as const; // ISO/IEC 18004 7.4.10
const FORMAT_POLY = 0x537; // BCH(15,5) generator, 7.9.1
const FORMAT_XOR = 0x5412; // 7.9.1
const VERSION_POLY = 0x1f25; // BCH(18,6) generator, 7.10
const ECC_FORMAT_BITS: Record<QrEcc, number> = { L: 0b01, M: 0b00 }; // table 12
const PENALTY_N1 = 3;
const PENALTY_N2 = 3;
const PENALTY_N3 = 40;
const PENALTY_N4 = 10;

/** Error-correction codewords per block, index = version (table 9). */
// deno-fmt-ignore
const EC_PER_BLOCK: Record<QrEcc, readonly number[]> = {
  L: [
    0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
    30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
  ],
  M: [
    0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  ],
};
/** Number of error-correction blocks, index = version (table 9). */
// deno-fmt-ignore
const BLOCKS: Record<QrEcc, readonly number[]> = {
  L: [
    0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
    14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
  ],
  M: [
    0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23,
    25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
  ],
};

function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`QR table index ${i} is out of range`);
  return v;
}

/** Modules left for data and EC codewords once function patterns are drawn. */
function rawDataModules(v: number): number {
  let n = (16 * v + 128) * v + 64;
  if (v >= 2) {
    const a = Math.floor(v / 7) + 2;
    n -= (25 * a - 10) * a - 55;
    if (v >= 7) n -= 36;
  }
  return n;
}

function dataCodewords(v: number, ecc: QrEcc): number {
  return Math.floor(rawDataModules(v) / 8) - at(EC_PER_BLOCK[ecc], v) * at(BLOCKS[ecc], v);
}

function alignmentPositions(v: number): number[] {
  if (v === 1) return [];
  const n = Math.floor(v / 7) + 2;
  const last = 4 * v + 10;
  const step = v === 32 ? 26 : Math.ceil((4 * v + 4) / (2 * (n - 1))) * 2;
  const out = [6];
  for (let i = n - 2; i >= 0; i--) out.push(last - i * step);
  return out;
}

// GF(256) with the QR field polynomial x^8+x^4+x^3+x^2+1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}
function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** Reed-Solomon generator polynomial of `degree`, coefficients highest power first (leading 1 dropped). */
function rsGenerator(degree: number): Uint8Array {
  const g = new Uint8Array(degree);
  g[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      g[j] = gfMul(g[j]!, root) ^ (j + 1 < degree ? g[j + 1]! : 0);
    }
    root = gfMul(root, 2);
  }
  return g;
}

function rsRemainder(data: Uint8Array, gen: Uint8Array): Uint8Array {
  const r = new Uint8Array(gen.length);
  for (const byte of data) {
    const factor = byte ^ r[0]!;
    r.copyWithin(0, 1);
    r[r.length - 1] = 0;
    for (let i = 0; i < r.length; i++) r[i]! ^= gfMul(gen[i]!, factor);
  }
  return r;
}

/** Mode, count, data, terminator and pad codewords for one version (7.4). */
function dataStream(data: Uint8Array, v: number, capacity: number): Uint8Array {
  const bits: number[] = [];
  const put = (value: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(MODE_BYTE, 4);
  put(data.length, v <= 9 ? 8 : 16);
  for (const b of data) put(b, 8);
  put(0, Math.min(4, capacity * 8 - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const out = new Uint8Array(capacity);
  for (let i = 0; i < bits.length; i++) out[i >>> 3]! |= bits[i]! << (7 - (i & 7));
  for (let i = bits.length / 8, k = 0; i < capacity; i++, k++) out[i] = PAD_BYTES[k % 2]!;
  return out;
}

/** Split into blocks, add EC codewords and interleave (7.5, 7.6). */
function interleave(stream: Uint8Array, v: number, ecc: QrEcc): Uint8Array {
  const nBlocks = at(BLOCKS[ecc], v);
  const ecLen = at(EC_PER_BLOCK[ecc], v);
  const raw = Math.floor(rawDataModules(v) / 8);
  const shortLen = Math.floor(raw / nBlocks) - ecLen;
  const nShort = nBlocks - (raw % nBlocks);
  const gen = rsGenerator(ecLen);
  const dataBlocks: Uint8Array[] = [];
  const ecBlocks: Uint8Array[] = [];
  for (let i = 0, off = 0; i < nBlocks; i++) {
    const len = shortLen + (i < nShort ? 0 : 1);
    const block = stream.subarray(off, off + len);
    off += len;
    dataBlocks.push(block);
    ecBlocks.push(rsRemainder(block, gen));
  }
  const out: number[] = [];
  for (let i = 0; i <= shortLen; i++) {
    for (const b of dataBlocks) if (i < b.length) out.push(b[i]!);
  }
  for (let i = 0; i < ecLen; i++) for (const b of ecBlocks) out.push(b[i]!);
  return Uint8Array.from(out);
}

class Grid {
  readonly dark: boolean[][];
  readonly fixed: boolean[][];
  constructor(readonly size: number) {
    this.dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  set(x: number, y: number, dark: boolean): void {
    this.dark[y]![x] = dark;
    this.fixed[y]![x] = true;
  }
  isFixed(x: number, y: number): boolean {
    return this.fixed[y]![x]!;
  }
}

function drawFunctionPatterns(g: Grid, v: number): void {
  const n = g.size;
  for (let i = 0; i < n; i++) {
    g.set(6, i, i % 2 === 0);
    g.set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]] as const) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx, y = cy + dy;
        if (x < 0 || y < 0 || x >= n || y >= n) continue;
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        g.set(x, y, d !== 2 && d !== 4);
      }
    }
  }
  const pos = alignmentPositions(v);
  const last = pos.length - 1;
  pos.forEach((cx, i) =>
    pos.forEach((cy, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          g.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      }
    })
  );
  drawFormat(g, ECC_FORMAT_BITS.M, 0); // reserve the areas; redrawn once the mask is known
  if (v >= 7) {
    let rem = v;
    for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * VERSION_POLY);
    const bits = (v << 12) | rem;
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = n - 11 + (i % 3), b = Math.floor(i / 3);
      g.set(a, b, dark);
      g.set(b, a, dark);
    }
  }
}

function drawFormat(g: Grid, eccBits: number, mask: number): void {
  const n = g.size;
  const data = (eccBits << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * FORMAT_POLY);
  const bits = ((data << 10) | rem) ^ FORMAT_XOR;
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) g.set(8, i, bit(i));
  g.set(8, 7, bit(6));
  g.set(8, 8, bit(7));
  g.set(7, 8, bit(8));
  for (let i = 9; i < 15; i++) g.set(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) g.set(n - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) g.set(8, n - 15 + i, bit(i));
  g.set(8, n - 8, true);
}

function placeCodewords(g: Grid, codewords: Uint8Array): void {
  const n = g.size;
  let bit = 0;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let k = 0; k < n; k++) {
      const y = upward ? n - 1 - k : k;
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        if (g.isFixed(x, y)) continue;
        const byte = codewords[bit >>> 3];
        g.dark[y]![x] = byte !== undefined && ((byte >>> (7 - (bit & 7))) & 1) === 1;
        bit++;
      }
    }
  }
}

/** Mask condition for row `i`, column `j` (table 10). */
function maskHit(mask: number, i: number, j: number): boolean {
  switch (mask) {
    case 0:
      return (i + j) % 2 === 0;
    case 1:
      return i % 2 === 0;
    case 2:
      return j % 3 === 0;
    case 3:
      return (i + j) % 3 === 0;
    case 4:
      return (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0;
    case 5:
      return ((i * j) % 2) + ((i * j) % 3) === 0;
    case 6:
      return (((i * j) % 2) + ((i * j) % 3)) % 2 === 0;
    default:
      return (((i + j) % 2) + ((i * j) % 3)) % 2 === 0;
  }
}

function applyMask(g: Grid, mask: number): void {
  for (let y = 0; y < g.size; y++) {
    for (let x = 0; x < g.size; x++) {
      if (!g.isFixed(x, y) && maskHit(mask, y, x)) g.dark[y]![x] = !g.dark[y]![x];
    }
  }
}

/**
 * Penalty of one row or column: N1 for long runs, N3 for a dark 1:1:3:1:1 pattern (at any scale)
 * with a light run of at least four units, or the quiet zone, on one side (as qrencode 4.1 counts).
 */
function linePenalty(line: boolean[]): number {
  const runs: number[] = [];
  const firstDark = line[0] === true;
  for (let i = 0; i < line.length; i++) {
    if (i > 0 && line[i] === line[i - 1]) runs[runs.length - 1]!++;
    else runs.push(1);
  }
  let p = 0;
  for (const r of runs) if (r >= 5) p += PENALTY_N1 + r - 5;
  const isDarkRun = (i: number) => (i % 2 === 0) === firstDark;
  for (let i = 2; i + 2 < runs.length; i++) {
    const k = runs[i]! / 3;
    if (!isDarkRun(i) || !Number.isInteger(k)) continue;
    if ([i - 2, i - 1, i + 1, i + 2].some((j) => runs[j] !== k)) continue;
    // A light run that touches the edge continues into the quiet zone.
    const before = i - 3 <= 0 || runs[i - 3]! >= 4 * k;
    const after = i + 3 >= runs.length - 1 || runs[i + 3]! >= 4 * k;
    if (before || after) p += PENALTY_N3;
  }
  return p;
}

function penalty(m: boolean[][]): number {
  const n = m.length;
  let p = 0;
  let dark = 0;
  for (let y = 0; y < n; y++) {
    p += linePenalty(m[y]!);
    p += linePenalty(m.map((row) => row[y]!));
    for (let x = 0; x < n; x++) {
      const c = m[y]![x]!;
      if (c) dark++;
      if (
        x + 1 < n && y + 1 < n && c === m[y]![x + 1] && c === m[y + 1]![x] && c === m[y + 1]![x + 1]
      ) {
        p += PENALTY_N2;
      }
    }
  }
  const percent = Math.round((100 * dark) / (n * n));
  return p + Math.floor(Math.abs(percent - 50) / 5) * PENALTY_N4;
}

/**
 * Encode `data` (a string is taken as UTF-8) in byte mode, in the smallest version that fits.
 * Throws RangeError when it does not fit in `maxVersion`.
 * @example encodeQr("hello", { ecc: "M" }).modules // 21×21 booleans
 */
export function encodeQr(data: string | Uint8Array, opts: QrOptions = {}): QrCode {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const ecc = opts.ecc ?? "M";
  const minV = Math.max(1, opts.minVersion ?? 1);
  const maxV = Math.min(40, opts.maxVersion ?? 40);
  let version = 0;
  for (let v = minV; v <= maxV; v++) {
    const need = 4 + (v <= 9 ? 8 : 16) + 8 * bytes.length;
    if (need <= dataCodewords(v, ecc) * 8) {
      version = v;
      break;
    }
  }
  if (version === 0) {
    throw new RangeError(
      `Cannot encode ${bytes.length} bytes as a QR code up to version ${maxV}: too long, shorten the text`,
    );
  }
  const codewords = interleave(
    dataStream(bytes, version, dataCodewords(version, ecc)),
    version,
    ecc,
  );
  const build = (mask: number): Grid => {
    const g = new Grid(4 * version + 17);
    drawFunctionPatterns(g, version);
    placeCodewords(g, codewords);
    applyMask(g, mask);
    drawFormat(g, ECC_FORMAT_BITS[ecc], mask);
    return g;
  };
  let best: { g: Grid; mask: number; score: number } | null = null;
  const masks = opts.mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [opts.mask & 7];
  for (const mask of masks) {
    const g = build(mask);
    const score = masks.length === 1 ? 0 : penalty(g.dark);
    if (best === null || score < best.score) best = { g, mask, score };
  }
  const g = best!.g;
  return { version, ecc, mask: best!.mask, size: g.size, modules: g.dark };
}
