// The payload tree of the punch package for one CPU, and the metadata read from openwrt/Makefile.
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "../../src/lib/bytes.ts";
import type { PackageMeta } from "../../src/pkg/meta.ts";
import type { TreeEntry } from "../../src/pkg/tree.ts";
import { type Cpu, CPUS, type Glibc } from "./inputs.ts";

/** Where the runtime, the program and the glibc files live on the router. */
export const LIB_DIR = "/usr/lib/punch";

/**
 * Flags for `deno run` of the bundle: nothing may be fetched (no remote or npm imports, cached
 * only), no deno.json/lock file is looked for next to it.
 */
export const RUN_FLAGS = [
  "--no-remote",
  "--no-npm",
  "--cached-only",
  "--no-config",
  "--no-lock",
  "--quiet",
  "-A",
  "--unstable-net",
];

/**
 * V8 flags for the long-running punchd, chosen with scripts/bench-package: no helper threads, a
 * 1 MB young generation and no optimizing tiers cut idle anonymous RSS from about 18 MB to 14.5 MB.
 * gc() is exposed for src/daemon/heap_gc.ts, which keeps the old generation at its live size.
 */
export const PUNCHD_V8_FLAGS = "--single-threaded,--max-semi-space-size=1,--lite-mode,--expose-gc";

/**
 * punchd runs without V8's code cache: reading it keeps Deno's SQLite cache connection and its
 * page cache for the life of the process (about 0.4 MB anonymous in use), while compiling instead
 * costs about 20 ms per start (x86_64), and a daemon starts once. punchctl keeps the cache: it
 * starts often and lives briefly.
 */
export const PUNCHD_RUN_FLAGS = ["--no-code-cache"];

/**
 * The /usr/bin wrapper for a program, starting the runtime through the bundled glibc loader.
 * `stamp` names the bundle's content (see bundleStamp) so its first run can be done apart.
 */
export function wrapper(
  cpu: Cpu,
  prog: "punchd" | "punchctl",
  form: "bundle" | "compiled",
  stamp = "",
): string {
  const c = CPUS[cpu];
  const v8 = prog === "punchd"
    ? ` ${PUNCHD_RUN_FLAGS.join(" ")} --v8-flags=${PUNCHD_V8_FLAGS}`
    : "";
  const target = form === "bundle"
    ? `"$d/deno" run ${RUN_FLAGS.join(" ")}${v8} "$d/punch.js"`
    : `"$d/punch"`;
  const run = `"$d/lib/${c.loader}" --library-path "$d/lib" ${target}`;
  // The first run of a bundle (after boot: DENO_DIR is on tmpfs; after an upgrade: a new bundle)
  // analyses it and fills Deno's caches; done inside the long-running punchd that work leaves
  // ~10 MB of native memory behind, so a short-lived run does it first, once per bundle content.
  const warm = form === "bundle" && prog === "punchd"
    ? [
      `w="$DENO_DIR/punch-${stamp}.warm"`,
      `[ -e "$w" ] || { ${
        run.replace(v8, "")
      } punchctl --version >/dev/null 2>&1; : >"$w"; } 2>/dev/null`,
    ]
    : [];
  return [
    "#!/bin/sh",
    `# ${prog}: Deno's glibc runtime, started through the glibc loader Punch carries (OpenWrt is musl).`,
    `d=${LIB_DIR}`,
    "export DENO_DIR=/tmp/punch/deno DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1",
    ...warm,
    `exec ${run} ${prog} "$@"`,
    "",
  ].join("\n");
}

/** A short name for a bundle's content: the first 16 hex digits of its SHA-256. */
export function bundleStamp(bundle: Uint8Array): string {
  return toHex(sha256(bundle)).slice(0, 16);
}

/** Fields of openwrt/Makefile the stand-alone build reuses. */
export interface MakefileInfo {
  name: string;
  version: string;
  release: string;
  license: string;
  maintainer: string;
  depends: string[];
  section: string;
  description: string;
  conffiles: string[];
  prerm: string | undefined;
  postinst: string | undefined;
}

function defineBlock(text: string, name: string): string | undefined {
  const m = new RegExp(`^define ${name.replace(/[/]/g, "\\/")}\\n([\\s\\S]*?)^endef`, "m").exec(
    text,
  );
  return m?.[1]?.replace(/\$\$/g, "$");
}

