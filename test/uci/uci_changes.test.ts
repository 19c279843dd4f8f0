import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/lib/errors.ts";
import {
  anonymousName,
  applyChanges,
  parseUci,
  sections,
  type UciChange,
  type UciSection,
  writeUci,
} from "../../src/uci/mod.ts";
import { fixture } from "./uci_helpers.ts";

/** Apply changes to text and return the new text. */
const edit = (text: string, changes: UciChange[]) =>
  writeUci(applyChanges(parseUci(text), changes));

/** Lines of `after` that are not in `before` and the reverse, in order (a crude line diff). */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split("\n"), b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

describe("set", () => {
  const fw = fixture("firewall_default");

  test("changing a value rewrites only that value, keeping the line's layout", () => {
    const out = edit(fw, [{ op: "set", section: "cfg01e63d", option: "input", value: "ACCEPT" }]);
    expect(lineDiff(fw, out)).toEqual({
      removed: ["\toption input\t\tREJECT"],
      added: ["\toption input\t\t'ACCEPT'"],
    });
  });

  test("setting the same value changes nothing", () => {
    expect(edit(fw, [{ op: "set", section: "cfg01e63d", option: "input", value: "REJECT" }])).toBe(
      fw,
    );
    const net = fixture("network_default");
    expect(
      edit(net, [{
        op: "set",
        section: "cfg030f15",
        option: "ports",
        value: ["lan1", "lan2", "lan3", "lan4"],
      }]),
    )
      .toBe(net);
  });

  test("a new option goes after the section's last option with its indentation", () => {
    const net = fixture("network_default");
    const out = edit(net, [{ op: "set", section: "wan", option: "peerdns", value: "0" }]);
    expect(out).toContain("\toption proto 'dhcp'\n\toption peerdns '0'\n\nconfig interface 'wan6'");
    expect(lineDiff(net, out)).toEqual({ removed: [], added: ["\toption peerdns '0'"] });
    const odd = "config t\n    option a 'x'\n";
    expect(edit(odd, [{ op: "set", section: "cfg01b619", option: "b", value: "y" }])).toBe(
      "config t\n    option a 'x'\n    option b 'y'\n",
    );
  });

  test("a new option in a section without options follows the header", () => {
    expect(
      edit("config t\n\nconfig u\n", [{
        op: "set",
        section: "cfg01b619",
        option: "a",
        value: "it's",
      }]),
    )
      .toBe("config t\n\toption a 'it'\\''s'\n\nconfig u\n");
  });

  test("lists grow, shrink and change in place", () => {
    const net = fixture("network_default");
    const grow = edit(net, [{
      op: "set",
      section: "cfg030f15",
      option: "ports",
      value: ["lan1", "lan2", "lan3", "lan4", "lan5"],
    }]);
    expect(lineDiff(net, grow)).toEqual({ removed: [], added: ["\tlist ports 'lan5'"] });
    const shrink = edit(net, [{
      op: "set",
      section: "cfg030f15",
      option: "ports",
      value: ["lan1", "lan3"],
    }]);
    expect(shrink).toContain("\tlist ports 'lan1'\n\tlist ports 'lan3'\n\nconfig interface 'lan'");
    expect(sections(parseUci(shrink))[2]!.options.ports).toEqual(["lan1", "lan3"]);
  });

  test("option becomes list and list becomes option", () => {
    const text = "config t 'x'\n\toption a '1'\n\tlist b '2'\n\tlist b '3'\n";
    expect(edit(text, [{ op: "set", section: "x", option: "a", value: ["1", "9"] }]))
      .toBe("config t 'x'\n\tlist a '1'\n\tlist a '9'\n\tlist b '2'\n\tlist b '3'\n");
    expect(edit(text, [{ op: "set", section: "x", option: "b", value: "4" }]))
      .toBe("config t 'x'\n\toption a '1'\n\toption b '4'\n");
  });

  test("an empty value deletes, as `uci set` does", () => {
    const text = "config t 'x'\n\toption a '1'\n\toption b '2'\n";
    expect(edit(text, [{ op: "set", section: "x", option: "a", value: "" }])).toBe(
      "config t 'x'\n\toption b '2'\n",
    );
    expect(edit(text, [{ op: "set", section: "x", option: "b", value: [] }])).toBe(
      "config t 'x'\n\toption a '1'\n",
    );
  });

  test("a trailing comment on the line is kept", () => {
    const dhcp = fixture("dhcp_default");
    const out = edit(dhcp, [{
      op: "set",
      section: "cfg01411c",
      option: "filterwin2k",
      value: "1",
    }]);
    expect(lineDiff(dhcp, out).added).toEqual([
      "\toption filterwin2k\t'1'  # enable for dial on demand",
    ]);
  });

  test("a file without final newline gets one only where a line is added after", () => {
    const text = "config t 'x'\n\toption a '1'";
    expect(edit(text, [{ op: "set", section: "x", option: "a", value: "2" }])).toBe(
      "config t 'x'\n\toption a '2'",
    );
    expect(edit(text, [{ op: "set", section: "x", option: "b", value: "2" }]))
      .toBe("config t 'x'\n\toption a '1'\n\toption b '2'\n");
  });

  test("CRLF files get CRLF lines", () => {
    const out = edit(fixture("crlf"), [{
      op: "set",
      section: "main",
      option: "web_port",
      value: "81",
    }]);
    expect(out).toBe(
      "\r\nconfig punch 'main'\r\n\toption interface 'wg1'\r\n\tlist stun_server 'stun.example.org:3478'\r\n\toption web_port '81'\r\n\r\n",
    );
  });

  test("a line with several statements is split when one of them changes", () => {
    const text = "config t 'x'\n\toption a '1'; option b '2'  # both\n\toption c '3'\n";
    expect(edit(text, [{ op: "set", section: "x", option: "c", value: "4" }]))
      .toBe("config t 'x'\n\toption a '1'; option b '2'  # both\n\toption c '4'\n");
    expect(edit(text, [{ op: "set", section: "x", option: "b", value: "5" }]))
      .toBe("config t 'x'\n\toption a '1'\n\toption b '5'\n\toption c '3'\n");
  });
});

