import { describe, expect, test } from "vitest";
import {
  AssistApplier,
  AssistHookError,
  type ExecResult,
  firstError,
} from "../../src/assist/assist_deno.ts";
import { FW4_LAYOUT, hookProblem, OWN_TABLE_LAYOUT } from "../../src/assist/layout.ts";
import type { AssistState } from "../../src/assist/plan.ts";

const state: AssistState = {
  wanAddress: "203.0.113.10",
  reservedPorts: [51820],
  hosts: [{ name: "a1", address: "192.168.1.10", port: 51820 }],
  remotes: [{ host: "a1", remote: { host: "203.0.113.20", port: 51821 } }],
};

/** fw4's hook chains, empty: what a stock ruleset lists before Punch adds its jumps. */
const HOOKS = { dstnat: "", forward_wan: "", srcnat: "" };

/** A runner that records commands and answers listings from a fixed map (fw4's table exists). */
function fakeExec(listings: Record<string, string> = HOOKS, tables = "table inet fw4\n") {
  const calls: string[][] = [];
  const exec = (argv: readonly string[]): Promise<ExecResult> => {
    calls.push([...argv]);
    if (argv.join(" ") === "nft list tables") {
      return Promise.resolve({ code: 0, stdout: tables, stderr: "" });
    }
    if (argv[0] === "nft" && argv[2] === "list") {
      const chain = argv.at(-1)!;
      const text = listings[chain];
      return Promise.resolve(
        text === undefined
          ? { code: 1, stdout: "", stderr: "No such file or directory" }
          : { code: 0, stdout: text, stderr: "" },
      );
    }
    if (argv[0] === "conntrack") {
      return Promise.resolve({
        code: 1,
        stdout: "",
        stderr: "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n",
      });
    }
    return Promise.resolve({ code: 0, stdout: "", stderr: "" });
  };
  return { exec, calls };
}

describe("AssistApplier", () => {
  test("sync creates chains and jumps, adds rules in one nft call, then flushes conntrack", async () => {
    const { exec, calls } = fakeExec();
    const ops = await new AssistApplier(exec).sync(state);
    expect(ops).toHaveLength(6);
    const nft = calls.filter((c) => c[0] === "nft" && c[1] !== "-a" && c[1] !== "list");
    expect(nft).toHaveLength(1);
    const script = nft[0]![1]!.split("\n");
    expect(script.slice(0, 3)).toEqual([
      "add chain inet fw4 punch_dstnat",
      "add chain inet fw4 punch_forward",
      "add chain inet fw4 punch_srcnat",
    ]);
    expect(script.filter((l) => l.startsWith("insert rule"))).toHaveLength(3);
    expect(script.filter((l) => l.startsWith("add rule"))).toHaveLength(3);
    expect(calls.filter((c) => c[0] === "conntrack" && c[1] === "-D")).toHaveLength(3);
  });

  test("an nft failure is reported once, with nft's first error and where to look", async () => {
    const stderr = "Error: Could not process rule: Device or resource busy\nadd chain inet fw4 " +
      "punch_dstnat\n                     ^^^^^\nError: Could not process rule: Device or " +
      "resource busy\nadd chain inet fw4 punch_dstnat\n";
    const { exec: list } = fakeExec();
    const exec = (argv: readonly string[]) =>
      argv[0] === "nft" && argv.length === 2
        ? Promise.resolve({ code: 1, stdout: "", stderr })
        : list(argv);
    const err = await new AssistApplier(exec).sync(state).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      "Cannot update the firewall rules for LAN assist: nft refused the change (Could not " +
        'process rule: Device or resource busy); see "nft list table inet fw4" and the log ' +
        "(logread -e punch)",
    );
  });

  test("a missing hook chain is named with its table and the fix, and nothing is applied", async () => {
    const { exec, calls } = fakeExec({ dstnat: "", srcnat: "" });
    const err = await new AssistApplier(exec).sync(state).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssistHookError);
    expect((err as AssistHookError).problem).toBe(
      'the firewall table "inet fw4" has no chain "forward_wan", which LAN assist hooks into; ' +
        'fw4 makes "forward_wan" for a firewall zone named "wan": give the WAN zone that name in ' +
        '/etc/config/firewall, then run "fw4 reload"',
    );
    expect(calls.filter((c) => c[0] === "nft" && c.length === 2)).toEqual([]);
    expect(calls.filter((c) => c[0] === "conntrack")).toEqual([]);
  });

  test("checkHooks: fine on a stock ruleset, names a missing fw4 table", async () => {
    expect(await new AssistApplier(fakeExec().exec).checkHooks()).toBeNull();
    const none = await new AssistApplier(fakeExec({}, "table inet other\n").exec).checkHooks();
    expect(none).toMatch(/^the firewall table "inet fw4" does not exist, so fw4 has not loaded/);
    expect(none).toContain('run "fw4 reload"');
    expect(await new AssistApplier(fakeExec({}).exec, { layout: OWN_TABLE_LAYOUT }).checkHooks())
      .toBeNull();
  });

  test("include files are written from the live listing", async () => {
    const listed =
      `table inet fw4 {\n\tchain punch_srcnat { # handle 7\n\t\tsnat ip to 203.0.113.10:51821 comment "punch srcnat 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51821" # handle 11\n\t}\n}\n`;
    const { exec } = fakeExec({ ...HOOKS, punch_srcnat: listed });
    const written = new Map<string, string>();
    const applier = new AssistApplier(exec, {
      includes: {
        dir: "/x",
        write: (p, t) => Promise.resolve(void written.set(p, t)),
        remove: () => Promise.resolve(),
      },
    });
    await applier.sync(state);
    expect(written.get("/x/table-pre/punch.nft")).toContain(
      "\tsnat ip to 203.0.113.10:51821 comment",
    );
    expect(written.size).toBe(4);
  });
});

