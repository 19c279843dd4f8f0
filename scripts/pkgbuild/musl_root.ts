// A root holding only busybox-static and musl (no glibc), with the punch package unpacked into it;
// used by test/lab/musl_root.test.ts and scripts/bench-package. Needs root (chroot, mknod, unshare).
import { readApk } from "../../src/pkg/apk_read.ts";
import { inflateRaw } from "../../src/pkg/compress_deno.ts";

export const MUSL_LOADER = "/lib/ld-musl-x86_64.so.1";
export const QEMU = "/usr/bin/qemu-aarch64-static";

export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether the kernel runs aarch64 binaries through qemu by itself. */
export const binfmtAarch64 = exists("/proc/sys/fs/binfmt_misc/qemu-aarch64");

export async function sh(cmd: string[], opts: { timeoutMs?: number } = {}) {
  const child = new Deno.Command(cmd[0]!, { args: cmd.slice(1), stdout: "piped", stderr: "piped" })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const out = await child.output();
  clearTimeout(timer);
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

export async function must(cmd: string[], timeoutMs?: number): Promise<string> {
  const r = await sh(cmd, timeoutMs === undefined ? {} : { timeoutMs });
  if (r.code !== 0) {
    throw new Error(`"${cmd.join(" ")}" failed (${r.code}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** A root with busybox (static) and musl only; for aarch64 also qemu-aarch64-static. */
export async function makeRoot(dir: string, qemu: boolean): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  for (const d of ["bin", "lib", "tmp", "dev", "proc"]) {
    await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  }
  await Deno.copyFile("/bin/busybox", `${dir}/bin/busybox`);
  await Deno.chmod(`${dir}/bin/busybox`, 0o755);
  await must(["chroot", dir, "/bin/busybox", "--install", "-s", "/bin"]);
  await Deno.copyFile(MUSL_LOADER, `${dir}${MUSL_LOADER}`);
  // the device nodes every router has (Deno opens /dev/null for a child's null stdio)
  for (const [name, minor] of [["null", 3], ["zero", 5], ["random", 8], ["urandom", 9]] as const) {
    await must(["mknod", "-m", "666", `${dir}/dev/${name}`, "c", "1", String(minor)]);
  }
  if (qemu) {
    await Deno.copyFile(QEMU, `${dir}/bin/qemu-aarch64-static`).then(() =>
      Deno.chmod(`${dir}/bin/qemu-aarch64-static`, 0o755)
    );
  }
}

export async function unpackIpk(file: string, root: string, work: string): Promise<void> {
  // as opkg does: the outer gzip'd tar, then data.tar.gz into the root (system tar, not our reader)
  const tmp = await Deno.makeTempDir({ dir: work });
  await must(["tar", "-xzf", file, "-C", tmp, "./data.tar.gz"]);
  await must(["tar", "-xzf", `${tmp}/data.tar.gz`, "-C", root]);
  await Deno.remove(tmp, { recursive: true });
}

export async function unpackApk(file: string, root: string): Promise<void> {
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

/**
 * argv to run an installed program in the root, in its own mount and network namespace (so /proc
 * can be mounted there and nothing reaches the host's interfaces); aarch64 through qemu.
 */
export async function progArgv(root: string, cpu: string, prog: string): Promise<string[]> {
  const enter = [
    "unshare",
    "--mount",
    "--net",
    "--",
    "sh",
    "-c",
    'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"',
    root,
  ];
  if (cpu === "x86_64" || binfmtAarch64) return [...enter, `/usr/bin/${prog}`];
  // no binfmt: the same wrapper, with every start of the loader (the warm-up and the exec line)
  // run through qemu explicitly
  const text = await Deno.readTextFile(`${root}/usr/bin/${prog}`);
  const loader = '"$d/lib/ld-linux-aarch64.so.1"';
  if (!text.includes(loader)) throw new Error(`Cannot find ${loader} in the ${prog} wrapper`);
  await Deno.writeTextFile(
    `${root}/tmp/${prog}-qemu`,
    text.replaceAll(loader, `/bin/qemu-aarch64-static ${loader}`),
  );
  return [...enter, "/bin/sh", `/tmp/${prog}-qemu`];
}
