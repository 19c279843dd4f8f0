// The built .ipk and .apk, unpacked into a root holding only busybox-static and musl (no glibc),
// run under chroot: punchd --version, punchctl --help, and a real start answering status.
// aarch64 runs under qemu-user-static (through binfmt when registered, else qemu called directly).
// Needs root, chroot, busybox-static, musl, qemu-user-static. Packages are built into
// test/tmp/musl_root/dist unless PUNCH_PKG_DIR names a directory built by scripts/build-packages.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LUCI_FILES } from "../../scripts/pkgbuild/luci.ts";
import {
  binfmtAarch64,
  exists,
  makeRoot,
  must,
  progArgv,
  QEMU,
  sh,
  unpackApk,
  unpackIpk,
} from "../../scripts/pkgbuild/musl_root.ts";
import { VERSION } from "../../src/version.ts";
import { networkFile, punchFile } from "./uci_files.ts";

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WORK = `${REPO}/test/tmp/musl_root`;
const PKG_VERSION = `${VERSION}-r1`;
const START_WAIT_MS = 90_000;

const isRoot = Deno.uid() === 0;
const haveTools = exists("/bin/busybox") && exists("/lib/ld-musl-x86_64.so.1") &&
  exists("/usr/sbin/chroot");
const whyNot = !isRoot
  ? "needs root (chroot)"
  : !haveTools
  ? "needs busybox-static, musl and chroot"
  : "";
