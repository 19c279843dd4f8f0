import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp } from "./lab.ts";
import { presetSpec } from "./presets.ts";

/** `punchctl netcheck` on every lab NAT variant gives the right verdict through punchd. */
let lab: Lab;

beforeAll(async () => {
  lab = await labUp(presetSpec("nat", "np"));
  await lab.startStun("stun");
  await Promise.all(["a", "b", "c", "d"].map((id) => lab.startPunchd(id)));
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe("punchctl netcheck per NAT variant", () => {
  test.each([
    ["a", "public", "endpoint-independent"],
    ["b", "double-nat", "endpoint-independent"],
    ["c", "hard-nat", "address-and-port-dependent"],
    ["d", "cgnat", "endpoint-independent"],
  ])("router %s: %s", async (id, verdict, mapping) => {
    const r = await lab.punchctl(id, ["netcheck", "--json"]);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ verdict, mapping });
    expect(report.publicV4.host).toBe(lab.publicAddress(id));
    const text = await lab.punchctl(id, ["netcheck", "--cached"]);
    expect(text.stdout).toMatch(/^Verdict:/m);
    const st = JSON.parse((await lab.punchctl(id, ["status", "--json"])).stdout);
    expect(st.netcheck.verdict).toBe(verdict);
  });
});
