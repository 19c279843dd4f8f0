import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FileConfigBackend } from "../../src/platform/linux/config_files.ts";

let root: string;
beforeEach(async () => {
  root = await Deno.makeTempDir({ prefix: "punch-cfg-" });
  await Deno.mkdir(`${root}/etc/config`, { recursive: true });
});
afterEach(async () => {
  await Deno.remove(root, { recursive: true });
});

describe("UCI files under --root", () => {
  test("a file read again unchanged comes from the last parse, as a copy; a change is seen", async () => {
    const path = `${root}/etc/config/punch`;
    await Deno.writeTextFile(path, "config punch 'main'\n\toption name 'a'\n");
    const cfg = new FileConfigBackend(root);
    const first = await cfg.load("punch");
    first[0]!.options.name = "changed by a caller";
    expect((await cfg.load("punch"))[0]!.options.name).toBe("a");
    await Deno.writeTextFile(path, "config punch 'main'\n\toption name 'b'\n");
    expect((await cfg.load("punch"))[0]!.options.name).toBe("b");
  });

  test("a broken file gives an error with its line number and is left exactly as it was", async () => {
    const broken =
      "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1\n";
    const path = `${root}/etc/config/network`;
    await Deno.writeTextFile(path, broken);
    const cfg = new FileConfigBackend(root);
    await expect(cfg.load("network")).rejects.toThrow(/line 3/);
    await expect(
      cfg.commit("network", [{ op: "set", section: "lan", option: "proto", value: "dhcp" }]),
    )
      .rejects.toThrow(/line 3/);
    expect(await Deno.readTextFile(path)).toBe(broken);
    expect([...Deno.readDirSync(`${root}/etc/config`)].map((e) => e.name)).toEqual(["network"]);
  });

  test("a change is written atomically, keeps the rest of the file byte for byte, and is 0600", async () => {
    const text = "# mine\nconfig interface 'lan'\n\toption proto  'static' # aligned\n";
    const path = `${root}/etc/config/network`;
    await Deno.writeTextFile(path, text, { mode: 0o644 });
    const cfg = new FileConfigBackend(root);
    await cfg.commit("network", [{
      op: "add",
      type: "interface",
      name: "wg0",
      values: { proto: "wireguard" },
    }]);
    const after = await Deno.readTextFile(path);
    expect(after.startsWith(text)).toBe(true);
    expect(after).toContain("config interface 'wg0'\n\toption proto 'wireguard'\n");
    expect((await Deno.stat(path)).mode! & 0o777).toBe(0o600);
    expect((await cfg.load("network")).map((s) => s.name)).toEqual(["lan", "wg0"]);
  });

  test("a change that cannot apply leaves the file untouched", async () => {
    const text = "config interface 'lan'\n\toption proto 'static'\n";
    const path = `${root}/etc/config/network`;
    await Deno.writeTextFile(path, text);
    const cfg = new FileConfigBackend(root);
    await expect(cfg.commit("network", [{ op: "delete", section: "nope" }])).rejects.toThrow();
    expect(await Deno.readTextFile(path)).toBe(text);
  });
});

describe("the default /etc/config/punch on --platform linux", () => {
  test("written 0600 when missing, never over an existing file; later edits keep its comments", async () => {
    const { PUNCH_DEFAULT_FILE } = await import("../../src/uci/punch_default.ts");
    const cfg = new FileConfigBackend(root);
    expect(await cfg.createIfMissing("punch", PUNCH_DEFAULT_FILE)).toBe(true);
    const path = `${root}/etc/config/punch`;
    expect(await Deno.readTextFile(path)).toBe(PUNCH_DEFAULT_FILE);
    expect((await Deno.stat(path)).mode! & 0o777).toBe(0o600);
    expect(await cfg.createIfMissing("punch", "config punch 'main'\n")).toBe(false);
    await cfg.commit("punch", [{ op: "set", section: "main", option: "name", value: "cabin" }]);
    const text = await Deno.readTextFile(path);
    expect(text).toContain("option name 'cabin'");
    expect(text).toContain("# Every option is described in docs/config.md");
  });
});
