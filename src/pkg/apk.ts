// APKv3 package as `apk mkpkg` writes it (apk-tools src/app_mkpkg.c, schema src/apk_adb.h),
// with OpenWrt's metadata files and scripts (include/package-pack.mk).
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../lib/bytes.ts";
import {
  ADB_DEFLATE_MAGIC,
  ADB_MAGIC,
  adbBlock,
  AdbWriter,
  BLOCK_ADB,
  BLOCK_DATA,
  SCHEMA_PACKAGE,
} from "./adb.ts";
import type { DeflateRaw } from "./gzip.ts";
import { checkMeta, type PackageMeta } from "./meta.ts";
import { apkScripts } from "./openwrt_scripts.ts";
import { compareBytewise, completeTree, type TreeEntry } from "./tree.ts";
import { concat } from "../lib/bytes.ts";

/** pkginfo slots (apk_adb.h ADBI_PI_*). */
export const PI = {
  name: 1,
  version: 2,
  hashes: 3,
  description: 4,
  arch: 5,
  license: 6,
  origin: 7,
  maintainer: 8,
  url: 9,
  repoCommit: 10,
  buildTime: 11,
  installedSize: 12,
  fileSize: 13,
  providerPriority: 14,
  depends: 15,
  provides: 16,
  replaces: 17,
  installIf: 18,
  recommends: 19,
  layer: 20,
  tags: 21,
} as const;
/** Root package object slots (ADBI_PKG_*). */
export const PKG = { info: 1, paths: 2, scripts: 3, triggers: 4, replacesPriority: 5 } as const;
/** Script slots (ADBI_SCRPT_*). */
export const SCRIPT_SLOTS = [
  "trigger",
  "pre-install",
  "post-install",
  "pre-deinstall",
  "post-deinstall",
  "pre-upgrade",
  "post-upgrade",
] as const;
/** Dependency match bits (APK_VERSION_*). */
const MATCH: Record<string, number | undefined> = {
  "=": undefined,
  "<": 2,
  "<=": 3,
  ">": 4,
  ">=": 5,
  "~": 9,
};
/** Length of the package id in pkginfo `hashes` (SHA-256 truncated to 160 bits). */
export const PACKAGE_ID_LEN = 20;
const S_IFLNK = 0xa000;

/** Parses an opkg dependency (`foo`, `foo (>= 1.2)`, `foo>=1.2`) into apk's dependency fields. */
export function parseDependency(dep: string): { name: string; version?: string; match?: number } {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._+-]*)\s*(?:\(?\s*(>=|<=|>|<|=|~)\s*([^\s)]+)\s*\)?)?\s*$/
    .exec(dep);
  if (m === null) {
    throw new RangeError(`Dependency "${dep}" is not valid: use "name" or "name (>= 1.2)"`);
  }
  if (m[2] === undefined || m[3] === undefined) return { name: m[1]! };
  const match = MATCH[m[2]];
  return match === undefined
    ? { name: m[1]!, version: m[3] }
    : { name: m[1]!, version: m[3], match };
}

