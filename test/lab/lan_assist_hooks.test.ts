import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp } from "./lab.ts";

/**
 * `lan add` on a router whose fw4 table lacks a chain LAN assist hooks into (here `forward_wan`,
 * renamed the way a WAN zone with another name would make it): the error names the chain, the
 * table and the fix, nothing is saved, and `status --json` warns until the chain is back.
 */
let lab: Lab;

beforeAll(async () => {
  lab = await labUp({ name: "fh", routers: [{ id: "a", hosts: 1 }] });
  await lab.startPunchd("a");
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

const status = async () =>
  JSON.parse((await lab.punchctl("a", ["status", "--json"])).stdout) as {
    warnings: string[];
    lanHosts: unknown[];
  };

describe("LAN assist when fw4 lacks forward_wan", () => {
  test("lan add names the missing chain and the fix, saves nothing, and status warns", async () => {
    const rename = await lab.exec("a", [
      "nft",
      "rename chain inet fw4 forward_wan forward_internet",
    ]);
    expect(rename.code).toBe(0);
    const before = await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/punch`);
    const r = await lab.punchctl("a", ["lan", "add", lab.hostAddress("a1"), "--name", "a1"]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Cannot add LAN host "a1", nothing was saved');
    expect(lines[0]).toContain('the firewall table "inet fw4" has no chain "forward_wan"');
    expect(lines[0]).toContain('zone named "wan"');
    expect(lines[0]).not.toContain("check that fw4 is running");
    expect(await Deno.readTextFile(`${lab.routerDir("a")}/etc/config/punch`)).toBe(before);
    expect(JSON.parse((await lab.punchctl("a", ["lan", "list", "--json"])).stdout)).toEqual([]);
    const st = await status();
    expect(st.lanHosts).toEqual([]);
    expect(st.warnings.some((w) => w.startsWith('LAN host "a1" was not added: the firewall'))).toBe(
      true,
    );
    const text = await lab.punchctl("a", ["status"]);
    expect(text.stdout).toMatch(/^warning: LAN host "a1" was not added/m);
  });

  test("with the chain back, lan add works and the warning is gone", async () => {
    const rename = await lab.exec("a", [
      "nft",
      "rename chain inet fw4 forward_internet forward_wan",
    ]);
    expect(rename.code).toBe(0);
    // A named remote (nothing is sent to it), so that rules and the jumps go in.
    const r = await lab.punchctl("a", [
      "lan",
      "add",
      lab.hostAddress("a1"),
      "--name",
      "a1",
      "--remote",
      "198.51.100.4:51820",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Pinholes open for 198.51.100.4:51820 only");
    expect((await status()).warnings).toEqual([]);
    const jump = await lab.exec("a", ["nft", "list", "chain", "inet", "fw4", "forward_wan"]);
    expect(jump.stdout).toContain('jump punch_forward comment "punch jump"');
  });

  test("lan remove takes the rules out even while the chain is missing again", async () => {
    const rename = await lab.exec("a", [
      "nft",
      "rename chain inet fw4 forward_wan forward_internet",
    ]);
    expect(rename.code).toBe(0);
    const r = await lab.punchctl("a", ["lan", "remove", "a1"]);
    expect(r.stderr).toBe("");
    const rules = await lab.exec("a", ["nft", "list", "chain", "inet", "fw4", "punch_dstnat"]);
    expect(rules.stdout).not.toContain("dnat ip to");
    expect(JSON.parse((await lab.punchctl("a", ["lan", "list", "--json"])).stdout)).toEqual([]);
  });
});