/** The bundle was made from a stand-in entry (PUNCH_BUNDLE_ENTRY): no daemon to start. */
const placeholder = Deno.env.get("PUNCH_BUNDLE_ENTRY") !== undefined;

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
    for (const c of CASES) {
      await Deno.remove(`${WORK}/root-${c.arch}-${c.format}`, { recursive: true }).catch(() => {});
    }
    if (Deno.env.get("PUNCH_PKG_DIR") === undefined) {
      await Deno.remove(`${WORK}/dist`, { recursive: true }).catch(() => {});
    }
  });

  for (const c of CASES) {
    const qemuMissing = c.cpu === "aarch64" && !exists(QEMU);
    describe.skipIf(qemuMissing)(
      `${c.arch} ${c.format}${qemuMissing ? " (needs qemu-user-static)" : ""}`,
      () => {
        const root = `${WORK}/root-${c.arch}-${c.format}`;

        beforeAll(async () => {
          await makeRoot(root, c.cpu === "aarch64");
          const file = c.format === "ipk"
            ? `${dist}/punch_${PKG_VERSION}_${c.arch}.ipk`
            : `${dist}/${c.arch}/punch-${PKG_VERSION}.apk`;
          await (c.format === "ipk" ? unpackIpk(file, root, WORK) : unpackApk(file, root));
          const luci = c.format === "ipk"
            ? `${dist}/luci-app-punch_${PKG_VERSION}_all.ipk`
            : `${dist}/${c.arch}/luci-app-punch-${PKG_VERSION}.apk`;
          await (c.format === "ipk" ? unpackIpk(luci, root, WORK) : unpackApk(luci, root));
          if (c.cpu === "aarch64" && !binfmtAarch64) {
            console.warn(
              "musl_root: binfmt_misc has no qemu-aarch64 entry; running the wrappers' exec line through qemu-aarch64-static directly",
            );
          }
        }, 300_000);

        test("the root has no glibc outside /usr/lib/punch", () => {
          for (
            const p of [
              "/lib64",
              "/lib/x86_64-linux-gnu",
              "/lib/aarch64-linux-gnu",
              "/usr/lib/x86_64-linux-gnu",
              "/lib/ld-linux-aarch64.so.1",
            ]
          ) {
            expect(exists(`${root}${p}`), p).toBe(false);
          }
          expect(exists(`${root}/usr/bin/punchd`)).toBe(true);
        });

        test("luci-app-punch: menu, ACL and view where LuCI and rpcd look for them", async () => {
          for (const f of LUCI_FILES) expect(exists(`${root}/${f}`), f).toBe(true);
          const menu = JSON.parse(
            await Deno.readTextFile(`${root}/usr/share/luci/menu.d/luci-app-punch.json`),
          );
          const entry = menu["admin/services/punch"];
          expect(entry.action).toEqual({ type: "view", path: "punch/status" });
          // LuCI loads a view named in the menu from /www/luci-static/resources/view/<path>.js
          expect(exists(`${root}/www/luci-static/resources/view/${entry.action.path}.js`)).toBe(
            true,
          );
          const acl = JSON.parse(
            await Deno.readTextFile(`${root}/usr/share/rpcd/acl.d/luci-app-punch.json`),
          );
          expect(entry.depends.acl).toEqual(Object.keys(acl));
          expect(acl["luci-app-punch"].read.ubus.punch).toContain("status");
          expect(acl["luci-app-punch"].write.ubus.punch).toEqual(["web_ticket"]);
        });

        test("punchd --version", async () => {
          const r = await sh([...await progArgv(root, c.cpu, "punchd"), "--version"]);
          expect(r.stderr).toBe("");
          expect(r.code).toBe(0);
          expect(r.stdout).toMatch(
            placeholder ? /^punchd / : new RegExp(`^punchd ${VERSION.replace(/\./g, "\\.")}`),
          );
        });

        test("punchctl --help", async () => {
          const r = await sh([...await progArgv(root, c.cpu, "punchctl"), "--help"]);
          expect(r.code).toBe(0);
          expect(r.stdout).toContain("punchctl");
        });

        test.skipIf(placeholder)(
          "punchd --platform linux --root /tmp/r answers punchctl status",
          async () => {
            const r = `${root}/tmp/r`;
            await Deno.mkdir(`${r}/etc/config`, { recursive: true });
            await Deno.writeTextFile(
              `${r}/etc/config/network`,
              networkFile({
                lan: "192.168.77.1/24",
                wan: "198.51.100.2/24",
                wanGateway: "198.51.100.1",
              }),
            );
            await Deno.writeTextFile(
              `${r}/etc/config/punch`,
              punchFile({ name: "musl", stunServers: [] }),
            );
            // Stand-in for the wireguard-tools dependency (musl on OpenWrt; Debian's wg is glibc):
            // answers like wg does when the interface does not exist
            await Deno.mkdir(`${root}/usr/bin`, { recursive: true });
            await Deno.writeTextFile(
              `${root}/usr/bin/wg`,
              '#!/bin/sh\necho "Unable to access interface: No such device" >&2\nexit 1\n',
            );
            await Deno.chmod(`${root}/usr/bin/wg`, 0o755);
            const socket = "/tmp/r/var/run/punch/punchd.sock";
            const argv = [
              ...await progArgv(root, c.cpu, "punchd"),
              "--platform",
              "linux",
              "--root",
              "/tmp/r",
            ];
            const daemon = new Deno.Command(argv[0]!, {
              args: argv.slice(1),
              stdout: "piped",
              stderr: "piped",
            }).spawn();
            const logs = daemon.output();
            let exited = false;
            logs.then(() => (exited = true), () => (exited = true));
            try {
              const deadline = Date.now() + START_WAIT_MS;
              while (!exists(`${root}${socket}`) && !exited && Date.now() < deadline) {
                await new Promise((f) => setTimeout(f, 200));
              }
              if (!exists(`${root}${socket}`)) {
                if (!exited) {
                  daemon.kill("SIGKILL");
                }
                const out = await logs;
                throw new Error(
                  `punchd did not open ${socket}: ${new TextDecoder().decode(out.stderr)}`,
                );
              }
              const s = await sh([
                ...await progArgv(root, c.cpu, "punchctl"),
                "--socket",
                socket,
                "status",
              ]);
              expect(s.stderr).toBe("");
              expect(s.code).toBe(0);
              expect(s.stdout).toContain("wg0");
              console.log(`musl_root ${c.arch} ${c.format}: punchctl status\n${s.stdout}`);
            } finally {
              if (!exited) daemon.kill("SIGTERM");
              const t = setTimeout(() => !exited && daemon.kill("SIGKILL"), 10_000);
              await logs.catch(() => {});
              clearTimeout(t);
            }
          },
          180_000,
        );
      },
    );
  }
});
