import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, test } from "vitest";
import { toHex, utf8 } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { AdbReader, AdbWriter, readAdbContainer, T } from "../../src/pkg/adb.ts";
import { buildApk, parseDependency, withApkMetadataFiles } from "../../src/pkg/apk.ts";
import { readApk } from "../../src/pkg/apk_read.ts";
import { deflateRaw, inflateRaw } from "../../src/pkg/compress_deno.ts";
import { deflateStored } from "../../src/pkg/gzip.ts";
import { MTIME, sampleMeta, sampleTree, vector } from "./sample.ts";

const stored = (d: Uint8Array) => Promise.resolve(deflateStored(d));
const UPDATE = Deno.env.get("UPDATE_VECTORS") === "1";

describe("ADB values", () => {
  test("smallest forms and alignments (apk-v3.md §3)", () => {
    const w = new AdbWriter();
    const b8 = w.blob("ab");
    expect(w.int(5)).toBe(0x10000005);
    const i32 = w.int(MTIME);
    expect(i32 >>> 28).toBe(T.int32);
    expect((i32 & 0x0fffffff) % 4).toBe(0);
    const i64 = w.int(2n ** 40n);
    expect(i64 >>> 28).toBe(T.int64);
    expect(w.blob("")).toBe(0);
    expect(w.blob("x".repeat(300)) >>> 28).toBe(T.blob16);
    expect(w.obj([undefined, undefined])).toBe(0);
    const o = w.obj([b8, undefined, 0]);
    const r = new AdbReader(w.finish(o));
    expect(r.obj(r.root)).toEqual([b8]);
    expect([r.str(b8), r.int(i32), r.int(i64)]).toEqual(["ab", MTIME, 2 ** 40]);
  });

  test("dependencies in apk form", () => {
    expect(parseDependency("kmod-wireguard")).toEqual({ name: "kmod-wireguard" });
    expect(parseDependency("libc (>= 1.2)")).toEqual({ name: "libc", version: "1.2", match: 5 });
    expect(parseDependency("foo=2")).toEqual({ name: "foo", version: "2" });
  });
});

