import { describe, expect, test } from "vitest";
import { flagBool, flagString, parseArgs } from "../../src/lib/args.ts";
import { UsageError } from "../../src/lib/errors.ts";

const spec = {
  name: { type: "string" },
  json: { type: "boolean" },
  tag: { type: "string", multiple: true },
} as const;

describe("argument parser", () => {
  test("values, booleans, = form, positionals and repeats", () => {
    const a = parseArgs(
      ["x", "--name", "n1", "--json", "--tag=a", "--tag", "b", "--", "--y"],
      spec,
    );
    expect(flagString(a, "name")).toBe("n1");
    expect(flagBool(a, "json")).toBe(true);
    expect(a.flags.tag).toEqual(["a", "b"]);
    expect(a.positionals).toEqual(["x", "--y"]);
  });
  test.each([
    [["--nope"], /Unknown option "--nope"/],
    [["--name"], /"--name" needs a value/],
    [["--json=1"], /takes no value/],
    [["--name", "a", "--name", "b"], /given twice/],
    [["-x"], /Unknown option "-x"/],
  ])("%j is refused", (argv, msg) => {
    expect(() => parseArgs(argv, spec)).toThrow(UsageError);
    expect(() => parseArgs(argv, spec)).toThrow(msg);
  });
});