describe("delete, add, rename", () => {
  test("deleting a section takes its comments and the blank line above", () => {
    const fw = fixture("firewall_default");
    const out = edit(fw, [{ op: "delete", section: "cfg0592bd" }]);
    expect(out).not.toContain("Allow-DHCP-Renew");
    expect(out).not.toContain("ticket/4108");
    expect(out).toContain("\toption dest\t\twan\n\n# Allow IPv4 ping\nconfig rule\n");
    expect(sections(parseUci(out)).length).toBe(sections(parseUci(fw)).length - 1);
  });

  test("deleting the last section of a commit-style file keeps its shape", () => {
    const net = fixture("network_default");
    const out = edit(net, [{ op: "delete", section: "wan6" }]);
    expect(out).toBe(net.slice(0, net.indexOf("\nconfig interface 'wan6'")) + "\n");
  });

  test("deleting a missing option does nothing; a missing section is an error", () => {
    const net = fixture("network_default");
    expect(edit(net, [{ op: "delete", section: "lan", option: "nope" }])).toBe(net);
    expect(() => edit(net, [{ op: "delete", section: "nope" }])).toThrow(UsageError);
    expect(() => edit(net, [{ op: "delete", section: "nope" }])).toThrow(/no section "nope"/);
  });

  test("adding goes after the last section, before trailing comments", () => {
    const fw = fixture("firewall_default");
    const out = edit(fw, [{
      op: "add",
      type: "include",
      name: "punch",
      values: { path: "/usr/share/punch/fw.nft", type: "script" },
    }]);
    const added =
      "\nconfig include 'punch'\n\toption path '/usr/share/punch/fw.nft'\n\toption type 'script'\n";
    const at = fw.indexOf("\n### EXAMPLE CONFIG SECTIONS");
    expect(out).toBe(fw.slice(0, at) + added + fw.slice(at));
    expect(out.indexOf("config include 'punch'")).toBeLessThan(
      out.indexOf("### EXAMPLE CONFIG SECTIONS"),
    );
  });

  test("adding a named section that exists is an error", () => {
    expect(() =>
      edit(fixture("network_default"), [{ op: "add", type: "interface", name: "lan", values: {} }])
    )
      .toThrow(/section exists/);
  });

  test("rename a section (anonymous or named) and an option", () => {
    const net = fixture("network_default");
    const out = edit(net, [
      { op: "rename", section: "cfg030f15", name: "brlan" },
      { op: "rename", section: "wan6", name: "wan_6" },
      { op: "rename", section: "lan", option: "ip6assign", name: "ip6hint" },
    ]);
    expect(lineDiff(net, out).added).toEqual([
      "config device 'brlan'",
      "\toption name 'br-lan'",
      "\toption type 'bridge'",
      "\tlist ports 'lan1'",
      "\tlist ports 'lan2'",
      "\tlist ports 'lan3'",
      "\tlist ports 'lan4'",
      "",
      "config interface 'lan'",
      "\toption device 'br-lan'",
      "\toption proto 'static'",
      "\toption ipaddr '192.168.1.1'",
      "\toption netmask '255.255.255.0'",
      "\toption ip6hint '60'",
      "",
      "config interface 'wan'",
      "\toption device 'wan'",
      "\toption proto 'dhcp'",
      "",
      "config interface 'wan_6'",
    ]);
    expect(() => edit(net, [{ op: "rename", section: "lan", name: "wan" }])).toThrow(/exists/);
    expect(() => edit(net, [{ op: "rename", section: "lan", option: "proto", name: "device" }]))
      .toThrow(/already has/);
  });

  test("bad names are refused with what to use instead", () => {
    const net = fixture("network_default");
    expect(() => edit(net, [{ op: "set", section: "lan", option: "bad-name", value: "x" }]))
      .toThrow(/letters, digits and _/);
    expect(() => edit(net, [{ op: "add", type: "bad type", values: {} }])).toThrow(UsageError);
    expect(() => edit(net, [{ op: "add", type: "t", name: "a.b", values: {} }])).toThrow(
      UsageError,
    );
  });

  test("the input document is not modified, and a failing list applies nothing", () => {
    const doc = parseUci(fixture("network_default"));
    const before = writeUci(doc);
    expect(() =>
      applyChanges(doc, [{ op: "set", section: "lan", option: "a", value: "1" }, {
        op: "delete",
        section: "nope",
      }])
    ).toThrow();
    applyChanges(doc, [{ op: "delete", section: "lan" }]);
    expect(writeUci(doc)).toBe(before);
  });
});

