import { afterEach, beforeEach, expect, test } from "vitest";
import { removeTempLeftovers, writeFileAtomic } from "../../src/platform/atomic_file_deno.ts";
import { exec, removeExecLeftovers } from "../../src/platform/exec_deno.ts";

let dir = "";
beforeEach(async () => {
  dir = await Deno.makeTempDir({ prefix: "punch-leftovers-test-" });
});
afterEach(async () => {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
});

test("temporary files of an interrupted atomic write are removed at start, nothing else", async () => {
  await writeFileAtomic(`${dir}/state.json`, "{}\n", 0o600);
  await Deno.writeTextFile(`${dir}/state.json.punch-tmp-1a2b3c4d`, "half a secret");
  await Deno.writeTextFile(`${dir}/network`, "config interface 'lan'\n");
  expect(await removeTempLeftovers(dir)).toEqual(["state.json.punch-tmp-1a2b3c4d"]);
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  expect(names.sort()).toEqual(["network", "state.json"]);
  expect(await removeTempLeftovers(`${dir}/missing`)).toEqual([]);
});

test("exec directories of a process that no longer runs are removed; live ones stay", async () => {
  // pid_max is at most 2^22, so this pid never runs.
  await Deno.mkdir(`${dir}/punch-exec-4194999-abc123`);
  await Deno.writeTextFile(`${dir}/punch-exec-4194999-abc123/4194999-7.in`, "private key");
  await Deno.mkdir(`${dir}/punch-exec-1-xyz`); // pid 1 always runs
  await Deno.mkdir(`${dir}/unrelated-4194999-x`);
  expect(await removeExecLeftovers(dir)).toEqual([`${dir}/punch-exec-4194999-abc123`]);
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  expect(names.sort()).toEqual(["punch-exec-1-xyz", "unrelated-4194999-x"]);
  expect((await exec(["true"])).code).toBe(0); // our own directory is made with our pid
});
