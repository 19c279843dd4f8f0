// The small tree of test/vectors/pkg/gnu_small.tar (made with GNU tar 1.34, --mtime=@1700000000).
import { utf8 } from "../../src/lib/bytes.ts";
import type { PackageMeta } from "../../src/pkg/meta.ts";
import type { TreeEntry } from "../../src/pkg/tree.ts";

export const VECTORS = new URL("../vectors/pkg/", import.meta.url);
export const MTIME = 1700000000;

export const sampleTree: TreeEntry[] = [
  { kind: "file", path: "etc/config/punch", mode: 0o644, data: utf8.encode("config punch main\n") },
  { kind: "file", path: "usr/bin/hello", mode: 0o755, data: utf8.encode("#!/bin/sh\necho hi\n") },
  { kind: "symlink", path: "usr/bin/hi", target: "hello" },
];

export const sampleMeta: PackageMeta = {
  name: "punch",
  version: "0.1.0-r1",
  arch: "x86_64",
  depends: ["kmod-wireguard", "wireguard-tools"],
  license: "MIT",
  section: "net",
  source: "punch",
  url: "https://example.invalid/punch",
  maintainer: "Punch developers",
  description: "Direct WireGuard tunnels between home routers",
  sourceDateEpoch: MTIME,
  conffiles: ["/etc/config/punch"],
};

export function vector(name: string): Uint8Array {
  return Deno.readFileSync(new URL(name, VECTORS));
}
