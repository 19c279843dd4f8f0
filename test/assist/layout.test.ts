import { describe, expect, test } from "vitest";
import {
  FW4_LAYOUT,
  includeFiles,
  installedFrom,
  JUMP_TAG,
  operationScript,
  OWN_TABLE_LAYOUT,
  setupScript,
  teardownScript,
} from "../../src/assist/layout.ts";
import type { ListedRule } from "../../src/assist/nft_listing.ts";

const jump = (chain: string, handle: number): ListedRule => ({
  chain,
  handle,
  comment: JUMP_TAG,
  text: `jump x comment "${JUMP_TAG}"`,
});

describe("fw4 layout", () => {
  test("setup creates chains and only the missing jumps", () => {
    expect(setupScript(FW4_LAYOUT, [jump("dstnat", 4)])).toEqual([
      "add chain inet fw4 punch_dstnat",
      "add chain inet fw4 punch_forward",
      "add chain inet fw4 punch_srcnat",
      'insert rule inet fw4 forward_wan jump punch_forward comment "punch jump"',
      'insert rule inet fw4 srcnat jump punch_srcnat comment "punch jump"',
    ]);
  });
  test("own table gets base chains just before fw4's priorities", () => {
    const s = setupScript(OWN_TABLE_LAYOUT, []);
    expect(s[0]).toBe("add table inet punch");
    expect(s[1]).toBe(
      "add chain inet punch punch_dstnat { type nat hook prerouting priority dstnat - 5; policy accept; }",
    );
    expect(teardownScript(OWN_TABLE_LAYOUT, [])).toEqual(["delete table inet punch"]);
  });
  test("operations become nft commands in Punch's chains", () => {
    expect(operationScript(FW4_LAYOUT, [
      { kind: "delete-rule", chain: "srcnat", handle: 12, tag: "t" },
      { kind: "add-rule", chain: "forward", tag: "t", text: "accept" },
      { kind: "flush-conntrack", filter: {} },
    ])).toEqual([
      "delete rule inet fw4 punch_srcnat handle 12",
      "add rule inet fw4 punch_forward accept",
    ]);
  });
  test("teardown removes the jumps by handle, then the chains", () => {
    const cmds = teardownScript(FW4_LAYOUT, [jump("dstnat", 4), {
      ...jump("srcnat", 8),
      comment: "other",
    }]);
    expect(cmds[0]).toBe("delete rule inet fw4 dstnat handle 4");
    expect(cmds).not.toContain("delete rule inet fw4 srcnat handle 8");
    expect(cmds.at(-1)).toBe("delete chain inet fw4 punch_srcnat");
  });
  test("installed rules are Punch-tagged rules of Punch's chains", () => {
    const listed: ListedRule[] = [
      { chain: "punch_forward", handle: 3, comment: "punch forward x", text: "" },
      { chain: "punch_forward", handle: 4, comment: "someone else", text: "" },
      { chain: "forward_wan", handle: 5, comment: "punch forward y", text: "" },
    ];
    expect(installedFrom(FW4_LAYOUT, listed)).toEqual([{
      chain: "forward",
      handle: 3,
      tag: "punch forward x",
    }]);
  });
  test("include files rebuild chains and jumps on fw4 reload", () => {
    const files = includeFiles(
      FW4_LAYOUT,
      [{ chain: "srcnat", text: "snat ip to 1.2.3.4:5" }],
      "/d",
    );
    expect(files.map((f) => f.path)).toEqual([
      "/d/table-pre/punch.nft",
      "/d/chain-pre/dstnat/punch.nft",
      "/d/chain-pre/forward_wan/punch.nft",
      "/d/chain-pre/srcnat/punch.nft",
    ]);
    expect(files[0]!.text).toContain("chain punch_dstnat {\n}\n");
    expect(files[0]!.text).toContain("chain punch_srcnat {\n\tsnat ip to 1.2.3.4:5\n}\n");
    expect(files[3]!.text).toContain('jump punch_srcnat comment "punch jump"\n');
  });
});
