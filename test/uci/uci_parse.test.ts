import { describe, expect, test } from "vitest";
import { ParseError } from "../../src/lib/errors.ts";
import { parseUci, sections, writeUci } from "../../src/uci/mod.ts";

const opts = (text: string) => sections(parseUci(text)).map((s) => s.options);

describe("UCI syntax as libuci reads it", () => {
  const cases: [string, string, Record<string, string | string[]>][] = [
    ["bare words", "config t\n\toption a value\n", { a: "value" }],
    ["single quotes keep backslashes", "config t\n\toption a 'x\\y'\n", { a: "x\\y" }],
    ["double quotes decode escapes", 'config t\n\toption a "say \\"hi\\" \\\\ \\n"\n', {
      a: 'say "hi" \\ n',
    }],
    ["the commit idiom for a quote", "config t\n\toption a 'it'\\''s'\n", { a: "it's" }],
    ["pieces join into one word", "config t\n\toption a x'y z'\"w\"\n", { a: "xy zw" }],
    ["escaped space in a bare word", "config t\n\toption a two\\ words\n", { a: "two words" }],
    ["a quoted value spans lines", "config t\n\toption a 'one\ntwo'\n", { a: "one\ntwo" }],
    ["a backslash joins lines", "config t\n\toption a one\\\ntwo\n", { a: "onetwo" }],
    ["# starts a comment anywhere in a bare word", "config t\n\toption a x#y z\n", { a: "x" }],
    ["# inside quotes is text", "config t\n\toption a 'x # y'\n", { a: "x # y" }],
    ["a trailing comment", "config t\n\toption a 'x'   # note\n", { a: "x" }],
    ["option '' is skipped", "config t\n\toption a 'x'\n\toption a ''\n", { a: "x" }],
    ["a missing value sets nothing", "config t\n\toption a\n", {}],
    ["the later option wins", "config t\n\toption a 1\n\toption a 2\n", { a: "2" }],
    ["list after option makes a list", "config t\n\toption a 1\n\tlist a 2\n", { a: ["1", "2"] }],
    ["option after list replaces it", "config t\n\tlist a 1\n\toption a 2\n", { a: "2" }],
    ["empty list items are kept", "config t\n\tlist a ''\n", { a: [""] }],
    ["one-letter keywords", "c t\n\to a 1\n\tl b 2\n", { a: "1", b: ["2"] }],
    ["statements after ;", "config t\n\toption a '1'; option b '2' ;list c '3'\n", {
      a: "1",
      b: "2",
      c: ["3"],
    }],
    // libuci quirk: it decodes in place, so a ; right after a bare word ends the line
    ["a bare word before ; ends the line", "config t\n\toption a 1; option b 2\n", { a: "1" }],
    ["an escaped bare word before ; does not", "config t\n\toption a x\\y; option b 2\n", {
      a: "xy",
      b: "2",
    }],
    ["CR before LF is blank", "config t\r\n\toption a 'x'\r\n", { a: "x" }],
    ["\\r inside quotes is kept", "config t\n\toption a 'x\r'\n", { a: "x\r" }],
  ];
  for (const [what, text, want] of cases) {
    test(what, () => {
      expect(opts(text)).toEqual([want]);
      expect(writeUci(parseUci(text))).toBe(text);
    });
  }

  test("a named section given twice is one section", () => {
    const s = sections(
      parseUci("config a 'x'\n\toption p 1\nconfig b\nconfig a 'x'\n\toption q 2\n"),
    );
    expect(s).toEqual([
      { type: "a", name: "x", anonymous: false, options: { p: "1", q: "2" } },
      { type: "b", name: "cfg02b607", anonymous: true, options: {} },
    ]);
  });

  test("anonymous names count every section and hash the type", () => {
    const s = sections(
      parseUci("config interface 'loopback'\nconfig globals 'globals'\nconfig device\n"),
    );
    expect(s.map((x) => x.name)).toEqual(["loopback", "globals", "cfg030f15"]);
  });

  test("the first package statement is recorded, later ones are ignored as uci_load does", () => {
    const doc = parseUci(
      "package network\n\nconfig interface 'lan'\npackage other\n\toption proto 'static'\n",
    );
    expect(doc.package).toBe("network");
    expect(sections(doc)[0]!.options).toEqual({ proto: "static" });
  });

  test("option names like __proto__ are plain keys", () => {
    const [s] = sections(parseUci("config t\n\toption __proto__ 'x'\n"));
    expect(Object.keys(s!.options)).toEqual(["__proto__"]);
    expect(s!.options["__proto__"]).toBe("x");
  });
});

describe("bad input throws ParseError with the line", () => {
  // libuci's `uci` command rejects each of these too
  const bad: [string, number, RegExp][] = [
    ["\toption proto 'static'\n", 1, /option "proto" appears before any config line/],
    [
      "config interface 'lan'\n\n\toption proto 'static\n\toption x y\n",
      3,
      /single quote opened here is never closed/,
    ],
    ['config t\n\toption a "x\n', 2, /double quote opened here is never closed/],
    ["config\n", 1, /"config" needs a section type/],
    ["config t\n\toption\n", 2, /"option" needs an option name/],
    ["config t\nlist\n", 2, /"list" needs an option name/],
    ["config t\n\toption a b c\n", 2, /too many arguments after "option" \(unexpected "c"\)/],
    ["config t n x\n", 1, /too many arguments after "config"/],
    ["config t\n\n\n\toption 'a b' c\n", 4, /invalid option name "a b"/],
    ["config t 'bad-name'\n", 1, /invalid section name "bad-name"/],
    ["config 'a b'\n", 1, /invalid section type "a b"/],
    ["# hi\nfrobnicate x\n", 2, /unknown statement "frobnicate"/],
    ["config t\n\toptions a b\n", 2, /unknown statement "options"/],
    // found by fuzzing: names of Object.prototype were taken for keywords (TypeError)
    ["valueOf", 1, /unknown statement "valueOf"/],
    ["config t\n__proto__ x\n", 2, /unknown statement "__proto__"/],
    ["config t\n\toption a 'b';\n", 2, /must not end with ";"/],
    ["config t 'n'\n\toption a 'b' ; \n", 2, /must not end with ";"/],
    ["config 't'; option a b\n", 1, /too many arguments after "config"/],
    ["package 'a.b'\n", 1, /invalid package name "a.b"/],
    ["config t\n\toption a 'x\ny\nz\n", 2, /never closed/],
    ["config a 'x'\nconfig b 'x'\n", 2, /section "x" was declared before with type "a"/],
  ];
  for (const [text, line, message] of bad) {
    test(`${JSON.stringify(text)} → line ${line}`, () => {
      let err: unknown;
      try {
        parseUci(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).line).toBe(line);
      expect((err as ParseError).message).toMatch(message);
      expect((err as ParseError).message).toMatch(new RegExp(`^Cannot parse UCI line ${line}: `));
    });
  }
});
