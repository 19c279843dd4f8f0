import { describe, expect, test } from "vitest";
import { sectionsFromRpcd } from "../../src/uci/rpcd_mapping.ts";

describe("sectionsFromRpcd", () => {
  test("sections in file order with their options", () => {
    const values = {
      wan: { ".type": "interface", ".name": "wan", ".index": 2, proto: "dhcp" },
      lan: { ".type": "interface", ".name": "lan", ".index": 1, dns: ["192.0.2.53"], mtu: 1500 },
    };
    expect(sectionsFromRpcd({ values })).toEqual([
      {
        type: "interface",
        name: "lan",
        anonymous: false,
        options: { dns: ["192.0.2.53"], mtu: "1500" },
      },
      { type: "interface", name: "wan", anonymous: false, options: { proto: "dhcp" } },
    ]);
  });

  test("a section that is not an object is skipped, not a TypeError (found by fuzzing)", () => {
    const values = { "": null, a: 1, b: [1], lan: { ".type": "interface" } };
    expect(sectionsFromRpcd({ values })).toEqual([
      { type: "interface", name: "lan", anonymous: false, options: {} },
    ]);
  });
});
