import { describe, expect, test } from "vitest";
import {
  applyChanges,
  parseUci,
  sections,
  type UciChange,
  type UciDoc,
  writeUci,
} from "../../src/uci/mod.ts";
import { fixture, FIXTURES, show } from "./uci_helpers.ts";

describe("round trip of real-shaped OpenWrt files", () => {
  for (const name of FIXTURES) {
    test(`${name} is written back byte for byte`, () => {
      const text = fixture(name);
      expect(writeUci(parseUci(text))).toBe(text);
    });
    // `.show` files were captured from `uci -X show` of libuci (openwrt/uci 66127cd)
    test(`${name} reads as libuci reads it, including cfgNNHHHH names`, () => {
      expect(show(name, fixture(name))).toBe(fixture(`${name}.show`));
    });
  }

  test("an empty file and a file of comments round-trip", () => {
    for (const t of ["", "\n", "# only a comment", "# a\n\n  # b\n"]) {
      expect(writeUci(parseUci(t))).toBe(t);
      expect(sections(parseUci(t))).toEqual([]);
    }
  });
});

describe("documents built by edits look like `uci commit` output", () => {
  /** Rebuild a commit-style file from its sections with `add` changes only. */
  function rebuild(text: string): string {
    const changes: UciChange[] = sections(parseUci(text)).map((s) =>
      s.anonymous
        ? { op: "add", type: s.type, values: s.options }
        : { op: "add", type: s.type, name: s.name, values: s.options }
    );
    const doc: UciDoc = applyChanges(parseUci(""), changes);
    return writeUci(doc);
  }

  for (const name of ["network_default", "system_default", "network_wireguard", "punch_default"]) {
    test(`${name} rebuilt from an empty document is identical`, () => {
      expect(rebuild(fixture(name))).toBe(fixture(name));
    });
  }

  test("adding to an empty document gives the names libuci would give", () => {
    const doc = applyChanges(parseUci(""), [
      { op: "add", type: "dnsmasq", values: { domainneeded: "1" } },
      { op: "add", type: "dhcp", name: "lan", values: {} },
      { op: "add", type: "zone", values: {} },
    ]);
    expect(sections(doc).map((s) => s.name)).toEqual(["cfg01411c", "lan", "cfg03dc81"]);
  });
});
