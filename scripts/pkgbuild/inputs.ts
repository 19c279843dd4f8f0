// Inputs of a package build, fetched into .cache/: Deno's glibc runtime (npm), glibc and libgcc
// (Debian debs), and the bundled program. Every download goes through its ordinary client.

/** The CPU families we ship, and where their pieces come from. */
export const CPUS = {
  x86_64: {
    deb: "amd64",
    npm: "@deno/linux-x64-glibc",
    triple: "x86_64-linux-gnu",
    loader: "ld-linux-x86-64.so.2",
    denoTarget: "x86_64-unknown-linux-gnu",
    qemu: null,
  },
  aarch64: {
    deb: "arm64",
    npm: "@deno/linux-arm64-glibc",
    triple: "aarch64-linux-gnu",
    loader: "ld-linux-aarch64.so.1",
    denoTarget: "aarch64-unknown-linux-gnu",
    qemu: "qemu-aarch64-static",
  },
} as const;
export type Cpu = keyof typeof CPUS;

/** The glibc files Deno's runtime loads (ldd of deno 2.9.6), besides the loader itself. */
export const GLIBC_LIBS = [
  "libc.so.6",
  "libm.so.6",
  "libdl.so.2",
  "libpthread.so.0",
  "librt.so.1",
  "libgcc_s.so.1",
];

/** OpenWrt package architecture → CPU family (`aarch64_cortex-a53` → `aarch64`). */
export function cpuOf(arch: string): Cpu {
  if (arch === "x86_64") return "x86_64";
  if (arch === "aarch64" || arch.startsWith("aarch64_")) return "aarch64";
  throw new Error(
    `Architecture "${arch}" is not supported: use x86_64 or an aarch64_* name like aarch64_generic`,
  );
}

/** Runs a command; throws with its stderr when it fails. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...opts })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `Command "${cmd} ${args.join(" ")}" failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return text;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** The Deno version the build uses (node_modules/deno), which the runtime must match. */
export async function denoVersion(root: string): Promise<string> {
  return JSON.parse(await Deno.readTextFile(`${root}/node_modules/deno/package.json`)).version;
}

/**
 * Path of Deno's glibc runtime for a CPU: node_modules when it is there (the host's), else
 * `npm pack` of the same version into .cache/npm and unpacked once.
 */
export async function denoRuntime(root: string, cache: string, cpu: Cpu): Promise<string> {
  const c = CPUS[cpu];
  const version = await denoVersion(root);
  const local = `${root}/node_modules/${c.npm}`;
  if (await exists(`${local}/deno`)) {
    const v = JSON.parse(await Deno.readTextFile(`${local}/package.json`)).version;
    if (v === version) return `${local}/deno`;
  }
  const dir = `${cache}/npm/${c.npm.replace("/", "+")}-${version}`;
  if (await exists(`${dir}/package/deno`)) return `${dir}/package/deno`;
  await Deno.mkdir(dir, { recursive: true });
  const tgz =
    (await run("npm", ["pack", `${c.npm}@${version}`, "--pack-destination", dir, "--silent"]))
      .trim().split("\n").pop()!;
  await run("tar", ["-xzf", `${dir}/${tgz}`, "-C", dir, "package/deno", "package/package.json"]);
  await Deno.remove(`${dir}/${tgz}`);
  return `${dir}/package/deno`;
}

/** What was taken from the glibc debs: file name → bytes, plus versions and copyright texts. */
export interface Glibc {
  files: Map<string, { data: Uint8Array; mode: number }>;
  versions: string[];
  copyrights: Map<string, Uint8Array>;
}

async function ensureForeignArch(deb: string): Promise<void> {
  const native = (await run("dpkg", ["--print-architecture"])).trim();
  if (native === deb) return;
  const foreign = (await run("dpkg", ["--print-foreign-architectures"])).split("\n");
  if (foreign.includes(deb)) return;
  console.error(
    `build-packages: adding dpkg architecture ${deb} (dpkg --add-architecture ${deb} && apt-get update)`,
  );
  await run("dpkg", ["--add-architecture", deb]);
  await run("apt-get", ["update", "-q"]);
}

