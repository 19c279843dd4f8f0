// The built .ipk and .apk, unpacked into a root holding only busybox-static and musl (no glibc),
// run under chroot: punchd --version, punchctl --help, and a real start answering status.
// aarch64 runs under qemu-user-static (through binfmt when registered, else qemu called directly).
// Needs root, chroot, busybox-static, musl, qemu-user-static. Packages are built into
// test/tmp/musl_root/dist unless PUNCH_PKG_DIR names a directory built by scripts/build-packages.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readApk } from "../../src/pkg/apk_read.ts";
import { inflateRaw } from "../../src/pkg/compress_deno.ts";
import { VERSION } from "../../src/version.ts";
import { networkFile, punchFile } from "./uci_files.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WORK = `${REPO}/test/tmp/musl_root`;
const PKG_VERSION = `${VERSION}-r1`;
const MUSL_LOADER = "/lib/ld-musl-x86_64.so.1";
const QEMU = "/usr/bin/qemu-aarch64-static";
const START_WAIT_MS = 90_000;

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
const isRoot = Deno.uid() === 0;
const haveTools = exists("/bin/busybox") && exists(MUSL_LOADER) && exists("/usr/sbin/chroot");
const whyNot = !isRoot ? "needs root (chroot)" : !haveTools ? "needs busybox-static, musl and chroot" : "";
const binfmtAarch64 = exists("/proc/sys/fs/binfmt_misc/qemu-aarch64");
/** The bundle was made from a stand-in entry (PUNCH_BUNDLE_ENTRY): no daemon to start. */
const placeholder = Deno.env.get("PUNCH_BUNDLE_ENTRY") !== undefined;

