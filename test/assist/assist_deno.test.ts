import { describe, expect, test } from "vitest";
import { AssistApplier, type ExecResult } from "../../src/assist/assist_deno.ts";
import type { AssistState } from "../../src/assist/plan.ts";

const state: AssistState = {
  wanAddress: "203.0.113.10",
  reservedPorts: [51820],
  hosts: [{ name: "a1", address: "192.168.1.10", port: 51820 }],
  remotes: [{ host: "a1", remote: { host: "203.0.113.20", port: 51821 } }],
};

/** A runner that records commands and answers listings from a fixed map. */
function fakeExec(listings: Record<string, string> = {}) {
  const calls: string[][] = [];
  const exec = (argv: readonly string[]): Promise<ExecResult> => {
    calls.push([...argv]);
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
    const nft = calls.filter((c) => c[0] === "nft" && c[1] !== "-a");
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

  test("an nft failure is reported with what to check", async () => {
    const exec = (argv: readonly string[]) =>
      Promise.resolve(
        argv[1] === "-a"
          ? { code: 1, stdout: "", stderr: "" }
          : { code: 1, stdout: "", stderr: "Error: No such file or directory" },
      );
    await expect(new AssistApplier(exec).sync(state)).rejects.toThrow(/check that fw4 is running/);
  });

  test("include files are written from the live listing", async () => {
    const listed =
      `table inet fw4 {\n\tchain punch_srcnat { # handle 7\n\t\tsnat ip to 203.0.113.10:51821 comment "punch srcnat 192.168.1.10:51820 203.0.113.20:51821 203.0.113.10:51821" # handle 11\n\t}\n}\n`;
    const { exec } = fakeExec({ punch_srcnat: listed });
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
