// luci-app-punch: the feed Makefile, the menu entry, the ACL against the `punch` ubus methods,
// the package build, and the view's logic (loaded as LuCI loads it, with stand-in classes).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkLuciTree, LUCI_FILES, luciMeta } from "../../scripts/pkgbuild/luci.ts";
import { UBUS_METHODS } from "../../src/daemon/ubus_api.ts";
import { readApk } from "../../src/pkg/apk_read.ts";
import { buildApk } from "../../src/pkg/apk.ts";
import { inflateRaw } from "../../src/pkg/compress_deno.ts";
import { deflateStored } from "../../src/pkg/gzip.ts";
import { buildIpk, readIpk } from "../../src/pkg/ipk.ts";
import type { TreeEntry } from "../../src/pkg/tree.ts";
import { VERSION } from "../../src/version.ts";
import { loadView, luciFormat, requiresOf, VIEW_PATH } from "./view_stub.ts";

const APP = new URL("../../openwrt/luci-app-punch/", import.meta.url);
const read = (p: string) => Deno.readTextFileSync(new URL(p, APP));
const json = (p: string) => JSON.parse(read(`root/${p}`));
const stored = (d: Uint8Array) => Promise.resolve(deflateStored(d));

function tree(): TreeEntry[] {
  return LUCI_FILES.map((path) => ({
    kind: "file" as const,
    path,
    mode: 0o644,
    data: Deno.readFileSync(new URL(`root/${path}`, APP)),
  }));
}

