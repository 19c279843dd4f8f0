// GNU tar, as `tar --format=gnu --numeric-owner --sort=name` writes it (OpenWrt scripts/ipkg-build).
import { ParseError } from "../lib/errors.ts";
import { concat, utf8 } from "../lib/bytes.ts";
import { completeTree, type TreeEntry } from "./tree.ts";

const BLOCK = 512;
/** GNU tar's default record: blocking factor 20 × 512 bytes; the archive is padded to it. */
const RECORD = 20 * BLOCK;
/** GNU magic "ustar  \0" (magic "ustar " + version " \0"), not POSIX "ustar\000". */
const GNU_MAGIC = utf8.encode("ustar  \0");
const USTAR_MAGIC = utf8.encode("ustar\u0000");
const TYPE_FILE = 0x30; // '0'
const TYPE_SYMLINK = 0x32; // '2'
const TYPE_DIR = 0x35; // '5'
const TYPE_GNU_LONGNAME = 0x4c; // 'L'
const TYPE_GNU_LONGLINK = 0x4b; // 'K'
const LONGLINK_NAME = "././@LongLink";

/** Options common to every entry of one archive. */
export interface TarOptions {
  /** Modification time of every entry (unix seconds), like `--mtime=@N`. */
  mtime: number;
  /** Numeric owner and group (default 0, as under fakeroot). */
  uid?: number;
  gid?: number;
  /** Prefix of every member name; ipkg-build archives `.` so names start with `./` (default). */
  prefix?: "./" | "";
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function header(
  name: string,
  type: number,
  mode: number,
  size: number,
  link: string,
  o: TarOptions,
): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (off: number, len: number, s: string | Uint8Array) => {
    const b = typeof s === "string" ? utf8.encode(s) : s;
    h.set(b.subarray(0, len), off);
  };
  put(0, 100, name);
  put(100, 8, octal(mode & 0o7777, 8));
  put(108, 8, octal(o.uid ?? 0, 8));
  put(116, 8, octal(o.gid ?? 0, 8));
  put(124, 12, octal(size, 12));
  put(136, 12, octal(type === TYPE_GNU_LONGNAME || type === TYPE_GNU_LONGLINK ? 0 : o.mtime, 12));
  h.fill(0x20, 148, 156);
  h[156] = type;
  put(157, 100, link);
  put(257, 8, GNU_MAGIC);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, octal(sum, 7) + " ");
  return h;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, new Uint8Array(BLOCK - rest)];
}

function longEntry(type: number, value: string, o: TarOptions): Uint8Array[] {
  const bytes = concat([utf8.encode(value), new Uint8Array(1)]);
  // GNU tar gives the @LongLink pseudo-entry mode 0644, owner 0 and mtime 0.
  return [
    header(LONGLINK_NAME, type, 0o644, bytes.length, "", { ...o, uid: 0, gid: 0 }),
    ...padded(bytes),
  ];
}

/**
 * Writes a GNU tar archive of a tree, parents first and in `--sort=name` order, padded to a
 * 10240-byte record like GNU tar.
 * @example writeTar([{ kind: "file", path: "debian-binary", mode: 0o644, data: utf8.encode("2.0\n") }], { mtime: 0 })
 */