/** Downloads (once) libc6 and libgcc-s1 for a CPU with `apt-get download` and takes its files. */
export async function glibcFor(cache: string, cpu: Cpu): Promise<Glibc> {
  const c = CPUS[cpu];
  const debDir = `${cache}/debs/${c.deb}`;
  await Deno.mkdir(debDir, { recursive: true });
  const have = () =>
    Array.from(Deno.readDirSync(debDir)).map((e) => e.name).filter((n) => n.endsWith(".deb"));
  if (have().length < 2) {
    await ensureForeignArch(c.deb);
    // _apt cannot write into a root-owned cache: download as root (apt's own warning is harmless)
    await run("apt-get", ["download", `libc6:${c.deb}`, `libgcc-s1:${c.deb}`], { cwd: debDir });
  }
  const x = `${cache}/glibc/${c.deb}`;
  await Deno.remove(x, { recursive: true }).catch(() => {});
  await Deno.mkdir(x, { recursive: true });
  const versions: string[] = [];
  for (const deb of have().sort()) {
    await run("dpkg-deb", ["-x", `${debDir}/${deb}`, x]);
    versions.push(deb.replace(/\.deb$/, ""));
  }
  const files = new Map<string, { data: Uint8Array; mode: number }>();
  for (const name of [c.loader, ...GLIBC_LIBS]) {
    const candidates = [`${x}/lib/${c.triple}/${name}`, `${x}/usr/lib/${c.triple}/${name}`];
    let found = false;
    for (const p of candidates) {
      if (!(await exists(p))) continue;
      const real = await Deno.realPath(p);
      files.set(name, {
        data: await Deno.readFile(real),
        mode: (await Deno.stat(real)).mode! & 0o777,
      });
      found = true;
      break;
    }
    if (!found) {
      throw new Error(`Cannot find "${name}" in ${versions.join(", ")}: check the Debian release`);
    }
  }
  const copyrights = new Map<string, Uint8Array>();
  for (const pkg of ["libc6", "libgcc-s1"]) {
    const p = `${x}/usr/share/doc/${pkg}/copyright`;
    if (await exists(p)) copyrights.set(pkg, await Deno.readFile(p));
  }
  return { files, versions, copyrights };
}

/**
 * Bundles both entry points into one JS file with `deno bundle` (npm packages inlined), minified
 * and pure ASCII: V8 keeps a module's whole source in the heap for the life of the process, as
 * one byte per character only when every character is Latin-1 (one em dash in a comment doubles
 * it), so the bundle is minified (no comments) and any other character is written as a \u escape.
 */
export async function bundle(root: string, out: string): Promise<void> {
  // PUNCH_BUNDLE_ENTRY: another entry file, for trying the packaging while the program is broken
  const entry = Deno.env.get("PUNCH_BUNDLE_ENTRY") ?? `${root}/scripts/bundle_entry.ts`;
  await run(`${root}/node_modules/.bin/deno`, [
    "bundle",
    "--quiet",
    "--minify",
    "--platform",
    "deno",
    "--config",
    `${root}/deno.json`,
    "-o",
    out,
    entry,
  ]);
  const js = asciiSource(await Deno.readTextFile(out));
  const external = bundleImports(js).filter((s) => !s.startsWith("node:"));
  if (external.length > 0) {
    throw new Error(`Bundle still imports modules: ${external.slice(0, 3).join("; ")}`);
  }
  await Deno.writeTextFile(out, js);
}

/** The specifiers of static and dynamic imports in (minified) JavaScript. */
export function bundleImports(js: string): string[] {
  return [...js.matchAll(IMPORT_RE)].map((m) => (m[1] ?? m[2])!);
}

const IMPORT_RE = new RegExp(
  [
    // static: at a statement start, `import "x"` or `import ... from "x"`
    /(?:^|[;{}\n])\s*import\s*(?:[\w$*{][^;"']*?\bfrom\s*)?["']([^"']+)["']/.source,
    // dynamic: `import("x")` anywhere
    /\bimport\s*\(\s*["']([^"']+)["']/.source,
  ].join("|"),
  "g",
);

/** Writes every character outside printable ASCII as a `\uXXXX` escape (the bundle has no raw templates). */
export function asciiSource(js: string): string {
  return js.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `deno compile` with a given denort (DENORT_BIN): one self-contained binary for a target. */
export async function compile(
  root: string,
  out: string,
  cpu: Cpu,
  denort: string,
  v8Flags: string,
): Promise<void> {
  await run(`${root}/node_modules/.bin/deno`, [
    "compile",
    "--quiet",
    "-A",
    "--unstable-net",
    "--no-check",
    `--v8-flags=${v8Flags}`,
    "--config",
    `${root}/deno.json`,
    "--target",
    CPUS[cpu].denoTarget,
    "-o",
    out,
    `${root}/scripts/bundle_entry.ts`,
  ], { env: { DENORT_BIN: denort } });
}