describe("property: random edits", () => {
  /** mulberry32, so failures replay. */
  function rng(seed: number) {
    let s = seed;
    return (n: number) => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
  }
  const values = [
    "x",
    "two words",
    "it's",
    'q"uote',
    "back\\slash",
    "#hash",
    "semi;colon",
    "multi\nline",
    "ü",
  ];
  const keys = ["a", "b", "proto", "list_x", "_k9"];

  function randomChange(
    r: (n: number) => number,
    names: string[],
    counter: { n: number },
  ): UciChange {
    const section = names[r(names.length)] ?? "none";
    const key = keys[r(keys.length)]!;
    const value = () => values[r(values.length)]!;
    switch (names.length === 0 ? 4 : r(6)) {
      case 0:
        return { op: "set", section, option: key, value: value() };
      case 1:
        return { op: "set", section, option: key, value: Array.from({ length: r(4) }, value) };
      case 2:
        return { op: "delete", section, option: key };
      case 3:
        return { op: "delete", section };
      case 4:
        return r(2) === 0
          ? { op: "add", type: `t${r(3)}`, values: { [key]: value(), l: [value(), value()] } }
          : { op: "add", type: `t${r(3)}`, name: `n${counter.n++}`, values: { [key]: value() } };
      default:
        return { op: "rename", section, name: `r${counter.n++}` };
    }
  }

  /** The same change on a plain list of sections: the reference the document must match. */
  function applyToModel(model: UciSection[], c: UciChange, counter: number): UciSection[] {
    const out = model.map((s) => ({ ...s, options: { ...s.options } }));
    const sec = out.find((s) => "section" in c && s.name === c.section);
    switch (c.op) {
      case "set":
        if (c.value === "" || c.value.length === 0) delete sec!.options[c.option];
        else sec!.options[c.option] = c.value;
        return out;
      case "delete":
        if (c.option === undefined) return out.filter((s) => s !== sec);
        delete sec!.options[c.option];
        return out;
      case "add": {
        const options = Object.fromEntries(
          Object.entries(c.values ?? {}).filter(([, v]) => v !== "" && v.length > 0),
        );
        const name = c.name ?? anonymousName(counter, c.type);
        return [...out, { type: c.type, name, anonymous: c.name === undefined, options }];
      }
      case "rename":
        sec!.name = c.name;
        sec!.anonymous = false;
        return out;
    }
  }

  /** Anonymous names depend on position, so compare them as `@type[i]`. */
  function normalized(text: string) {
    const seen = new Map<string, number>();
    return sections(parseUci(text)).map((s) => {
      const i = seen.get(s.type) ?? 0;
      seen.set(s.type, i + 1);
      return { ...s, name: s.anonymous ? `@${s.type}[${i}]` : s.name };
    });
  }

  test("parse(write(doc)) has the same sections as doc, and untouched text survives", () => {
    const bases = [
      "network_default",
      "firewall_default",
      "dhcp_default",
      "odd_quoting",
      "crlf",
      "system_default",
    ];
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const base = fixture(bases[r(bases.length)]!);
      let doc = parseUci(base);
      let model = sections(doc);
      const counter = { n: 0 };
      const steps = 1 + r(10);
      for (let i = 0; i < steps; i++) {
        const change = randomChange(r, sections(doc).map((s) => s.name), counter);
        model = applyToModel(model, change, doc.nSection + 1);
        doc = applyChanges(doc, [change]);
        expect(sections(doc), `seed ${seed} step ${i} model`).toEqual(model);
        const text = writeUci(doc);
        const reparsed = parseUci(text);
        expect(writeUci(reparsed), `seed ${seed} step ${i}`).toBe(text);
        const want = sections(doc).map((s) => ({ ...s, name: s.anonymous ? "" : s.name }));
        const got = sections(reparsed).map((s) => ({ ...s, name: s.anonymous ? "" : s.name }));
        expect(got, `seed ${seed} step ${i} ${JSON.stringify(change)}`).toEqual(want);
      }
      // the comments of the base file that belong to untouched sections are still there
      expect(normalized(writeUci(doc)).length).toBe(sections(doc).length);
    }
  });
});