async function sh(cmd: string[], opts: { timeoutMs?: number } = {}) {
  const child = new Deno.Command(cmd[0]!, { args: cmd.slice(1), stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

async function must(cmd: string[], timeoutMs?: number): Promise<string> {
  const r = await sh(cmd, timeoutMs === undefined ? {} : { timeoutMs });
  if (r.code !== 0) throw new Error(`"${cmd.join(" ")}" failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A root with busybox (static) and musl only; for aarch64 also qemu-aarch64-static. */
async function makeRoot(dir: string, qemu: boolean): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  for (const d of ["bin", "lib", "tmp", "dev", "proc"]) await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  await Deno.copyFile("/bin/busybox", `${dir}/bin/busybox`);
  await Deno.chmod(`${dir}/bin/busybox`, 0o755);
  await must(["chroot", dir, "/bin/busybox", "--install", "-s", "/bin"]);
  await Deno.copyFile(MUSL_LOADER, `${dir}${MUSL_LOADER}`);
  if (qemu) await Deno.copyFile(QEMU, `${dir}/bin/qemu-aarch64-static`).then(() => Deno.chmod(`${dir}/bin/qemu-aarch64-static`, 0o755));
}

async function unpackIpk(file: string, root: string): Promise<void> {
  // as opkg does: the outer gzip'd tar, then data.tar.gz into the root (system tar, not our reader)
  const tmp = await Deno.makeTempDir({ dir: WORK });
  await must(["tar", "-xzf", file, "-C", tmp, "./data.tar.gz"]);
  await must(["tar", "-xzf", `${tmp}/data.tar.gz`, "-C", root]);
  await Deno.remove(tmp, { recursive: true });
}

async function unpackApk(file: string, root: string): Promise<void> {
  const pkg = await readApk(await Deno.readFile(file), inflateRaw);
  for (const d of pkg.dirs) {
    const dir = d.name === "" ? root : `${root}/${d.name}`;
    await Deno.mkdir(dir, { recursive: true });
    for (const f of d.files) {
      await Deno.writeFile(`${dir}/${f.name}`, f.data);
      await Deno.chmod(`${dir}/${f.name}`, f.mode);
    }
  }
}

/** argv to run an installed program in the root: directly, or via qemu when binfmt is missing. */
async function progArgv(root: string, cpu: string, prog: string): Promise<string[]> {
  if (cpu === "x86_64" || binfmtAarch64) return ["chroot", root, `/usr/bin/${prog}`];
  // no binfmt: the same wrapper, with its exec line run through qemu explicitly
  const text = await Deno.readTextFile(`${root}/usr/bin/${prog}`);
  await Deno.writeTextFile(`${root}/tmp/${prog}-qemu`, text.replace(/^exec /m, "exec /bin/qemu-aarch64-static "));
  return ["chroot", root, "/bin/sh", `/tmp/${prog}-qemu`];
}

const CASES = [
  { arch: "x86_64", cpu: "x86_64", format: "ipk" },
  { arch: "x86_64", cpu: "x86_64", format: "apk" },
  { arch: "aarch64_generic", cpu: "aarch64", format: "ipk" },
  { arch: "aarch64_generic", cpu: "aarch64", format: "apk" },
] as const;

describe.skipIf(whyNot !== "")(`packages in a musl-only root ${whyNot}`, () => {
  let dist = "";

  beforeAll(async () => {
    await Deno.mkdir(WORK, { recursive: true });
    dist = Deno.env.get("PUNCH_PKG_DIR") ?? `${WORK}/dist`;
    if (Deno.env.get("PUNCH_PKG_DIR") === undefined) {
      await must([`${REPO}/scripts/build-packages`, "--out", dist], 900_000);
    }
  }, 900_000);

  afterAll(async () => {
    for (const c of CASES) await Deno.remove(`${WORK}/root-${c.arch}-${c.format}`, { recursive: true }).catch(() => {});
  });

  for (const c of CASES) {
    const qemuMissing = c.cpu === "aarch64" && !exists(QEMU);
    describe.skipIf(qemuMissing)(`${c.arch} ${c.format}${qemuMissing ? " (needs qemu-user-static)" : ""}`, () => {
      const root = `${WORK}/root-${c.arch}-${c.format}`;

      beforeAll(async () => {
        await makeRoot(root, c.cpu === "aarch64");
        const file = c.format === "ipk" ? `${dist}/punch_${PKG_VERSION}_${c.arch}.ipk` : `${dist}/${c.arch}/punch-${PKG_VERSION}.apk`;
        await (c.format === "ipk" ? unpackIpk(file, root) : unpackApk(file, root));
        if (c.cpu === "aarch64" && !binfmtAarch64) {
          console.warn("musl_root: binfmt_misc has no qemu-aarch64 entry; running the wrappers' exec line through qemu-aarch64-static directly");
        }
      }, 300_000);

      test("the root has no glibc outside /usr/lib/punch", () => {
        for (const p of ["/lib64", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/ld-linux-aarch64.so.1"]) {
          expect(exists(`${root}${p}`), p).toBe(false);
        }
        expect(exists(`${root}/usr/bin/punchd`)).toBe(true);
      });

      test("punchd --version", async () => {
        const r = await sh([...await progArgv(root, c.cpu, "punchd"), "--version"]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(placeholder ? /^punchd / : new RegExp(`^punchd ${VERSION.replace(/\./g, "\\.")}`));
      });

      test("punchctl --help", async () => {
        const r = await sh([...await progArgv(root, c.cpu, "punchctl"), "--help"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("punchctl");
      });

      test.skipIf(placeholder)("punchd --platform linux --root /tmp/r answers punchctl status", async () => {
        const r = `${root}/tmp/r`;
        await Deno.mkdir(`${r}/etc/config`, { recursive: true });
        await Deno.writeTextFile(`${r}/etc/config/network`, networkFile({ lan: "192.168.77.1/24", wan: "198.51.100.2/24", wanGateway: "198.51.100.1" }));
        await Deno.writeTextFile(`${r}/etc/config/punch`, punchFile({ name: "musl", stunServers: [] }));
        const socket = "/tmp/r/var/run/punch/punchd.sock";
        // own network namespace: nothing punchd does can reach the host's interfaces
        const argv = ["unshare", "--net", ...await progArgv(root, c.cpu, "punchd"), "--platform", "linux", "--root", "/tmp/r"];
        const daemon = new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "piped", stderr: "piped" }).spawn();
        const logs = daemon.output();
        let exited = false;
        logs.then(() => (exited = true), () => (exited = true));
        try {
          const deadline = Date.now() + START_WAIT_MS;
          while (!exists(`${root}${socket}`) && !exited && Date.now() < deadline) await new Promise((f) => setTimeout(f, 200));
          if (!exists(`${root}${socket}`)) {
            if (!exited) daemon.kill("SIGKILL");
            const out = await logs;
            throw new Error(`punchd did not open ${socket}: ${new TextDecoder().decode(out.stderr)}`);
          }
          const s = await sh([...await progArgv(root, c.cpu, "punchctl"), "--socket", socket, "status"]);
          expect(s.stderr).toBe("");
          expect(s.code).toBe(0);
          expect(s.stdout).toContain("wg0");
        } finally {
          if (!exited) daemon.kill("SIGTERM");
          const t = setTimeout(() => !exited && daemon.kill("SIGKILL"), 10_000);
          await logs.catch(() => {});
          clearTimeout(t);
        }
      }, 180_000);
    });
  }
});
