// scripts/build-packages: builds dist/punch_<ver>_<arch>.ipk and dist/<arch>/punch-<ver>.apk, and
// luci-app-punch (dist/luci-app-punch_<ver>_all.ipk, dist/<arch>/luci-app-punch-<ver>.apk)
// without the OpenWrt SDK. See `scripts/build-packages --help`.
import { buildApk } from "../../src/pkg/apk.ts";
import { deflateRawBest } from "../../src/pkg/compress_deno.ts";
import { XFL_BEST } from "../../src/pkg/gzip.ts";
import { buildIpk } from "../../src/pkg/ipk.ts";
import { completeTree, type TreeEntry } from "../../src/pkg/tree.ts";
import { VERSION } from "../../src/version.ts";
import {
  bundle,
  compile,
  type Cpu,
  cpuOf,
  CPUS,
  denoRuntime,
  denoVersion,
  glibcFor,
} from "./inputs.ts";
import { checkLuciTree, LUCI_APP, luciMeta } from "./luci.ts";
import { metaFor, parseMakefile, payloadTree, type Program, PUNCHD_V8_FLAGS } from "./payload.ts";

const HELP =
  `Usage: scripts/build-packages [--arch ARCH]... [--out DIR] [--stage DIR] [--no-apk] [--no-ipk]

Builds Punch's OpenWrt packages without the SDK, for each ARCH (default: x86_64 aarch64_generic):
  dist/punch_<version>_<ARCH>.ipk     opkg (OpenWrt 24.10)
  dist/<ARCH>/punch-<version>.apk     apk v3 (OpenWrt 25.12 and later)
and LuCI's Services -> Punch (architecture-independent, from openwrt/luci-app-punch):
  dist/luci-app-punch_<version>_all.ipk
  dist/<ARCH>/luci-app-punch-<version>.apk   (noarch, next to punch in each ARCH's folder)
Any aarch64_* name works (aarch64_cortex-a53, aarch64_cortex-a72, ...): the payload is the same,
only the Architecture field differs, e.g. --arch x86_64 --arch aarch64_generic --arch aarch64_cortex-a53.

The program: with DENORT_BIN (x86_64) / DENORT_BIN_AARCH64 set, \`deno compile\` with that denort;
otherwise Deno's own runtime (npm @deno/linux-*-glibc, same version as node_modules/deno) plus one
\`deno bundle\` file. glibc comes from Debian libc6/libgcc-s1 (apt-get download; adds the dpkg
architecture arm64 when needed). Downloads are cached in .cache/.

--stage DIR   write the payload for the one --arch into DIR instead (used by openwrt/Makefile)
SOURCE_DATE_EPOCH sets every mtime (default: the last git commit time).`;

const DEFAULT_ARCHES = ["x86_64", "aarch64_generic"];

interface Args {
  arches: string[];
  out: string;
  stage: string | undefined;
  ipk: boolean;
  apk: boolean;
}