/** The payload with OpenWrt's `lib/apk/packages/<name>.{list,conffiles,conffiles_static}` added. */
export function withApkMetadataFiles(meta: PackageMeta, tree: readonly TreeEntry[]): TreeEntry[] {
  const dir = "lib/apk/packages";
  const listPath = `${dir}/${meta.name}.list`;
  const listed = [
    ...tree.filter((e) => e.kind !== "dir").map((e) => e.path.replace(/^\.?\/*/, "")),
    listPath,
  ];
  const list = listed.map((p) => `/${p}`).sort(compareBytewise).map((p) => `${p}\n`).join("");
  const out: TreeEntry[] = [...tree, {
    kind: "file",
    path: listPath,
    mode: 0o644,
    data: utf8.encode(list),
  }];
  if (meta.conffiles.length > 0) {
    const text = meta.conffiles.map((c) => `${c}\n`).join("");
    out.push({
      kind: "file",
      path: `${dir}/${meta.name}.conffiles`,
      mode: 0o644,
      data: utf8.encode(text),
    });
    const lines: string[] = [];
    for (const c of meta.conffiles) {
      const f = tree.find((e) => e.kind === "file" && `/${e.path.replace(/^\.?\/*/, "")}` === c);
      if (f?.kind === "file") lines.push(`${c} ${toHex(sha256(f.data))}\n`);
    }
    if (lines.length > 0) {
      out.push({
        kind: "file",
        path: `${dir}/${meta.name}.conffiles_static`,
        mode: 0o644,
        data: utf8.encode(lines.join("")),
      });
    }
  }
  return out;
}

interface DirGroup {
  name: string;
  mode: number;
  files: TreeEntry[];
}

/** Groups a completed tree into apk's dirs (sorted by path) with their files (sorted by name). */
export function groupDirs(tree: readonly TreeEntry[]): DirGroup[] {
  const dirs = new Map<string, DirGroup>();
  for (const e of tree) {
    if (e.kind === "dir") dirs.set(e.path, { name: e.path, mode: e.mode, files: [] });
  }
  for (const e of tree) {
    if (e.kind === "dir") continue;
    const slash = e.path.lastIndexOf("/");
    dirs.get(slash < 0 ? "" : e.path.slice(0, slash))!.files.push(e);
  }
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const out = [...dirs.values()].sort((a, b) => compareBytewise(a.name, b.name));
  for (const d of out) d.files.sort((a, b) => compareBytewise(base(a.path), base(b.path)));
  return out;
}

/** Options for `buildApk`. */
export interface ApkOptions {
  /** Write `ADBd` + raw deflate (default, like mkpkg) or the plain `ADB.` container. */
  compress?: boolean;
}

/** A built package: bytes, conventional file name and the values a reader should find. */
export interface BuiltApk {
  bytes: Uint8Array;
  fileName: string;
  installedSize: number;
  /** pkginfo `hashes`: first 20 bytes of SHA-256 over the ADB payload with these bytes zero. */
  packageId: Uint8Array;
  /** The uncompressed container ("ADB.pckg" + blocks). */
  container: Uint8Array;
}

function aclFor(w: AdbWriter, cache: Map<number, number>, mode: number): number {
  let tag = cache.get(mode & 0o7777);
  if (tag === undefined) {
    tag = w.obj([w.int(mode & 0o7777), w.blob("root"), w.blob("root")]);
    cache.set(mode & 0o7777, tag);
  }
  return tag;
}

function fileObj(w: AdbWriter, acls: Map<number, number>, f: TreeEntry, mtime: number): number {
  const name = w.blob(f.path.slice(f.path.lastIndexOf("/") + 1));
  if (f.kind === "symlink") {
    const link = utf8.encode(f.target);
    const target = new Uint8Array(2 + link.length);
    new DataView(target.buffer).setUint16(0, S_IFLNK, true);
    target.set(link, 2);
    return w.obj([
      name,
      aclFor(w, acls, 0o777),
      w.int(link.length),
      mtime,
      undefined,
      w.blob(target),
    ]);
  }
  if (f.kind !== "file") throw new RangeError(`Unexpected directory "${f.path}" among files`);
  return w.obj([
    name,
    aclFor(w, acls, f.mode),
    w.int(f.data.length),
    mtime,
    w.blob(sha256(f.data)),
  ]);
}

/** Writes the `paths` array (dirs with their files); children before parents. */
function pathsObj(w: AdbWriter, dirs: readonly DirGroup[], sourceDateEpoch: number): number {
  const acls = new Map<number, number>();
  const mtime = w.int(sourceDateEpoch);
  return w.obj(dirs.map((d) => {
    const files = w.obj(d.files.map((f) => fileObj(w, acls, f, mtime)));
    return w.obj([w.blob(d.name), aclFor(w, acls, d.mode), files]);
  }));
}

/** Writes pkginfo; returns its tag and where the 20 id bytes are to be patched in. */
function infoObj(
  w: AdbWriter,
  meta: PackageMeta,
  installedSize: number,
): { tag: number; idOffset: number } {
  const deps = [...meta.depends].map(parseDependency).sort((a, b) =>
    compareBytewise(a.name, b.name)
  );
  const depTags = deps.map((d) =>
    w.obj([
      w.blob(d.name),
      d.version === undefined ? undefined : w.blob(d.version),
      d.match === undefined ? undefined : w.int(d.match),
    ])
  );
  const id = w.blobAt(new Uint8Array(PACKAGE_ID_LEN));
  const info = new Array<number | undefined>(PI.tags).fill(undefined);
  info[PI.name - 1] = w.blob(meta.name);
  info[PI.version - 1] = w.blob(meta.version);
  info[PI.hashes - 1] = id.tag;
  info[PI.description - 1] = w.blob(meta.description.trim().replace(/\s*\n\s*/g, " "));
  info[PI.arch - 1] = w.blob(meta.arch === "all" ? "noarch" : meta.arch);
  info[PI.license - 1] = w.blob(meta.license ?? "");
  info[PI.origin - 1] = w.blob(meta.source ?? "");
  info[PI.maintainer - 1] = w.blob(meta.maintainer ?? "");
  info[PI.url - 1] = w.blob(meta.url ?? "");
  info[PI.installedSize - 1] = w.int(installedSize);
  info[PI.depends - 1] = w.obj(depTags);
  return { tag: w.obj(info), idOffset: id.dataOffset };
}

/** One DATA block per regular file with content, in iteration order (extract_v3.c). */
function dataBlocks(dirs: readonly DirGroup[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  dirs.forEach((d, di) => {
    d.files.forEach((f, fi) => {
      if (f.kind !== "file" || f.data.length === 0) return;
      const idx = new Uint8Array(8);
      new DataView(idx.buffer).setUint32(0, di + 1, true);
      new DataView(idx.buffer).setUint32(4, fi + 1, true);
      blocks.push(adbBlock(BLOCK_DATA, [idx, f.data]));
    });
  });
  return blocks;
}

/**
 * Builds an unsigned APKv3 package from metadata and a payload tree (paths relative to `/`).
 * @example await buildApk(meta, [{ kind: "file", path: "etc/config/punch", mode: 0o644, data }], deflateRaw)
 */
export async function buildApk(
  meta: PackageMeta,
  payload: readonly TreeEntry[],
  deflate: DeflateRaw,
  opts: ApkOptions = {},
): Promise<BuiltApk> {
  checkMeta(meta);
  const dirs = groupDirs(completeTree(withApkMetadataFiles(meta, payload)));
  const fileBytes = dirs.flatMap((d) => d.files).reduce(
    (n, f) => n + (f.kind === "file" ? f.data.length : 0),
    0,
  );
  // installed-size 0 marks a meta package whose files apk silently skips
  const installedSize = Math.max(1, fileBytes);
  const w = new AdbWriter();
  const paths = pathsObj(w, dirs, meta.sourceDateEpoch);
  const info = infoObj(w, meta, installedSize);
  const scripts = apkScripts(meta.name, meta.postinst, meta.prerm);
  const scriptTags = SCRIPT_SLOTS.map((
    s,
  ) => (s in scripts ? w.blob(scripts[s as keyof typeof scripts]) : undefined));
  const adb = w.finish(w.obj([info.tag, paths, w.obj(scriptTags)]));
  const packageId = sha256(adb).slice(0, PACKAGE_ID_LEN);
  adb.set(packageId, info.idOffset);

  const head = new Uint8Array(8);
  head.set(ADB_MAGIC);
  new DataView(head.buffer).setUint32(4, SCHEMA_PACKAGE, true);
  const container = concat([head, adbBlock(BLOCK_ADB, adb), ...dataBlocks(dirs)]);
  const bytes = opts.compress === false
    ? container
    : concat([ADB_DEFLATE_MAGIC, await deflate(container)]);
  return {
    bytes,
    fileName: `${meta.name}-${meta.version}.apk`,
    installedSize,
    packageId,
    container,
  };
}
