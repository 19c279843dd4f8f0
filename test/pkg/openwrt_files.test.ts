// The OpenWrt side of the package: feed Makefile values the stand-alone build reuses, the procd
// init script, the /usr/bin wrappers and the rpcd ACL.
import { describe, expect, test } from "vitest";
import {
  bundleStamp,
  metaFor,
  parseMakefile,
  PUNCHD_RUN_FLAGS,
  PUNCHD_V8_FLAGS,
  RUN_FLAGS,
  wrapper,
} from "../../scripts/pkgbuild/payload.ts";
import { asciiSource, bundleImports, cpuOf } from "../../scripts/pkgbuild/inputs.ts";
import { ipkControl } from "../../src/pkg/ipk.ts";
import { VERSION } from "../../src/version.ts";

const OPENWRT = new URL("../../openwrt/", import.meta.url);
const read = (p: string) => Deno.readTextFileSync(new URL(p, OPENWRT));

describe("openwrt/Makefile", () => {
  const info = parseMakefile(read("Makefile"));

  test("version matches src/version.ts; depends, conffiles and prerm are read", () => {
    expect(info.version).toBe(VERSION);
    expect(info.depends).toEqual(["kmod-wireguard", "wireguard-tools"]);
    expect(info.conffiles).toEqual(["/etc/config/punch"]);
    expect(info.prerm).toMatch(/^#!\/bin\/sh\n/);
    expect(info.prerm).toContain('[ "${PKG_UPGRADE}" = "1" ] && exit 0');
    expect(info.prerm).not.toContain("$$");
  });

  test("control file for an aarch64 variant", () => {
    const text = ipkControl(metaFor(info, "aarch64_cortex-a53", 1700000000), 123);
    expect(text).toMatch(
      /^Package: punch\nVersion: 0\.1\.0-r1\nDepends: kmod-wireguard, wireguard-tools\n/,
    );
    expect(text).toContain("Architecture: aarch64_cortex-a53\nInstalled-Size: 123\n");
  });

  test("architectures map to CPU families", () => {
    expect(cpuOf("x86_64")).toBe("x86_64");
    expect(cpuOf("aarch64_cortex-a72")).toBe("aarch64");
    expect(() => cpuOf("mipsel_24kc")).toThrow(/mipsel_24kc/);
  });
});

describe("files", () => {
  test("init script: procd, respawn, reload triggers on punch and network", () => {
    const s = read("files/etc/init.d/punch");
    expect(s.startsWith("#!/bin/sh /etc/rc.common\n")).toBe(true);
    expect(s).toContain("USE_PROCD=1");
    expect(s).toMatch(/procd_set_param respawn/);
    expect(s).toContain("procd_add_reload_trigger punch network");
    expect(s).toContain("procd_add_reload_interface_trigger wan\n");
    expect(s).toContain('procd_set_param command "$PROG" --platform openwrt');
    expect(Deno.statSync(new URL("files/etc/init.d/punch", OPENWRT)).mode! & 0o111).not.toBe(0);
  });

  test("init script runs under sh with procd's functions: instance, triggers, reload = HUP", async () => {
    // procd.sh's API (openwrt@03eca6c5 package/system/procd/files/procd.sh), logged instead of sent
    const stubs = [
      "procd_open_instance",
      "procd_set_param",
      "procd_close_instance",
      "procd_add_reload_trigger",
      "procd_add_reload_interface_trigger",
      "procd_send_signal",
      "start",
    ].map((f) => `${f}() { echo "${f} $*"; }`).join("\n");
    const script = `${stubs}\n. ./files/etc/init.d/punch\n` +
      `echo "START=$START STOP=$STOP USE_PROCD=$USE_PROCD"\nstart_service\nservice_triggers\nreload_service\n`;
    const out = await new Deno.Command("sh", {
      args: ["-euc", script],
      cwd: OPENWRT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    expect(new TextDecoder().decode(out.stderr)).toBe("");
    expect(new TextDecoder().decode(out.stdout).trim().split("\n")).toEqual([
      "START=95 STOP=10 USE_PROCD=1",
      "procd_open_instance punchd",
      "procd_set_param command /usr/bin/punchd --platform openwrt",
      "procd_set_param respawn 3600 5 5",
      "procd_set_param stdout 1",
      "procd_set_param stderr 1",
      "procd_set_param term_timeout 10",
      "procd_close_instance ",
      "procd_add_reload_trigger punch network",
      "procd_add_reload_interface_trigger wan",
      "procd_add_reload_interface_trigger wan6",
      "start ",
      "procd_send_signal punch punchd HUP",
    ]);
  });

  test("rpcd ACL is valid JSON granting the punch group uci access", () => {
    const acl = JSON.parse(read("files/usr/share/rpcd/acl.d/punch.json"));
    expect(acl.punch.read.uci).toContain("punch");
    expect(acl.punch.write.ubus.uci).toContain("apply");
  });

  test("default config has the main section", () => {
    expect(read("files/etc/config/punch")).toContain("config punch 'main'");
  });
});

describe("wrappers", () => {
  test("start the runtime through the bundled loader with no-download flags", () => {
    const w = wrapper("x86_64", "punchd", "bundle");
    expect(w).toContain('exec "$d/lib/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/deno" run');
    for (const f of ["--no-remote", "--no-npm", "--cached-only"]) expect(RUN_FLAGS).toContain(f);
    expect(w).toContain(`--v8-flags=${PUNCHD_V8_FLAGS}`);
    expect(w.trimEnd().endsWith('"$d/punch.js" punchd "$@"')).toBe(true);
    expect(wrapper("aarch64", "punchctl", "compiled")).toContain(
      '"$d/lib/ld-linux-aarch64.so.1" --library-path "$d/lib" "$d/punch" punchctl "$@"',
    );
  });

  test("punchd runs without the code cache; the warm-up run and punchctl keep it", () => {
    expect(PUNCHD_RUN_FLAGS).toEqual(["--no-code-cache"]);
    const lines = wrapper("x86_64", "punchd", "bundle", "0123abcd0123abcd").split("\n");
    const warm = lines.find((l) => l.includes("punchctl --version"))!;
    const exec = lines.find((l) => l.startsWith("exec "))!;
    expect(exec).toContain(" --no-code-cache --v8-flags=");
    expect(warm).not.toContain("--no-code-cache");
    expect(warm).not.toContain("--v8-flags");
    expect(wrapper("x86_64", "punchctl", "bundle")).not.toContain("--no-code-cache");
  });

  test("the warm-up runs once per bundle content (a new bundle after an upgrade warms again)", () => {
    const w = wrapper("x86_64", "punchd", "bundle", bundleStamp(new TextEncoder().encode("a")));
    expect(w).toContain('w="$DENO_DIR/punch-ca978112ca1bbdca.warm"\n[ -e "$w" ] || {');
    expect(w).toContain(' punchctl --version >/dev/null 2>&1; : >"$w"; } 2>/dev/null\n');
  });
});

describe("bundle post-processing", () => {
  test("asciiSource escapes every non-ASCII character and keeps the program's meaning", () => {
    const src = 'const a = "em \u2014 dash, \u00b7 dot, \u{1f600}"; const b = `\u2026${a}`; [a, b]';
    const raw = src.replace(
      /\\u\{?([0-9a-f]+)\}?/g,
      (_, h) => String.fromCodePoint(parseInt(h, 16)),
    );
    expect(raw).toMatch(/[\u007f-\uffff]/);
    const out = asciiSource(raw);
    expect(out).not.toMatch(/[\u007f-\uffff]/);
    expect((0, eval)(out)).toEqual((0, eval)(raw));
  });

  test("bundleImports finds static and dynamic imports in minified code", () => {
    const js = 'var a=1;import{x as y}from"npm:hono";import"./side.js";' +
      'const m=await import("jsr:@std/fmt");import*as z from"node:zlib";let s="import from";';
    expect(bundleImports(js)).toEqual(["npm:hono", "./side.js", "jsr:@std/fmt", "node:zlib"]);
    expect(bundleImports('var importer=1;console.log("from \\"x\\"")')).toEqual([]);
  });
});