function parseArgs(argv: string[]): Args | null {
  const a: Args = { arches: [], out: "dist", stage: undefined, ipk: true, apk: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Option ${k} needs a value: see --help`);
      return v;
    };
    if (k === "--help" || k === "-h") return null;
    else if (k === "--arch") a.arches.push(val());
    else if (k === "--out") a.out = val();
    else if (k === "--stage") a.stage = val();
    else if (k === "--no-ipk") a.ipk = false;
    else if (k === "--no-apk") a.apk = false;
    else throw new Error(`Unknown option "${k}": see --help`);
  }
  if (a.arches.length === 0) a.arches = DEFAULT_ARCHES;
  if (a.stage !== undefined && a.arches.length !== 1) {
    throw new Error("--stage needs exactly one --arch");
  }
  return a;
}

async function readTreeDir(dir: string, prefix = ""): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    const st = await Deno.stat(`${dir}/${rel}`);
    if (e.isDirectory) {
      out.push({ kind: "dir", path: rel, mode: 0o755 }, ...await readTreeDir(dir, rel));
    } else if (e.isFile) {
      // git keeps only the executable bit; normalize to 0755/0644
      out.push({
        kind: "file",
        path: rel,
        mode: (st.mode! & 0o111) ? 0o755 : 0o644,
        data: await Deno.readFile(`${dir}/${rel}`),
      });
    }
  }
  return out;
}

async function sourceDateEpoch(root: string): Promise<number> {
  const env = Deno.env.get("SOURCE_DATE_EPOCH");
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  const out = await new Deno.Command("git", {
    args: ["-C", root, "log", "-1", "--format=%ct"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const t = Number(new TextDecoder().decode(out.stdout).trim());
  return out.success && t > 0 ? t : Math.floor(Date.now() / 1000);
}

async function programFor(
  root: string,
  cache: string,
  cpu: Cpu,
  bundlePath: () => Promise<string>,
): Promise<Program> {
  const denort = Deno.env.get(cpu === "x86_64" ? "DENORT_BIN" : "DENORT_BIN_AARCH64");
  if (denort !== undefined && denort !== "") {
    const out = `${cache}/build/${cpu}/punch`;
    await Deno.mkdir(`${cache}/build/${cpu}`, { recursive: true });
    await compile(root, out, cpu, denort, PUNCHD_V8_FLAGS);
    return { form: "compiled", binary: await Deno.readFile(out) };
  }
  return {
    form: "bundle",
    runtime: await Deno.readFile(await denoRuntime(root, cache, cpu)),
    bundle: await Deno.readFile(await bundlePath()),
  };
}

async function writeStage(dir: string, tree: readonly TreeEntry[]): Promise<void> {
  for (const e of completeTree(tree)) {
    const p = `${dir}/${e.path}`;
    if (e.kind === "dir") await Deno.mkdir(p, { recursive: true, mode: e.mode });
    else if (e.kind === "file") {
      await Deno.writeFile(p, e.data);
      await Deno.chmod(p, e.mode);
    } else await Deno.symlink(e.target, p);
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === null) return (console.log(HELP), 0);
  const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const cache = `${root}/.cache`;
  const info = parseMakefile(await Deno.readTextFile(`${root}/openwrt/Makefile`));
  if (info.version !== VERSION) {
    throw new Error(
      `openwrt/Makefile PKG_VERSION "${info.version}" differs from src/version.ts "${VERSION}": make them equal`,
    );
  }
  const epoch = await sourceDateEpoch(root);
  const files = await readTreeDir(`${root}/openwrt/files`);
  const denoLicense = await Deno.readFile(`${root}/node_modules/deno/LICENSE`).catch(() => null);
  let bundled: Promise<string> | null = null;
  const bundlePath = () => {
    bundled ??= (async () => {
      await Deno.mkdir(`${cache}/build`, { recursive: true });
      const out = `${cache}/build/punch.js`;
      await bundle(root, out);
      return out;
    })();
    return bundled;
  };
  const luciTree = await readTreeDir(`${root}/openwrt/${LUCI_APP}/root`);
  checkLuciTree(luciTree);
  const luci = luciMeta(
    await Deno.readTextFile(`${root}/openwrt/${LUCI_APP}/Makefile`),
    info.version,
    epoch,
  );
  const cpus = new Map<Cpu, TreeEntry[]>();
  for (const arch of args.arches) {
    const cpu = cpuOf(arch);
    if (!cpus.has(cpu)) {
      const [program, glibc] = [
        await programFor(root, cache, cpu, bundlePath),
        await glibcFor(cache, cpu),
      ];
      const versions = [
        `punch ${VERSION}`,
        program.form === "bundle"
          ? `deno ${await denoVersion(root)} (${CPUS[cpu].npm}) + punch.js (deno bundle)`
          : "deno compile (DENORT_BIN)",
        ...glibc.versions.map((v) => `debian ${v}`),
        "",
      ].join("\n");
      const extra: TreeEntry[] = denoLicense === null ? [] : [{
        kind: "file",
        path: "usr/lib/punch/licenses/deno.LICENSE",
        mode: 0o644,
        data: denoLicense,
      }];
      cpus.set(cpu, payloadTree(cpu, program, glibc, [...files, ...extra], versions));
    }
    const tree = cpus.get(cpu)!;
    if (args.stage !== undefined) {
      await writeStage(args.stage, tree);
      console.log(`build-packages: staged ${arch} payload in ${args.stage}`);
      continue;
    }
    const meta = metaFor(info, arch, epoch);
    await Deno.mkdir(`${args.out}/${arch}`, { recursive: true });
    if (args.ipk) {
      const ipk = await buildIpk(meta, tree, deflateRawBest, { xfl: XFL_BEST });
      await Deno.writeFile(`${args.out}/${ipk.fileName}`, ipk.bytes);
      console.log(
        `${args.out}/${ipk.fileName}  ${mb(ipk.bytes.length)} (installed ${mb(ipk.installedSize)})`,
      );
    }
    if (args.apk) {
      const apk = await buildApk(meta, tree, deflateRawBest);
      await Deno.writeFile(`${args.out}/${arch}/${apk.fileName}`, apk.bytes);
      console.log(
        `${args.out}/${arch}/${apk.fileName}  ${mb(apk.bytes.length)} (installed ${
          mb(apk.installedSize)
        })`,
      );
      const luciApk = await buildApk(luci, luciTree, deflateRawBest);
      await Deno.writeFile(`${args.out}/${arch}/${luciApk.fileName}`, luciApk.bytes);
      console.log(`${args.out}/${arch}/${luciApk.fileName}`);
    }
  }
  if (args.ipk && args.stage === undefined) {
    const ipk = await buildIpk(luci, luciTree, deflateRawBest, { xfl: XFL_BEST });
    await Deno.writeFile(`${args.out}/${ipk.fileName}`, ipk.bytes);
    console.log(`${args.out}/${ipk.fileName}`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`build-packages: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
