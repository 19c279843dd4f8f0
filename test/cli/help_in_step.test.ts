import { expect, test } from "vitest";
import { COMMANDS, PUNCHCTL_HELP } from "../../src/cli/main.ts";
import { PUNCHD_HELP } from "../../src/daemon/main.ts";

const README = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));

test("every punchctl command is in --help and in the README, with the same usage", () => {
  for (const c of COMMANDS) {
    expect(PUNCHCTL_HELP).toContain(c.usage);
    expect(README, `README lacks "punchctl ${c.usage}"`).toContain(`punchctl ${c.usage}`);
  }
});

test("punchd's usage line is in the README", () => {
  const usage = /^Usage: (punchd .*)$/m.exec(PUNCHD_HELP)![1]!;
  expect(README).toContain(usage);
});
