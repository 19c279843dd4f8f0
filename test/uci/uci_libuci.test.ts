/**
 * Differential test against OpenWrt's own `uci` command, skipped unless UCI_BIN points at one
 * (e.g. on an OpenWrt machine: `UCI_BIN=/sbin/uci deno run -A npm:vitest run test/uci/uci_libuci.test.ts`).
 */
import { describe, expect, test } from "vitest";
import { applyChanges, parseUci, sections, type UciChange, writeUci } from "../../src/uci/mod.ts";
import { fixture, FIXTURES, show } from "./uci_helpers.ts";

const BIN = Deno.env.get("UCI_BIN");

/** `uci -X show` of a text, or null when libuci rejects it. */
function libuciShow(text: string): string | null {
  const dir = Deno.makeTempDirSync({ prefix: "punch-uci-" });
  try {
    Deno.writeTextFileSync(`${dir}/t`, text);
    const r = new Deno.Command(BIN!, {
      args: ["-c", dir, "-t", `${dir}/.s`, "-X", "show", "t"],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    return r.code === 0 ? new TextDecoder().decode(r.stdout) : null;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function ours(text: string): string | null {
  try {
    return show("t", text);
  } catch {
    return null;
  }
}

function rng(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

describe.skipIf(BIN === undefined)("agreement with libuci", () => {
  test("fixtures", () => {
    for (const name of FIXTURES) expect(ours(fixture(name)), name).toBe(libuciShow(fixture(name)));
  });

  test("random texts are accepted or rejected alike and read alike", () => {
    const lines = [
      "config t",
      "config t n",
      "\toption a 'v'",
      "\tlist l 'x'",
      "option b c",
      "",
      "# c",
      "config 'ty' 'nm'",
      "list l y; list l z",
      "option a 'q'; option b \"r\" ;list c s",
      "config t 'n'; option x 'y'",
      "option a x\\y;option b c",
      "config t n;",
      "option a '';",
      'o a "x\\\ny"',
      "l q '';l q ''",
    ];
    const atoms = [
      " ",
      "\t",
      "\n",
      "'",
      '"',
      "\\",
      "\\\n",
      ";",
      "#",
      "x",
      "a b",
      "'it'\\''s'",
      "''",
      "\r\n",
      "-",
      "é",
    ];
    const r = rng(42);
    for (let i = 0; i < 250; i++) {
      let t = r(4) ? "config t0\n" : "";
      for (let j = 0, n = 1 + r(6); j < n; j++) {
        let line = lines[r(lines.length)]!;
        if (r(3) === 0) {
          const p = r(line.length + 1);
          line = line.slice(0, p) + atoms[r(atoms.length)] + line.slice(p);
        }
        t += line + (r(8) ? "\n" : "");
      }
      expect(ours(t), JSON.stringify(t)).toBe(libuciShow(t));
    }
  });

  test("edited documents read the same in libuci", () => {
    const r = rng(7);
    let doc = parseUci(fixture("firewall_default"));
    for (let i = 0; i < 40; i++) {
      const names = sections(doc).map((s) => s.name);
      const section = names[r(names.length)]!;
      const pool: UciChange[] = [
        { op: "set", section, option: "k", value: "v'\"#;\\ x" },
        { op: "set", section, option: "name", value: ["a", "b c"] },
        { op: "delete", section, option: "name" },
        { op: "add", type: "rule", values: { name: `r${i}`, proto: ["tcp", "udp"] } },
        { op: "rename", section, name: `s${i}` },
      ];
      doc = applyChanges(doc, [pool[r(pool.length)]!]);
      const text = writeUci(doc);
      expect(ours(text)).toBe(libuciShow(text));
    }
  });
});
