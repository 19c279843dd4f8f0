import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp } from "./lab.ts";

/** `punchctl invites` and `invite revoke`: a withdrawn token no longer pairs. */
let lab: Lab;

beforeAll(async () => {
  lab = await labUp({ name: "ir", routers: [{ id: "a", hosts: 0 }, { id: "b", hosts: 0 }] });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe("invite list and revoke", () => {
  test("an invite is listed, revoked, and then refused with a clear message", async () => {
    const inv = JSON.parse((await lab.punchctl("a", ["invite", "--json"])).stdout) as {
      token: string;
      id: string;
    };
    const listed = JSON.parse((await lab.punchctl("a", ["invites", "--json"])).stdout) as {
      id: string;
      state: string;
    }[];
    expect(listed).toMatchObject([{ id: inv.id, state: "outstanding" }]);
    expect((await lab.punchctl("a", ["invite", "revoke", inv.id])).code).toBe(0);
    expect((await lab.punchctl("a", ["invites"])).stdout).toMatch(/revoked/);
    const join = await lab.punchctl("b", ["join", inv.token]);
    expect(join.code).not.toBe(0);
    expect(join.stderr).toMatch(/revoked/);
    const again = await lab.punchctl("a", ["invite", "revoke", inv.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no outstanding invite/);
  });
});