/** Reads the values the feed Makefile of package `name` declares (make's `$$` unescaped). */
export function parseMakefile(text: string, name = "punch"): MakefileInfo {
  const v = (k: string) => new RegExp(`^\\s*${k}:=(.*)$`, "m").exec(text)?.[1]?.trim();
  const need = (k: string) => {
    const x = v(k);
    if (x === undefined) throw new Error(`openwrt/Makefile has no ${k}: add it`);
    return x;
  };
  const depends = need("DEPENDS").split(/\s+/).filter((d) => d.startsWith("+")).map((d) =>
    d.slice(1)
  );
  const pkgName = need("PKG_NAME");
  if (pkgName !== name) {
    throw new Error(`Makefile PKG_NAME "${pkgName}" is not "${name}": read the right Makefile`);
  }
  return {
    name,
    version: need("PKG_VERSION"),
    release: need("PKG_RELEASE"),
    license: need("PKG_LICENSE"),
    maintainer: need("PKG_MAINTAINER"),
    depends,
    section: need("SECTION"),
    description: (defineBlock(text, `Package/${name}/description`) ?? "").split("\n").map((l) =>
      l.trim()
    ).filter(Boolean).join(" "),
    conffiles: (defineBlock(text, `Package/${name}/conffiles`) ?? "").split("\n").map((l) =>
      l.trim()
    )
      .filter(Boolean),
    prerm: defineBlock(text, `Package/${name}/prerm`),
    postinst: defineBlock(text, `Package/${name}/postinst`),
  };
}

/** Package metadata for one OpenWrt architecture. */
export function metaFor(info: MakefileInfo, arch: string, sourceDateEpoch: number): PackageMeta {
  const meta: PackageMeta = {
    name: info.name,
    version: `${info.version}-r${info.release}`,
    arch,
    depends: info.depends,
    source: `feeds/punch/${info.name}`,
    sourceName: info.name,
    license: info.license,
    section: info.section,
    maintainer: info.maintainer,
    description: info.description,
    sourceDateEpoch,
    conffiles: info.conffiles,
  };
  if (info.prerm !== undefined) meta.prerm = info.prerm;
  if (info.postinst !== undefined) meta.postinst = info.postinst;
  return meta;
}

/** The program as it is packed: Deno runtime + bundle, or one compiled binary. */
export type Program =
  | { form: "bundle"; runtime: Uint8Array; bundle: Uint8Array }
  | { form: "compiled"; binary: Uint8Array };

/** Builds the payload tree for one CPU: wrappers, runtime/program, glibc, OpenWrt files. */
export function payloadTree(
  cpu: Cpu,
  program: Program,
  glibc: Glibc,
  files: readonly TreeEntry[],
  versions: string,
): TreeEntry[] {
  const lib = LIB_DIR.slice(1);
  const enc = (s: string) => new TextEncoder().encode(s);
  const tree: TreeEntry[] = [...files];
  for (const prog of ["punchd", "punchctl"] as const) {
    tree.push({
      kind: "file",
      path: `usr/bin/${prog}`,
      mode: 0o755,
      data: enc(
        wrapper(
          cpu,
          prog,
          program.form,
          program.form === "bundle" ? bundleStamp(program.bundle) : "",
        ),
      ),
    });
  }
  if (program.form === "bundle") {
    tree.push({ kind: "file", path: `${lib}/deno`, mode: 0o755, data: program.runtime });
    tree.push({ kind: "file", path: `${lib}/punch.js`, mode: 0o644, data: program.bundle });
  } else {
    tree.push({ kind: "file", path: `${lib}/punch`, mode: 0o755, data: program.binary });
  }
  for (const [name, f] of glibc.files) {
    tree.push({ kind: "file", path: `${lib}/lib/${name}`, mode: f.mode, data: f.data });
  }
  for (const [pkg, text] of glibc.copyrights) {
    tree.push({ kind: "file", path: `${lib}/licenses/${pkg}.copyright`, mode: 0o644, data: text });
  }
  tree.push({ kind: "file", path: `${lib}/VERSIONS`, mode: 0o644, data: enc(versions) });
  return tree;
}
