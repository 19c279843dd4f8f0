import { describe, expect, test } from "vitest";
import { utf8 } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { readTar, writeTar } from "../../src/pkg/tar.ts";
import { comparePaths, completeTree } from "../../src/pkg/tree.ts";
import { MTIME, sampleTree, vector } from "./sample.ts";

describe("writeTar", () => {
  test("matches GNU tar --format=gnu --numeric-owner --sort=name byte for byte", () => {
    expect(writeTar(sampleTree, { mtime: MTIME })).toEqual(vector("gnu_small.tar"));
  });

  test("writes GNU long names through ././@LongLink like GNU tar", () => {
    const path = `usr/share/punch/${"a".repeat(110)}.txt`;
    const tree = [{ kind: "file" as const, path, mode: 0o644, data: utf8.encode("long\n") }];
    expect(writeTar(tree, { mtime: MTIME })).toEqual(vector("gnu_longname.tar"));
  });

  test("pads to a 10240-byte record", () => {
    const big = new Uint8Array(20000);
    expect(writeTar([{ kind: "file", path: "x", mode: 0o644, data: big }], { mtime: 0 }).length)
      .toBe(30720);
  });
});

describe("sort order", () => {
  test("walks depth first by name, not by full path string", () => {
    expect(["a-b", "a/z", "a"].sort(comparePaths)).toEqual(["a", "a/z", "a-b"]);
    expect(completeTree([{ kind: "dir", path: "x/y", mode: 0o700 }]).map((e) => e.path)).toEqual([
      "",
      "x",
      "x/y",
    ]);
  });

  test("rejects a duplicate path", () => {
    expect(() =>
      completeTree([{ kind: "dir", path: "a", mode: 0o755 }, {
        kind: "dir",
        path: "./a/",
        mode: 0o755,
      }])
    )
      .toThrow(/Duplicate package path "a"/);
  });
});

describe("readTar", () => {
  test("reads the GNU tar vector", () => {
    const m = readTar(vector("gnu_small.tar"));
    expect(m.map((x) => x.name)).toEqual([
      "./",
      "./etc/",
      "./etc/config/",
      "./etc/config/punch",
      "./usr/",
      "./usr/bin/",
      "./usr/bin/hello",
      "./usr/bin/hi",
    ]);
    const hi = m[7]!;
    expect([hi.type, hi.linkname, hi.mode, hi.mtime]).toEqual(["symlink", "hello", 0o777, MTIME]);
    expect(utf8.decode(m[3]!.data)).toBe("config punch main\n");
  });

  test("reads a long name back", () => {
    const m = readTar(vector("gnu_longname.tar"));
    expect(m.at(-1)!.name).toBe(`./usr/share/punch/${"a".repeat(110)}.txt`);
  });

  test("round-trips what the writer made", () => {
    const m = readTar(writeTar(sampleTree, { mtime: 5, uid: 1, gid: 2 }));
    expect(m.filter((x) => x.type === "file").map((x) => [x.name, x.mode, x.uid, x.gid, x.mtime]))
      .toEqual([
        ["./etc/config/punch", 0o644, 1, 2, 5],
        ["./usr/bin/hello", 0o755, 1, 2, 5],
      ]);
  });

  test("truncation is a RangeError, a bad checksum a ParseError", () => {
    const t = vector("gnu_small.tar");
    expect(() => readTar(t.subarray(0, 600))).toThrow(RangeError);
    const bad = t.slice();
    bad[0] = 0x41;
    expect(() => readTar(bad)).toThrow(ParseError);
  });
});
