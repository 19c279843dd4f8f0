// The file tree a package carries, shared by the tar, ipk and apk writers.

/** One entry of a package payload; `path` is relative to the package root, without `./` or `/`. */
export type TreeEntry =
  | { kind: "dir"; path: string; mode: number }
  | { kind: "file"; path: string; mode: number; data: Uint8Array }
  | { kind: "symlink"; path: string; mode?: number; target: string };

/** Normalizes a path to `a/b/c` (no leading `./` or `/`, no trailing `/`); the root is "". */
export function normPath(path: string): string {
  let p = path;
  while (p.startsWith("./")) p = p.slice(2);
  p = p.replace(/^\/+/, "").replace(/\/+$/, "");
  return p === "." ? "" : p;
}

/** Compares two normalized paths in depth-first name order, as `tar --sort=name` walks a tree. */
export function comparePaths(a: string, b: string): number {
  const pa = a === "" ? [] : a.split("/");
  const pb = b === "" ? [] : b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareBytewise(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** Bytewise (UTF-8) comparison, shorter first on a tie, as C `strcmp`/`memcmp` orders names. */
export function compareBytewise(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  }
  return ea.length - eb.length;
}

/**
 * Completes a tree: normalizes paths, adds missing parent directories (mode 0755) and the root,
 * rejects duplicates, and sorts in depth-first name order.
 */
export function completeTree(entries: readonly TreeEntry[]): TreeEntry[] {
  const byPath = new Map<string, TreeEntry>();
  for (const e of entries) {
    const path = normPath(e.path);
    if (byPath.has(path)) {
      throw new RangeError(`Duplicate package path "${path}": list each path once`);
    }
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path === "" ? [] : path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (!byPath.has(parent)) byPath.set(parent, { kind: "dir", path: parent, mode: 0o755 });
    }
  }
  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}
