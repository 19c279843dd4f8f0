import { expect, test } from "vitest";
import { childCount, killChildren, trackChild } from "../../src/lib/children.ts";

test("tracked children leave the set when they exit, and the rest are killed on the way out", async () => {
  const exited = Promise.withResolvers<void>();
  const killed: string[] = [];
  const done = { kill: () => killed.push("done"), status: exited.promise };
  const running = {
    kill: (s?: string) => killed.push(`running ${s}`),
    status: new Promise(() => {}),
  };
  trackChild(done);
  trackChild(running);
  expect(childCount()).toBe(2);
  exited.resolve();
  await exited.promise;
  await Promise.resolve();
  expect(childCount()).toBe(1);
  killChildren();
  expect(killed).toEqual(["running SIGKILL"]);
  expect(childCount()).toBe(0);
});
