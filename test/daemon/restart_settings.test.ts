import { expect, test } from "vitest";
import { parseUci, sections } from "../../src/uci/mod.ts";
import {
  changedSince,
  restartOnlySettings,
  restartWarning,
} from "../../src/daemon/restart_settings.ts";

const punch = (extra: string) =>
  sections(parseUci(`config punch 'main'\n\toption web_port '8451'\n${extra}`));

test("options read only at start: a change after start is named until the restart", () => {
  const atStart = restartOnlySettings(punch(""));
  expect(changedSince(atStart, restartOnlySettings(punch("")))).toEqual([]);
  expect(restartWarning([])).toEqual([]);
  const now = restartOnlySettings(
    punch("\toption control_port '51900'\n\toption stun_server 'x'\n"),
  );
  expect(changedSince(atStart, now)).toEqual(["control_port"]);
  expect(restartWarning(["control_port"])[0]).toMatch(
    /"control_port" \(run \/etc\/init\.d\/punch restart\)/,
  );
});
