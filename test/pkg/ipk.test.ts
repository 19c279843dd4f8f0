import { describe, expect, test } from "vitest";
import { utf8 } from "../../src/lib/bytes.ts";
import { inflateRaw } from "../../src/pkg/compress_deno.ts";
import { deflateStored, gunzip } from "../../src/pkg/gzip.ts";
import { buildIpk, ipkControl, parseControl, readIpk } from "../../src/pkg/ipk.ts";
import { readTar } from "../../src/pkg/tar.ts";
import { sampleMeta, sampleTree, vector } from "./sample.ts";

const stored = (d: Uint8Array) => Promise.resolve(deflateStored(d));
const UPDATE = Deno.env.get("UPDATE_VECTORS") === "1";

describe("buildIpk", () => {
  test("is byte-exact against the stored vector (stored deflate)", async () => {
    const ipk = await buildIpk(sampleMeta, sampleTree, stored);
    if (UPDATE) Deno.writeFileSync(new URL("../vectors/pkg/small.ipk", import.meta.url), ipk.bytes);
    expect(ipk.bytes).toEqual(vector("small.ipk"));
    expect(ipk.fileName).toBe("punch_0.1.0-r1_x86_64.ipk");
  });

  test("outer gzip'd tar holds ./debian-binary, ./data.tar.gz, ./control.tar.gz in ipkg-build order", async () => {
    const ipk = await buildIpk(sampleMeta, sampleTree, stored);
    const outer = readTar(await gunzip(ipk.bytes, inflateRaw));
    expect(outer.map((m) => [m.name, m.type, m.mode, m.uid, m.mtime])).toEqual([
      ["./debian-binary", "file", 0o644, 0, 1700000000],
      ["./data.tar.gz", "file", 0o644, 0, 1700000000],
      ["./control.tar.gz", "file", 0o644, 0, 1700000000],
    ]);
    expect(utf8.decode(outer[0]!.data)).toBe("2.0\n");
  });

  test("data.tar.gz holds the same tar GNU tar writes, and Installed-Size is its length", async () => {
    const r = await readIpk((await buildIpk(sampleMeta, sampleTree, stored)).bytes, inflateRaw);
    const data = await gunzip(
      readTar(await gunzip((await buildIpk(sampleMeta, sampleTree, stored)).bytes, inflateRaw))[1]!
        .data,
      inflateRaw,
    );
    expect(data).toEqual(vector("gnu_small.tar"));
    expect(r.fields.get("Installed-Size")).toBe("10240");
    expect(r.dataTarSize).toBe(10240);
  });

  test("control fields come in package-pack.mk order", () => {
    const text = ipkControl({ ...sampleMeta, sourceName: "punch", licenseFiles: "LICENSE" }, 42);
    expect([...parseControl(text).keys()]).toEqual([
      "Package",
      "Version",
      "Depends",
      "Source",
      "SourceName",
      "License",
      "LicenseFiles",
      "Section",
      "SourceDateEpoch",
      "URL",
      "Maintainer",
      "Architecture",
      "Installed-Size",
      "Description",
    ]);
    expect(text).toContain("Depends: kmod-wireguard, wireguard-tools\n");
  });

  test("control.tar.gz: conffiles and the default_postinst/default_prerm wrappers", async () => {
    const meta = {
      ...sampleMeta,
      postinst: "#!/bin/sh\necho own\n",
      prerm: "#!/bin/sh\necho bye\n",
    };
    const r = await readIpk((await buildIpk(meta, sampleTree, stored)).bytes, inflateRaw);
    expect(r.control.map((m) => m.name)).toEqual([
      "./",
      "./conffiles",
      "./control",
      "./postinst",
      "./postinst-pkg",
      "./prerm",
      "./prerm-pkg",
    ]);
    const text = (n: string) => utf8.decode(r.control.find((m) => m.name === n)!.data);
    expect(text("./conffiles")).toBe("/etc/config/punch\n");
    expect(text("./postinst")).toBe(
      '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
        ". ${IPKG_INSTROOT}/lib/functions.sh\ndefault_postinst $0 $@\n",
    );
    expect(text("./prerm")).toBe(
      "#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\n" +
        "default_prerm $0 $@\n",
    );
    expect(r.control.find((m) => m.name === "./postinst")!.mode).toBe(0o755);
  });

  test("system tar and gzip can unpack it", async () => {
    const dir = Deno.makeTempDirSync();
    try {
      Deno.writeFileSync(`${dir}/p.ipk`, (await buildIpk(sampleMeta, sampleTree, stored)).bytes);
      const out = new Deno.Command("tar", {
        args: ["-xzf", "p.ipk", "-O", "./control.tar.gz"],
        cwd: dir,
      }).outputSync();
      expect(out.success).toBe(true);
      const list = new Deno.Command("tar", { args: ["-tzf", "-"], stdin: "piped", stdout: "piped" })
        .spawn();
      const w = list.stdin.getWriter();
      await w.write(out.stdout);
      await w.close();
      expect(utf8.decode((await list.output()).stdout)).toContain("./control");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });

  test("rejects an invalid version", async () => {
    await expect(buildIpk({ ...sampleMeta, version: "1.0 beta" }, sampleTree, stored)).rejects
      .toThrow(/version "1.0 beta"/);
  });
});