describe("AssistApplier.prune", () => {
  test("takes out what the state no longer wants, adds nothing, needs no hook chain", async () => {
    const stale =
      `table inet fw4 {\n\tchain punch_srcnat { # handle 7\n\t\tsnat ip to 203.0.113.10:51821 comment "punch srcnat 192.168.1.99:51820 203.0.113.20:51821 203.0.113.10:51821" # handle 11\n\t}\n}\n`;
    // forward_wan is missing: checkHooks would complain, prune does not care.
    const { exec, calls } = fakeExec({ dstnat: "", srcnat: "", punch_srcnat: stale });
    const ops = await new AssistApplier(exec).prune(state);
    expect(ops.filter((o) => o.kind === "delete-rule")).toHaveLength(1);
    const nft = calls.filter((c) => c[0] === "nft" && c.length === 2);
    expect(nft).toEqual([["nft", "delete rule inet fw4 punch_srcnat handle 11"]]);
    expect(calls.some((c) => c[0] === "conntrack" && c[1] === "-D")).toBe(true);
  });
});

describe("AssistApplier.sync without a hook chain", () => {
  test("deletions alone still go through; nothing new is set up", async () => {
    const stale =
      `table inet fw4 {\n\tchain punch_srcnat { # handle 7\n\t\tsnat ip to 203.0.113.10:51821 comment "punch srcnat 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51821" # handle 11\n\t}\n}\n`;
    const { exec, calls } = fakeExec({ dstnat: "", srcnat: "", punch_srcnat: stale });
    await new AssistApplier(exec).sync({ ...state, hosts: [], remotes: [] });
    expect(calls.filter((c) => c[0] === "nft" && c.length === 2)).toEqual([[
      "nft",
      "delete rule inet fw4 punch_srcnat handle 11",
    ]]);
  });
});

describe("hookProblem", () => {
  test("one fix per cause, every missing chain named", () => {
    expect(hookProblem(FW4_LAYOUT, "table inet fw4", [])).toBeNull();
    expect(hookProblem(FW4_LAYOUT, "table inet fw4", ["dstnat", "srcnat"])).toBe(
      'the firewall table "inet fw4" has no chains "dstnat" and "srcnat", which LAN assist hooks ' +
        'into; fw4 makes "dstnat" and "srcnat" in every ruleset: run "fw4 reload" (or "/etc/init.d/firewall ' +
        'restart") and look at "fw4 check" for errors',
    );
    expect(hookProblem(OWN_TABLE_LAYOUT, "", ["dstnat"])).toBeNull();
  });

  test("firstError keeps nft's first message only", () => {
    expect(firstError("Error: No such file or directory\nlist chain x\n   ^^^\n")).toBe(
      "No such file or directory",
    );
    expect(firstError("")).toBe("no message");
  });
});
