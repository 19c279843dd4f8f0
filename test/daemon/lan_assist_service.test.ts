import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Daemon } from "../../src/daemon/daemon.ts";
import { LanAssistService } from "../../src/daemon/lan_assist_service.ts";
import type { NetcheckService } from "../../src/daemon/netcheck_service.ts";
import { FileConfigBackend } from "../../src/platform/linux/config_files.ts";
import type { ExecResult, Platform } from "../../src/platform/types.ts";

/**
 * `lan add` against a ruleset that lacks a chain LAN assist hooks into: the error names the
 * chain, its table and the fix; the config is left as it was; status warns until the chain is
 * back. The router is a file-backed config under a temp dir and a fake `nft`.
 */
const ok = (stdout = ""): ExecResult => ({ code: 0, stdout, stderr: "" });
const missing: ExecResult = { code: 1, stdout: "", stderr: "Error: No such file or directory" };

class FakeRouter {
  hooks = new Set(["dstnat", "forward_wan", "srcnat"]);
  applied: string[] = [];
  exec = (argv: string[]): Promise<ExecResult> => {
    const line = argv.join(" ");
    if (line === "nft list tables") return Promise.resolve(ok("table inet fw4\n"));
    if (argv[0] === "nft" && argv.includes("list")) {
      const chain = argv.at(-1)!;
      return Promise.resolve(this.hooks.has(chain) ? ok() : missing);
    }
    if (argv[0] === "nft") return Promise.resolve((this.applied.push(argv[1]!), ok()));
    return Promise.resolve({ code: 1, stdout: "", stderr: "0 flow entries have been deleted" });
  };
}

let dir: string;
let router: FakeRouter;
let daemon: Daemon;
let lan: LanAssistService;
const punchFile = () => Deno.readTextFile(`${dir}/etc/config/punch`);
const call = (name: string, params: Record<string, unknown> = {}) =>
  lan.handlers().find((h) => h.name === name)!.run(daemon, params);

beforeEach(async () => {
  dir = await Deno.makeTempDir({ prefix: "punch-lan-" });
  await Deno.mkdir(`${dir}/etc/config`, { recursive: true });
  await Deno.writeTextFile(`${dir}/etc/config/punch`, "config punch 'main'\n\toption name 'a'\n");
  router = new FakeRouter();
  const platform: Platform = {
    name: "linux",
    root: dir,
    config: new FileConfigBackend(dir),
    wg: {
      apply: () => Promise.resolve(0),
      dump: () => Promise.resolve(null),
      remove: async () => {},
    },
    firewall: {
      allowWanUdp: async () => {},
      allowTunnel: async () => {},
      allowRelay: async () => {},
      setRules: async () => {},
    },
    system: {
      wan: () => Promise.resolve({ address: "203.0.113.10", v6: [] }),
      lanAddress: () => Promise.resolve("192.168.1.1"),
      watchWan: () => ({ close() {} }),
      reached: () => Promise.resolve([]),
      exec: router.exec,
    },
    auth: { login: () => Promise.resolve(false) },
    close: async () => {},
  };
  daemon = new Daemon({ platform, log: () => {}, random: (n) => new Uint8Array(n).fill(7) });
  await daemon.setup();
  lan = new LanAssistService(daemon, { report: undefined } as NetcheckService);
  await lan.start();
});

afterEach(async () => {
  lan.stop();
  await daemon.stop();
  await Deno.remove(dir, { recursive: true });
});

describe("lan add when fw4 lacks a chain LAN assist hooks into", () => {
  test("names the chain, its table and the fix; saves nothing; status warns until it is back", async () => {
    router.hooks.delete("forward_wan");
    const before = await punchFile();
    const err = await call("lan.add", { host: "192.168.1.20", name: "nas" }).catch((e) => e);
    expect((err as Error).message).toBe(
      'Cannot add LAN host "nas", nothing was saved: the firewall table "inet fw4" has no chain ' +
        '"forward_wan", which LAN assist hooks into; fw4 makes "forward_wan" for a firewall zone ' +
        'named "wan": give the WAN zone that name in /etc/config/firewall, then run "fw4 reload"',
    );
    expect(await punchFile()).toBe(before);
    expect(await call("lan.list")).toEqual([]);
    expect(router.applied.filter((a) => a.includes("punch_dstnat"))).toEqual([]);
    const warnings = (await daemon.status()).warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^LAN host "nas" was not added: the firewall table "inet fw4" has/);
    expect(warnings[0]).toMatch(/then add it again \(punchctl lan add\)$/);

    // The periodic re-check finds the chain back: the warning goes, and the add now works.
    router.hooks.add("forward_wan");
    await lan.sync();
    expect((await daemon.status()).warnings).toEqual([]);
    const added = await call("lan.add", { host: "192.168.1.20", name: "nas" }) as {
      publicEndpoint: string;
      hint: string;
    };
    expect(added.publicEndpoint).toBe("203.0.113.10:51822"); // 51820/51821: WireGuard, control
    expect(added.hint).toMatch(/^No Punch router is paired yet/);
  });

  test("a failed change to a host that exists puts its old section back", async () => {
    await call("lan.add", { host: "192.168.1.20", name: "nas" });
    const before = await punchFile();
    router.hooks.delete("srcnat");
    const err = await call("lan.add", {
      host: "192.168.1.20",
      name: "nas",
      remote: ["198.51.100.4:51820"],
    }).catch((e) => e);
    expect((err as Error).message).toContain('has no chain "srcnat"');
    expect(await punchFile()).toBe(before);
    const warnings = (await daemon.status()).warnings;
    expect(warnings.some((w) => w.startsWith('LAN host "nas" was not added'))).toBe(true);
    // The host still in the config cannot get its rules either: that is said too.
    expect(warnings.some((w) => w.startsWith("Cannot apply the LAN assist rules: the firewall")))
      .toBe(
        true,
      );
  });

  test("lan remove still works without the chain; the problem stays in the warnings", async () => {
    await call("lan.add", { host: "192.168.1.20", name: "nas" });
    await call("lan.add", { host: "192.168.1.21", name: "tv" });
    router.hooks.delete("forward_wan");
    expect(await call("lan.remove", { name: "tv" })).toEqual({ name: "tv" });
    expect(await punchFile()).not.toContain("lanhost 'tv'");
    const warnings = (await daemon.status()).warnings;
    expect(warnings).toEqual([
      expect.stringMatching(/^Cannot apply the LAN assist rules: .* no chain "forward_wan"/),
    ]);
    // lan list does not pretend: the hint says nothing opens until the chain is back.
    const [nas] = await call("lan.list") as { hint: string }[];
    expect(nas!.hint).toMatch(/^No pinhole can open until this is fixed: the firewall table/);
  });

  test("the hint follows the peering state: a paired router whose card is missing", async () => {
    lan.routers = () => Promise.resolve([{ name: "b", cardReceived: false }]);
    const [h] = await call("lan.add", { host: "192.168.1.20", name: "nas" }).then(() =>
      call("lan.list")
    ) as { hint: string; namedRemotes: string[] }[];
    expect(h!.hint).toMatch(/^Waiting for the card of "b"/);
    expect(h!.namedRemotes).toEqual([]);
  });
});