describe("luci-app-punch package", () => {
  const meta = luciMeta(read("Makefile"), VERSION, 1700000000);

  test("metadata: noarch, depends on punch and luci-base, postinst reloads rpcd", () => {
    expect(meta.name).toBe("luci-app-punch");
    expect(meta.version).toBe(`${VERSION}-r1`);
    expect(meta.arch).toBe("all");
    expect(meta.depends).toEqual(["punch", "luci-base"]);
    expect(meta.section).toBe("luci");
    expect(meta.postinst).toMatch(/^#!\/bin\/sh\n/);
    expect(meta.postinst).toContain("/etc/init.d/rpcd reload");
    expect(meta.postinst).toContain('[ -n "${IPKG_INSTROOT}" ] && exit 0');
  });

  test("a version other than punch's is refused", () => {
    expect(() => luciMeta(read("Makefile"), "9.9.9", 0)).toThrow(/differs from punch's "9\.9\.9"/);
  });

  test("ipk and apk hold the files at the paths LuCI and rpcd read", async () => {
    const ipk = await buildIpk(meta, tree(), stored);
    expect(ipk.fileName).toBe(`luci-app-punch_${VERSION}-r1_all.ipk`);
    const r = await readIpk(ipk.bytes, inflateRaw);
    expect(r.fields.get("Depends")).toBe("punch, luci-base");
    expect(r.fields.get("Architecture")).toBe("all");
    const apk = await buildApk(meta, tree(), stored);
    expect(apk.fileName).toBe(`luci-app-punch-${VERSION}-r1.apk`);
    const a = await readApk(apk.bytes, inflateRaw);
    const paths = a.dirs.flatMap((d) => d.files.map((f) => `${d.name}/${f.name}`));
    // apk-tools' own file list (as OpenWrt's apk packages carry) besides the payload
    expect(paths.sort()).toEqual([...LUCI_FILES, "lib/apk/packages/luci-app-punch.list"].sort());
  });

  test("a tree without the view is refused", () => {
    expect(() => checkLuciTree(tree().slice(0, 2))).toThrow(/status\.js is missing/);
  });
});

describe("menu and ACL", () => {
  const menu = json("usr/share/luci/menu.d/luci-app-punch.json");
  const acl = json("usr/share/rpcd/acl.d/luci-app-punch.json");

  test("Services -> Punch opens the view punch/status, for users of the app's ACL", () => {
    const e = menu["admin/services/punch"];
    expect(e.title).toBe("Punch");
    expect(e.action).toEqual({ type: "view", path: "punch/status" });
    expect(VIEW_PATH.pathname.endsWith(`/view/${e.action.path}.js`)).toBe(true);
    expect(e.depends.acl).toEqual(["luci-app-punch"]);
    expect(Object.keys(acl)).toEqual(["luci-app-punch"]);
  });

  test("read grants only read methods of `punch`, write grants web_ticket", () => {
    const g = acl["luci-app-punch"];
    for (const m of g.read.ubus.punch) expect(UBUS_METHODS[m]?.access, m).toBe("read");
    expect(g.read.ubus.punch).toContain("status");
    expect(Object.keys(g.read.ubus)).toEqual(["punch"]);
    expect(g.write.ubus).toEqual({ punch: ["web_ticket"] });
    expect(UBUS_METHODS.web_ticket?.access).toBe("write");
  });

  test("the view declares only methods the ACL grants", () => {
    const src = Deno.readTextFileSync(VIEW_PATH);
    const declared = [...src.matchAll(/object: '(\w+)',\s*method: '(\w+)'/g)].map((m) =>
      `${m[1]}.${m[2]}`
    );
    const g = acl["luci-app-punch"];
    const granted = [...g.read.ubus.punch, ...g.write.ubus.punch].map((m: string) => `punch.${m}`);
    expect(declared).toEqual(["punch.status", "punch.web_ticket"]);
    for (const d of declared) expect(granted).toContain(d);
  });
});

describe("status view logic", () => {
  const src = Deno.readTextFileSync(VIEW_PATH);
  const saved = Object.getOwnPropertyDescriptor(String.prototype, "format");
  let v: Record<string, (...a: unknown[]) => unknown>;

  beforeAll(() => {
    Object.defineProperty(String.prototype, "format", { value: luciFormat, configurable: true });
    const declared: unknown[] = [];
    v = loadView(src, {
      view: { extend: (o: unknown) => o },
      rpc: { declare: (o: unknown) => (declared.push(o), () => Promise.resolve({})) },
      poll: { add: () => {} },
      ui: {},
    }, { _: (s) => s, E: (...a) => a }) as typeof v;
    expect(declared).toEqual([
      { object: "punch", method: "status", expect: { "": {} } },
      { object: "punch", method: "web_ticket", expect: { "": {} } },
    ]);
  });
  afterAll(() => {
    if (saved) Object.defineProperty(String.prototype, "format", saved);
    else delete (String.prototype as unknown as Record<string, unknown>).format;
  });

  test("requires view, rpc, poll and ui, as LuCI's loader reads them", () => {
    expect(requiresOf(src)).toEqual(["view", "rpc", "poll", "ui"]);
  });

  test("bytes and handshake ages", () => {
    expect(v.formatBytes!(512)).toBe("512 B");
    expect(v.formatBytes!(1536)).toBe("1.5 KiB");
    expect(v.formatBytes!(5 * 1024 ** 3)).toBe("5.0 GiB");
    expect(v.formatBytes!(undefined)).toBe("-");
    expect(v.formatAge!(42)).toBe("42 s ago");
    expect(v.formatAge!(600)).toBe("10 min ago");
    expect(v.formatAge!(3 * 3600)).toBe("3 h ago");
    expect(v.formatAge!(3 * 86400)).toBe("3 d ago");
    expect(v.formatAge!(undefined)).toBe("never");
  });

  test("a peer row: name, state, path with its reason, handshake, traffic", () => {
    expect(v.peerCells!({
      name: "alice",
      state: "connected",
      path: "direct",
      pathWhy: "hole punched",
      latestHandshake: 1700000000,
      handshakeAgeSec: 30,
      rxBytes: 2048,
      txBytes: 100,
    })).toEqual(["alice", "Connected", "Direct (hole punched)", "30 s ago", "2.0 KiB / 100 B"]);
    expect(v.peerCells!({ name: "bob", state: "never", path: "none", latestHandshake: 0 }))
      .toEqual(["bob", "No handshake yet", "None", "never", "- / -"]);
  });

  test("the single sign-on URL uses LuCI's host and the ticket's port, ticket escaped", () => {
    expect(v.ssoUrl!({ hostname: "192.168.1.1" }, { port: 8451, ticket: "a+b/c" }))
      .toBe("http://192.168.1.1:8451/sso?ticket=a%2Bb%2Fc");
    expect(v.ssoUrl!({ hostname: "[fd00::1]" }, { port: 8451, ticket: "t" }))
      .toBe("http://[fd00::1]:8451/sso?ticket=t");
  });

  test("ticket errors say what to do", () => {
    expect(v.ticketError!(new Error("RPC call to punch/web_ticket failed with ubus code 6")))
      .toMatch(/needs write access/);
    expect(v.ticketError!(new Error("RPC call to punch/web_ticket failed with ubus code 4")))
      .toMatch(/service punch start/);
    expect(v.ticketError!(new Error("boom"))).toBe("Cannot open Punch: boom");
  });
});
