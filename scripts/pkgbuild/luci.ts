// luci-app-punch: Services -> Punch in LuCI. Architecture-independent (arch `all`, apk `noarch`):
// openwrt/luci-app-punch/root as it is, with the metadata of openwrt/luci-app-punch/Makefile.
import type { PackageMeta } from "../../src/pkg/meta.ts";
import type { TreeEntry } from "../../src/pkg/tree.ts";
import { metaFor, parseMakefile } from "./payload.ts";

export const LUCI_APP = "luci-app-punch";

/** Where LuCI and rpcd look for the package's files (checked by the package tests). */
export const LUCI_FILES = [
  "usr/share/luci/menu.d/luci-app-punch.json",
  "usr/share/rpcd/acl.d/luci-app-punch.json",
  "www/luci-static/resources/view/punch/status.js",
] as const;

/** The package metadata from the feed Makefile; its version must be punch's. */
export function luciMeta(makefile: string, version: string, epoch: number): PackageMeta {
  const info = parseMakefile(makefile, LUCI_APP);
  if (info.version !== version) {
    throw new Error(
      `openwrt/${LUCI_APP}/Makefile PKG_VERSION "${info.version}" differs from punch's "${version}": make them equal`,
    );
  }
  return metaFor(info, "all", epoch);
}

/** Checks that every file LuCI needs is in the tree; throws naming the first one missing. */
export function checkLuciTree(tree: readonly TreeEntry[]): void {
  const have = new Set(tree.filter((e) => e.kind === "file").map((e) => e.path));
  for (const f of LUCI_FILES) {
    if (!have.has(f)) throw new Error(`openwrt/${LUCI_APP}/root/${f} is missing: restore it`);
  }
}
