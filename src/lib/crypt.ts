import { md5 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";

/** The alphabet crypt(3) uses for salts and digests (not base64's order). */
const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const MD5_MAGIC = "$1$";
const MD5_ROUNDS = 1000;
const MD5_SALT_MAX = 8;
const SHA_SALT_MAX = 16;
const SHA_ROUNDS_DEFAULT = 5000;
const SHA_ROUNDS_MIN = 1000;
const SHA_ROUNDS_MAX = 999_999_999;

/** Byte order of the final digest's transposition, three bytes per four characters (Drepper's spec). */
const SHA256_ORDER = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
] as const;
const SHA512_ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
] as const;
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] as const;

type Hash = typeof md5 | typeof sha256 | typeof sha512;

const enc = new TextEncoder();

/** Digest of the parts in order, without joining them first (the round loops run thousands of times). */
function digest(h: Hash, parts: Uint8Array[]): Uint8Array {
  const ctx = h.create();
  for (const p of parts) ctx.update(p);
  return ctx.digest();
}

/** `n` bytes of `src` repeated (the spec's "as many bytes of X as the password is long"). */
function repeatTo(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i % src.length]!;
  return out;
}

function to64(value: number, chars: number): string {
  let s = "";
  for (let i = 0; i < chars; i++) {
    s += ITOA64[value & 0x3f];
    value >>>= 6;
  }
  return s;
}

function b(d: Uint8Array, i: number): number {
  return d[i]!;
}

function encodeDigest(
  d: Uint8Array,
  order: readonly (readonly [number, number, number])[],
): string {
  let s = "";
  for (const [x, y, z] of order) s += to64((b(d, x) << 16) | (b(d, y) << 8) | b(d, z), 4);
  return s;
}

/** md5-crypt (`$1$`), as busybox passwd writes by default. */
function md5Crypt(password: Uint8Array, salt: string): string {
  const s = enc.encode(salt);
  const alt = digest(md5, [password, s, password]);
  const parts: Uint8Array[] = [password, enc.encode(MD5_MAGIC), s];
  for (let left = password.length; left > 0; left -= 16) {
    parts.push(alt.subarray(0, Math.min(16, left)));
  }
  // The original's bit loop adds a NUL for set bits and the first password byte otherwise.
  for (let i = password.length; i > 0; i >>>= 1) {
    parts.push((i & 1) ? new Uint8Array(1) : password.subarray(0, 1));
  }
  let fin = digest(md5, parts);
  for (let i = 0; i < MD5_ROUNDS; i++) {
    const r: Uint8Array[] = [(i & 1) ? password : fin];
    if (i % 3) r.push(s);
    if (i % 7) r.push(password);
    r.push((i & 1) ? fin : password);
    fin = digest(md5, r);
  }
  return `${MD5_MAGIC}${salt}$${encodeDigest(fin, MD5_ORDER)}${to64(b(fin, 11), 2)}`;
}

/** sha256-crypt / sha512-crypt (`$5$` / `$6$`, Ulrich Drepper's specification). */
function shaCrypt(
  id: "5" | "6",
  password: Uint8Array,
  salt: string,
  rounds: number,
  explicitRounds: boolean,
): string {
  const h: Hash = id === "5" ? sha256 : sha512;
  const s = enc.encode(salt);
  const pl = password.length;
  const bDigest = digest(h, [password, s, password]);
  const aParts: Uint8Array[] = [password, s, repeatTo(bDigest, pl)];
  for (let i = pl; i > 0; i >>>= 1) aParts.push((i & 1) ? bDigest : password);
  const a = digest(h, aParts);
  const p = repeatTo(digest(h, new Array<Uint8Array>(pl).fill(password)), pl);
  const sRep = repeatTo(digest(h, new Array<Uint8Array>(16 + b(a, 0)).fill(s)), s.length);
  let c = a;
  for (let i = 0; i < rounds; i++) {
    const r: Uint8Array[] = [(i & 1) ? p : c];
    if (i % 3) r.push(sRep);
    if (i % 7) r.push(p);
    r.push((i & 1) ? c : p);
    c = digest(h, r);
  }
  const body = id === "5"
    ? encodeDigest(c, SHA256_ORDER) + to64((b(c, 31) << 8) | b(c, 30), 3)
    : encodeDigest(c, SHA512_ORDER) + to64(b(c, 63), 2);
  const roundsPart = explicitRounds ? `rounds=${rounds}$` : "";
  return `$${id}$${roundsPart}${salt}$${body}`;
}

/**
 * Compute the crypt(3) string for `password` with the method, rounds and salt of `setting`
 * (a full hash or just its `$id$[rounds=N$]salt` prefix); null for a method this does not know.
 * @example cryptHash("secret", "$1$abcdefgh$") // "$1$abcdefgh$..."
 */
export function cryptHash(password: string, setting: string): string | null {
  const pw = enc.encode(password);
  const m = /^\$([156])\$(?:rounds=(\d{1,10})\$)?([^$:\n]*)/.exec(setting);
  if (!m) return null;
  const id = m[1]!;
  if (id === "1") {
    if (m[2] !== undefined) return null;
    return md5Crypt(pw, m[3]!.slice(0, MD5_SALT_MAX));
  }
  const salt = m[3]!.slice(0, SHA_SALT_MAX);
  const explicit = m[2] !== undefined;
  const asked = explicit ? Number(m[2]) : SHA_ROUNDS_DEFAULT;
  const rounds = Math.min(SHA_ROUNDS_MAX, Math.max(SHA_ROUNDS_MIN, asked));
  return shaCrypt(id as "5" | "6", pw, salt, rounds, explicit);
}

/** Compare two strings without an early exit on the first difference. */
function sameString(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/**
 * Check `password` against a crypt(3) hash from /etc/shadow: `$1$`, `$5$`, `$6$`. An empty
 * hash accepts any password (as rpcd does); `*`, `!…` and unknown methods accept none.
 * @example verifyCrypt("secret", "$6$salt$...") // true or false
 */
export function verifyCrypt(password: string, hash: string): boolean {
  if (hash === "") return true;
  if (!hash.startsWith("$")) return false;
  const computed = cryptHash(password, hash);
  return computed !== null && sameString(computed, hash);
}