describe("buildApk", () => {
  test("a damaged ADBd stream is a ParseError (found by fuzzing)", async () => {
    const bad = Uint8Array.from([0x41, 0x44, 0x42, 0x64, 0xff, 0xff, 0xff, 0xff]);
    await expect(readApk(bad, inflateRaw)).rejects.toThrow(ParseError);
  });

  test("is byte-exact against the stored vectors (ADB. and ADBd with stored deflate)", async () => {
    const plain = await buildApk(sampleMeta, sampleTree, stored, { compress: false });
    const packed = await buildApk(sampleMeta, sampleTree, stored);
    if (UPDATE) {
      Deno.writeFileSync(new URL("../vectors/pkg/small_plain.apk", import.meta.url), plain.bytes);
      Deno.writeFileSync(new URL("../vectors/pkg/small.apk", import.meta.url), packed.bytes);
    }
    expect(plain.bytes).toEqual(vector("small_plain.apk"));
    expect(packed.bytes).toEqual(vector("small.apk"));
    expect(packed.fileName).toBe("punch-0.1.0-r1.apk");
    expect(utf8.decode(packed.bytes.subarray(0, 4))).toBe("ADBd");
    expect(utf8.decode(plain.bytes.subarray(0, 8))).toBe("ADB.pckg");
  });

  test("package id = first 20 bytes of SHA-256 over the payload with the id zeroed", async () => {
    const p = await buildApk(sampleMeta, sampleTree, deflateRaw);
    const adb = readAdbContainer(p.container)[0]!.payload;
    const at = toHex(adb).indexOf(toHex(p.packageId)) / 2;
    const zeroed = adb.slice();
    zeroed.fill(0, at, at + 20);
    expect(zeroed[at - 1]).toBe(20);
    expect(sha256(zeroed).subarray(0, 20)).toEqual(p.packageId);
  });

  test("reads back: info, depends, sorted dirs and files, acl, hashes, DATA blocks", async () => {
    const r = await readApk((await buildApk(sampleMeta, sampleTree, deflateRaw)).bytes, inflateRaw);
    expect(Object.fromEntries(r.info)).toEqual({
      name: "punch",
      version: "0.1.0-r1",
      description: "Direct WireGuard tunnels between home routers",
      arch: "x86_64",
      license: "MIT",
      origin: "punch",
      maintainer: "Punch developers",
      url: "https://example.invalid/punch",
      "installed-size": String(18 + 18 + 73 + 18 + 84),
    });
    expect(r.depends).toEqual([
      { name: "kmod-wireguard", version: "", match: 0 },
      { name: "wireguard-tools", version: "", match: 0 },
    ]);
    expect(r.dirs.map((d) => [d.name, d.files.map((f) => f.name)])).toEqual([
      ["", []],
      ["etc", []],
      ["etc/config", ["punch"]],
      ["lib", []],
      ["lib/apk", []],
      ["lib/apk/packages", ["punch.conffiles", "punch.conffiles_static", "punch.list"]],
      ["usr", []],
      ["usr/bin", ["hello", "hi"]],
    ]);
    const bin = r.dirs.at(-1)!;
    expect([bin.mode, bin.user, bin.group]).toEqual([0o755, "root", "root"]);
    const [hello, hi] = bin.files;
    expect([hello!.mode, hello!.size, hello!.mtime, utf8.decode(hello!.data)]).toEqual([
      0o755,
      18,
      MTIME,
      "#!/bin/sh\necho hi\n",
    ]);
    expect(toHex(hi!.target)).toBe("00a0" + toHex(utf8.encode("hello")));
    expect(hi!.hash.length).toBe(0);
    expect(r.signatures).toBe(0);
  });

  test("OpenWrt metadata files: .list, .conffiles, .conffiles_static", () => {
    const files = withApkMetadataFiles(sampleMeta, sampleTree);
    const text = (p: string) => {
      const f = files.find((e) => e.path === p);
      return f?.kind === "file" ? utf8.decode(f.data) : null;
    };
    expect(text("lib/apk/packages/punch.list")).toBe(
      "/etc/config/punch\n/lib/apk/packages/punch.list\n/usr/bin/hello\n/usr/bin/hi\n",
    );
    expect(text("lib/apk/packages/punch.conffiles")).toBe("/etc/config/punch\n");
    expect(text("lib/apk/packages/punch.conffiles_static")).toBe(
      `/etc/config/punch ${toHex(sha256(utf8.encode("config punch main\n")))}\n`,
    );
  });

  test("scripts as package-pack.mk generates them", async () => {
    const meta = { ...sampleMeta, prerm: "#!/bin/sh\necho bye\n" };
    const r = await readApk((await buildApk(meta, sampleTree, deflateRaw)).bytes, inflateRaw);
    expect([...r.scripts.keys()]).toEqual(["post-install", "pre-deinstall", "post-upgrade"]);
    const post = r.scripts.get("post-install")!;
    expect(post).toBe(
      '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
        '. ${IPKG_INSTROOT}/lib/functions.sh\nexport root="${IPKG_INSTROOT}"\nexport pkgname="punch"\n' +
        "add_group_and_user\ndefault_postinst\n",
    );
    expect(r.scripts.get("post-upgrade")).toBe(`#!/bin/sh\nexport PKG_UPGRADE=1\n${post}`);
    expect(r.scripts.get("pre-deinstall")).toMatch(/default_prerm\n#!\/bin\/sh\necho bye\n$/);
  });

  test("blocks: ADB first, DATA blocks 8-aligned with 1-based indices", async () => {
    const p = await buildApk(sampleMeta, sampleTree, deflateRaw);
    const blocks = readAdbContainer(p.container);
    expect(blocks.map((b) => b.type)).toEqual([0, 2, 2, 2, 2, 2]);
    const idx = blocks.slice(1).map((b) => [...new Uint32Array(b.payload.slice(0, 8).buffer)]);
    expect(idx).toEqual([[3, 1], [6, 1], [6, 2], [6, 3], [8, 1]]);
    expect(p.container.length % 8).toBe(0);
  });

  test("a damaged file is refused", async () => {
    const p = await buildApk(sampleMeta, sampleTree, stored, { compress: false });
    const bad = p.bytes.slice();
    bad[bad.length - 20]! ^= 0xff;
    await expect(readApk(bad, inflateRaw)).rejects.toThrow(ParseError);
    await expect(readApk(p.bytes.subarray(0, 100), inflateRaw)).rejects.toThrow(RangeError);
    await expect(readApk(utf8.encode("\x1f\x8b\x08\x00"), inflateRaw)).rejects.toThrow(
      /neither "ADB\." nor "ADBd"/,
    );
  });
});
