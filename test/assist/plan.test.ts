import { describe, expect, test } from "vitest";
import {
  type AssistState,
  type InstalledRule,
  mappingsOf,
  parseRuleTag,
  planAssist,
  planRemoveAll,
  publicPorts,
} from "../../src/assist/plan.ts";
import { renderRules } from "../../src/assist/rules.ts";

const state: AssistState = {
  wanAddress: "203.0.113.10",
  reservedPorts: [51820],
  hosts: [
    { name: "a1", address: "192.168.1.10", port: 51820 },
    { name: "a2", address: "192.168.1.11", port: 51820 },
  ],
  remotes: [
    { host: "a1", remote: { host: "203.0.113.20", port: 51821 } },
    { host: "a2", remote: { host: "203.0.113.20", port: 51821 } },
  ],
};

/** What the live ruleset holds after applying `ops` from nothing (handles counted up). */
function installedAfter(s: AssistState): InstalledRule[] {
  return planAssist(s, []).flatMap((op, i) =>
    op.kind === "add-rule" ? [{ chain: op.chain, handle: 100 + i, tag: op.tag }] : []
  );
}

describe("planAssist", () => {
  test("two hosts on 51820 towards the same remote get different public ports", () => {
    expect([...publicPorts(state)]).toEqual([["a1", 51821], ["a2", 51822]]);
    const ms = mappingsOf(state);
    expect(ms.map((m) => m.publicPort)).toEqual([51821, 51822]);
  });

  test("from nothing: add all rules, then flush what would shadow them", () => {
    const ops = planAssist(state, []);
    expect(ops.filter((o) => o.kind === "add-rule")).toHaveLength(6);
    expect(ops.filter((o) => o.kind === "delete-rule")).toHaveLength(0);
    const flushes = ops.filter((o) => o.kind === "flush-conntrack");
    expect(flushes).toHaveLength(6);
    expect(ops.findIndex((o) => o.kind === "flush-conntrack")).toBe(6);
  });

  test("unchanged state gives no operations", () => {
    expect(planAssist(state, installedAfter(state))).toEqual([]);
  });

  test("removing a host deletes its rules and flushes its entries only", () => {
    const less: AssistState = { ...state, hosts: [state.hosts[0]!], remotes: [state.remotes[0]!] };
    // a1 keeps 51821 only because ports are allocated in order; pin it as the daemon would.
    const ops = planAssist(
      { ...less, hosts: [{ ...state.hosts[0]!, publicPort: 51821 }] },
      installedAfter(state),
    );
    expect(ops.filter((o) => o.kind === "add-rule")).toEqual([]);
    const deleted = ops.flatMap((o) => (o.kind === "delete-rule" ? [o.tag] : []));
    expect(deleted).toHaveLength(3);
    expect(deleted.every((t) => t.includes("192.168.1.11:51820"))).toBe(true);
    const flushed = ops.flatMap((o) => (o.kind === "flush-conntrack" ? [o.filter] : []));
    expect(flushed).toContainEqual({
      origSrc: "192.168.1.11",
      origSport: 51820,
      origDst: "203.0.113.20",
      origDport: 51821,
    });
    expect(flushed.some((f) => f.origSrc === "192.168.1.10")).toBe(false);
  });

  test("a new WAN address replaces every rule", () => {
    const ops = planAssist({ ...state, wanAddress: "198.51.100.7" }, installedAfter(state));
    expect(ops.filter((o) => o.kind === "delete-rule")).toHaveLength(6);
    expect(ops.filter((o) => o.kind === "add-rule")).toHaveLength(6);
  });

  test("duplicate installed rules and foreign tags are deleted", () => {
    const inst = installedAfter(state);
    const dup = { ...inst[0]!, handle: 999 };
    const foreign: InstalledRule = { chain: "forward", handle: 7, tag: "punch something else" };
    const ops = planAssist(state, [...inst, dup, foreign]);
    expect(
      ops.filter((o) => o.kind === "delete-rule").map((
        o,
      ) => (o.kind === "delete-rule" ? o.handle : 0)),
    )
      .toEqual([999, 7]);
  });

  test("a remote naming an unknown host is refused", () => {
    expect(() =>
      planAssist(
        { ...state, remotes: [{ host: "nope", remote: { host: "1.2.3.4", port: 1 } }] },
        [],
      )
    )
      .toThrow(/no LAN host named "nope"/);
  });
});

describe("planRemoveAll and tags", () => {
  test("tags parse back to the mapping", () => {
    const m = mappingsOf(state)[0]!;
    for (const r of renderRules(m)) expect(parseRuleTag(r.tag)).toEqual({ ...m, name: "" });
    expect(parseRuleTag("punch jump")).toBeNull();
  });
  test("removes every rule and flushes every mapping's entries", () => {
    const ops = planRemoveAll(installedAfter(state));
    expect(ops.filter((o) => o.kind === "delete-rule")).toHaveLength(6);
    expect(ops.filter((o) => o.kind === "flush-conntrack")).toHaveLength(6);
  });
});