export function writeTar(
  entries: readonly TreeEntry[],
  o: TarOptions,
  opts: { addParents?: boolean } = {},
): Uint8Array {
  const list = opts.addParents === false ? entries : completeTree(entries);
  const prefix = o.prefix ?? "./";
  const parts: Uint8Array[] = [];
  for (const e of list) {
    const name = e.kind === "dir"
      ? (e.path === "" ? prefix || "./" : `${prefix}${e.path}/`)
      : `${prefix}${e.path}`;
    if (utf8.encode(name).length > 100) parts.push(...longEntry(TYPE_GNU_LONGNAME, name, o));
    if (e.kind === "dir") parts.push(header(name, TYPE_DIR, e.mode, 0, "", o));
    else if (e.kind === "symlink") {
      if (utf8.encode(e.target).length > 100) {
        parts.push(...longEntry(TYPE_GNU_LONGLINK, e.target, o));
      }
      parts.push(header(name, TYPE_SYMLINK, e.mode ?? 0o777, 0, e.target, o));
    } else {
      parts.push(header(name, TYPE_FILE, e.mode, e.data.length, "", o), ...padded(e.data));
    }
  }
  let size = parts.reduce((n, p) => n + p.length, 0) + 2 * BLOCK;
  size = Math.ceil(size / RECORD) * RECORD;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** One member read back from a tar archive. */
export interface TarMember {
  /** Name as stored, e.g. `./usr/bin/punchd` or `./etc/`. */
  name: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  data: Uint8Array;
  linkname: string;
}

function cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return utf8.decode(end < 0 ? b : b.subarray(0, end));
}

function parseOctal(b: Uint8Array, what: string): number {
  const s = cstr(b).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) {
    throw new ParseError(`Cannot read tar ${what} "${s}": not an octal number`);
  }
  return parseInt(s, 8);
}

/**
 * Reads a GNU or ustar archive (regular files, directories, symlinks and GNU long names);
 * throws `RangeError` if truncated and `ParseError` on a bad checksum or unknown entry type.
 * @example readTar(writeTar(entries, { mtime: 0 })).map((m) => m.name)
 */
export function readTar(tar: Uint8Array): TarMember[] {
  const out: TarMember[] = [];
  let off = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  for (;;) {
    if (off + BLOCK > tar.length) {
      throw new RangeError(`Truncated tar: header at offset ${off} is cut short`);
    }
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return out;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = parseOctal(h.subarray(148, 156), "checksum");
    if (stored !== sum) {
      throw new ParseError(
        `Cannot read tar header at offset ${off}: checksum ${stored} is not ${sum}`,
      );
    }
    const magic = h.subarray(257, 265);
    const isGnu = magic.every((b, i) => b === GNU_MAGIC[i]);
    const isUstar = magic.subarray(0, 6).every((b, i) => b === USTAR_MAGIC[i]);
    if (!isGnu && !isUstar) {
      throw new ParseError(`Cannot read tar header at offset ${off}: no ustar magic`);
    }
    const size = parseOctal(h.subarray(124, 136), "size");
    const dataStart = off + BLOCK;
    if (dataStart + size > tar.length) {
      throw new RangeError(`Truncated tar: member at offset ${off} needs ${size} bytes`);
    }
    const data = tar.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const type = h[156]!;
    if (type === TYPE_GNU_LONGNAME) {
      longName = cstr(data);
      continue;
    }
    if (type === TYPE_GNU_LONGLINK) {
      longLink = cstr(data);
      continue;
    }
    let name = longName ?? cstr(h.subarray(0, 100));
    if (longName === null && isUstar && h[345] !== 0) {
      name = `${cstr(h.subarray(345, 500))}/${name}`;
    }
    const linkname = longLink ?? cstr(h.subarray(157, 257));
    longName = longLink = null;
    const kind = type === TYPE_FILE || type === 0
      ? "file"
      : type === TYPE_DIR
      ? "dir"
      : type === TYPE_SYMLINK
      ? "symlink"
      : null;
    if (kind === null) {
      throw new ParseError(
        `Cannot read tar member "${name}": entry type ${
          String.fromCharCode(type)
        } is not supported`,
      );
    }
    out.push({
      name,
      type: kind,
      mode: parseOctal(h.subarray(100, 108), "mode"),
      uid: parseOctal(h.subarray(108, 116), "uid"),
      gid: parseOctal(h.subarray(116, 124), "gid"),
      mtime: parseOctal(h.subarray(136, 148), "mtime"),
      data,
      linkname,
    });
  }
}
