// Reads an APKv3 package back and checks it the way apk's extractor does (extract_v3.c).
import { sha256 } from "@noble/hashes/sha2.js";
import { equalBytes } from "../lib/bytes.ts";
import { ParseError } from "../lib/errors.ts";
import {
  ADB_DEFLATE_MAGIC,
  ADB_MAGIC,
  AdbReader,
  BLOCK_ADB,
  BLOCK_DATA,
  BLOCK_SIG,
  readAdbContainer,
} from "./adb.ts";
import { PACKAGE_ID_LEN, PI, PKG, SCRIPT_SLOTS } from "./apk.ts";
import { inflateOrFail, type InflateRaw } from "./gzip.ts";

/** A file of a read package. */
export interface ApkFile {
  name: string;
  mode: number;
  user: string;
  group: string;
  size: number;
  mtime: number;
  hash: Uint8Array;
  target: Uint8Array;
  data: Uint8Array;
}

/** A directory of a read package ("" = the package root). */
export interface ApkDir {
  name: string;
  mode: number;
  user: string;
  group: string;
  files: ApkFile[];
}

/** A package read back. */
export interface ReadApk {
  /** pkginfo fields by name (strings; integers as decimal text). */
  info: Map<string, string>;
  packageId: Uint8Array;
  depends: { name: string; version: string; match: number }[];
  dirs: ApkDir[];
  scripts: Map<string, string>;
  /** The ADB payload as stored (id filled in). */
  adb: Uint8Array;
  signatures: number;
}

const INFO_STRINGS: [string, number][] = [
  ["name", PI.name],
  ["version", PI.version],
  ["description", PI.description],
  ["arch", PI.arch],
  ["license", PI.license],
  ["origin", PI.origin],
  ["maintainer", PI.maintainer],
  ["url", PI.url],
];
const INFO_INTS: [string, number][] = [
  ["build-time", PI.buildTime],
  ["installed-size", PI.installedSize],
  ["provider-priority", PI.providerPriority],
];

/** Decompresses the outer layer: `ADB.` as is, `ADBd` through raw inflate. */
export async function apkContainer(file: Uint8Array, inflate: InflateRaw): Promise<Uint8Array> {
  if (file.length < 4) throw new RangeError(`Truncated apk: ${file.length} bytes`);
  if (ADB_MAGIC.every((b, i) => file[i] === b)) return file;
  if (ADB_DEFLATE_MAGIC.every((b, i) => file[i] === b)) {
    return await inflateOrFail(inflate, file.subarray(4), "apk");
  }
  throw new ParseError(
    'Cannot read apk: it starts with neither "ADB." nor "ADBd" (an APKv2 or other file?)',
  );
}

function acl(r: AdbReader, tag: number): { mode: number; user: string; group: string } {
  const s = r.obj(tag);
  return { mode: r.int(s[0] ?? 0), user: r.str(s[1] ?? 0), group: r.str(s[2] ?? 0) };
}

/**
 * Reads and checks a package: block order, package id, DATA block order and sizes, file hashes.
 * @example (await readApk(bytes, inflateRaw)).info.get("name")
 */
export async function readApk(file: Uint8Array, inflate: InflateRaw): Promise<ReadApk> {
  const blocks = readAdbContainer(await apkContainer(file, inflate));
  const first = blocks[0];
  if (first === undefined || first.type !== BLOCK_ADB) {
    throw new ParseError("Cannot read apk: the first block is not an ADB block");
  }
  if (first.payload.length < 16) {
    throw new ParseError(`Cannot read apk: ADB block of ${first.payload.length} bytes is below 16`);
  }
  const r = new AdbReader(first.payload);
  const pkg = r.obj(r.root);
  const infoSlots = r.obj(pkg[PKG.info - 1] ?? 0);
  const slot = (i: number) => infoSlots[i - 1] ?? 0;
  const info = new Map<string, string>();
  for (const [k, i] of INFO_STRINGS) if (slot(i) !== 0) info.set(k, r.str(slot(i)));
  for (const [k, i] of INFO_INTS) if (slot(i) !== 0) info.set(k, String(r.int(slot(i))));
  const packageId = r.blob(slot(PI.hashes));
  if (packageId.length === PACKAGE_ID_LEN) {
    const zeroed = first.payload.slice();
    const at = (slot(PI.hashes) & 0x0fffffff) + 1;
    zeroed.fill(0, at, at + PACKAGE_ID_LEN);
    if (!equalBytes(sha256(zeroed).subarray(0, PACKAGE_ID_LEN), packageId)) {
      throw new ParseError("Cannot read apk: package id does not match the ADB payload");
    }
  }
  const depends = r.obj(slot(PI.depends)).map((t) => {
    const d = r.obj(t);
    return { name: r.str(d[0] ?? 0), version: r.str(d[1] ?? 0), match: r.int(d[2] ?? 0) };
  });
  const dirs: ApkDir[] = r.obj(pkg[PKG.paths - 1] ?? 0).map((t) => {
    const d = r.obj(t);
    const files = r.obj(d[2] ?? 0).map((ft): ApkFile => {
      const f = r.obj(ft);
      return {
        name: r.str(f[0] ?? 0),
        ...acl(r, f[1] ?? 0),
        size: r.int(f[2] ?? 0),
        mtime: r.int(f[3] ?? 0),
        hash: r.blob(f[4] ?? 0),
        target: r.blob(f[5] ?? 0),
        data: new Uint8Array(0),
      };
    });
    return { name: r.str(d[0] ?? 0), ...acl(r, d[1] ?? 0), files };
  });
  const scripts = new Map<string, string>();
  r.obj(pkg[PKG.scripts - 1] ?? 0).forEach((t, i) => {
    if (t !== 0) scripts.set(SCRIPT_SLOTS[i] ?? `slot${i + 1}`, r.str(t));
  });
  let signatures = 0;
  let i = 1;
  for (; i < blocks.length && blocks[i]!.type === BLOCK_SIG; i++) signatures++;
  const expected = dirs.flatMap((d, di) => d.files.map((f, fi) => ({ f, di, fi })))
    .filter(({ f }) => f.target.length === 0 && f.size > 0);
  for (const { f, di, fi } of expected) {
    const b = blocks[i++];
    if (b === undefined) throw new RangeError(`Truncated apk: no DATA block for "${f.name}"`);
    if (b.type !== BLOCK_DATA || b.payload.length < 8) {
      throw new ParseError(`Cannot read apk: expected a DATA block for "${f.name}"`);
    }
    const v = new DataView(b.payload.buffer, b.payload.byteOffset, 8);
    if (
      v.getUint32(0, true) !== di + 1 || v.getUint32(4, true) !== fi + 1 ||
      b.payload.length - 8 !== f.size
    ) {
      throw new ParseError(
        `Cannot read apk: DATA block for "${f.name}" has the wrong index or length`,
      );
    }
    f.data = b.payload.subarray(8);
    if (!equalBytes(sha256(f.data), f.hash)) {
      throw new ParseError(`Cannot read apk: file "${f.name}" fails its SHA-256`);
    }
  }
  if (i !== blocks.length) {
    throw new ParseError(`Cannot read apk: ${blocks.length - i} unexpected blocks at the end`);
  }
  return { info, packageId, depends, dirs, scripts, adb: first.payload, signatures };
}
