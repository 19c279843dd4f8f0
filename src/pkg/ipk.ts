// .ipk as OpenWrt's scripts/ipkg-build writes it and opkg-lede reads it: a gzip'd GNU tar holding
// ./debian-binary, ./data.tar.gz and ./control.tar.gz (no `ar`).
import { ParseError } from "../lib/errors.ts";
import { utf8 } from "../lib/bytes.ts";
import { type DeflateRaw, gunzip, gzip, type InflateRaw } from "./gzip.ts";
import { checkMeta, type PackageMeta } from "./meta.ts";
import { ipkPostinst, ipkPrerm } from "./openwrt_scripts.ts";
import { readTar, type TarMember, writeTar } from "./tar.ts";
import type { TreeEntry } from "./tree.ts";

/** The outer members in the order ipkg-build names them on its tar command line. */
export const IPK_MEMBERS = ["./debian-binary", "./data.tar.gz", "./control.tar.gz"] as const;

/** The `control` file, fields in the order of OpenWrt's include/package-pack.mk. */
export function ipkControl(meta: PackageMeta, installedSize: number): string {
  const fields: [string, string | undefined][] = [
    ["Package", meta.name],
    ["Version", meta.version],
    ["Depends", meta.depends.length > 0 ? meta.depends.join(", ") : undefined],
    ["Provides", meta.provides?.join(", ")],
    ["Source", meta.source],
    ["SourceName", meta.sourceName],
    ["License", meta.license],
    ["LicenseFiles", meta.licenseFiles],
    ["Section", meta.section],
    ["SourceDateEpoch", String(meta.sourceDateEpoch)],
    ["URL", meta.url],
    ["Maintainer", meta.maintainer],
    ["Architecture", meta.arch],
    ["Installed-Size", String(installedSize)],
    ["Description", meta.description.trim().split("\n").join("\n ")],
  ];
  return fields.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `${k}: ${v}\n`).join(
    "",
  );
}

/** A built package: its bytes, conventional file name and the `Installed-Size` it declares. */
export interface BuiltIpk {
  bytes: Uint8Array;
  fileName: string;
  installedSize: number;
}

/**
 * Builds an .ipk from metadata and a payload tree (paths relative to `/`).
 * @example await buildIpk(meta, [{ kind: "file", path: "etc/config/punch", mode: 0o644, data }], deflateRaw)
 */
export async function buildIpk(
  meta: PackageMeta,
  tree: readonly TreeEntry[],
  deflate: DeflateRaw,
  opts: { xfl?: number } = {},
): Promise<BuiltIpk> {
  checkMeta(meta);
  const tarOpts = { mtime: meta.sourceDateEpoch };
  const dataTar = writeTar(tree, tarOpts);
  const installedSize = dataTar.length;
  const control: TreeEntry[] = [
    { kind: "dir", path: "", mode: 0o755 },
    {
      kind: "file",
      path: "control",
      mode: 0o644,
      data: utf8.encode(ipkControl(meta, installedSize)),
    },
    { kind: "file", path: "postinst", mode: 0o755, data: utf8.encode(ipkPostinst()) },
    { kind: "file", path: "prerm", mode: 0o755, data: utf8.encode(ipkPrerm()) },
  ];
  if (meta.conffiles.length > 0) {
    const sorted = [...meta.conffiles].sort();
    control.push({
      kind: "file",
      path: "conffiles",
      mode: 0o644,
      data: utf8.encode(sorted.map((c) => `${c}\n`).join("")),
    });
  }
  if (meta.postinst !== undefined) {
    control.push({
      kind: "file",
      path: "postinst-pkg",
      mode: 0o755,
      data: utf8.encode(meta.postinst),
    });
  }
  if (meta.prerm !== undefined) {
    control.push({ kind: "file", path: "prerm-pkg", mode: 0o755, data: utf8.encode(meta.prerm) });
  }
  const outer: TreeEntry[] = [
    { kind: "file", path: "debian-binary", mode: 0o644, data: utf8.encode("2.0\n") },
    {
      kind: "file",
      path: "data.tar.gz",
      mode: 0o644,
      data: await gzip(dataTar, deflate, opts.xfl),
    },
    {
      kind: "file",
      path: "control.tar.gz",
      mode: 0o644,
      data: await gzip(writeTar(control, tarOpts), deflate, opts.xfl),
    },
  ];
  const outerTar = writeTar(outer, tarOpts, { addParents: false });
  return {
    bytes: await gzip(outerTar, deflate, opts.xfl),
    fileName: `${meta.name}_${meta.version}_${meta.arch}.ipk`,
    installedSize,
  };
}

/** An .ipk read back: control fields, control members and data members. */
export interface ReadIpk {
  fields: Map<string, string>;
  control: TarMember[];
  data: TarMember[];
  /** Length of the uncompressed data tar (what `Installed-Size` should say). */
  dataTarSize: number;
  /** Outer member names in archive order. */
  outerNames: string[];
}

/** Parses a `control` file into fields (continuation lines joined with "\n"). */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  text.split("\n").forEach((line, i) => {
    if (line === "") return;
    if (line.startsWith(" ") && last !== null) {
      fields.set(last, `${fields.get(last)}\n${line.slice(1)}`);
      return;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m === null) {
      throw new ParseError(`Cannot read control line "${line}": expected "Field: value"`, i + 1);
    }
    last = m[1]!;
    fields.set(last, m[2]!);
  });
  return fields;
}

function member(list: TarMember[], name: string): TarMember {
  const m = list.find((x) => x.name === name || x.name === name.replace(/^\.\//, ""));
  if (m === undefined) throw new ParseError(`Cannot read ipk: member "${name}" is missing`);
  return m;
}

/** Reads an .ipk the way opkg does (gunzip, tar walk, inner gzip'd tars). */
export async function readIpk(ipk: Uint8Array, inflate: InflateRaw): Promise<ReadIpk> {
  const outer = readTar(await gunzip(ipk, inflate));
  const control = readTar(await gunzip(member(outer, "./control.tar.gz").data, inflate));
  const dataTar = await gunzip(member(outer, "./data.tar.gz").data, inflate);
  return {
    fields: parseControl(utf8.decode(member(control, "./control").data)),
    control,
    data: readTar(dataTar),
    dataTarSize: dataTar.length,
    outerNames: outer.map((m) => m.name),
  };
}
