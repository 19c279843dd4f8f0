// The web UI's login through rpcd against the double (which reclaims a pending apply's session
// on login, as rpcd@4476687:session.c rpc_reclaim_apply_session does).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { UbusClient } from "../../src/ubus/mod.ts";
import { RpcdAuth } from "../../src/platform/openwrt/rpcd_auth.ts";
import { type Lab, startLab } from "../ubus/helpers.ts";

let lab: Lab;
let ubus: UbusClient;

beforeEach(async () => {
  lab = await startLab({
    users: [
      { username: "admin", password: "pw", write: ["everything"] },
      { username: "other", password: "pw2", write: ["everything"] },
    ],
  });
  ubus = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
});

afterEach(async () => {
  ubus.close();
  await lab.cleanup();
});

const sessionIds = async () =>
  (await ubus.callAll("session", "list")).map((s) => s.ubus_rpc_session as string).sort();

/** A LuCI user: login, change network, apply with rollback, not confirmed yet. */
async function luciPendingApply(username: string, password: string): Promise<string> {
  const r = await ubus.call("session", "login", { username, password, timeout: 3600 });
  const sid = r.ubus_rpc_session as string;
  await ubus.call("uci", "set", {
    config: "network",
    section: "wan",
    values: { mtu: "1400" },
    ubus_rpc_session: sid,
  });
  await ubus.call("uci", "apply", { rollback: true, timeout: 100, ubus_rpc_session: sid });
  expect(lab.double.uci.pendingApply).toBe(sid);
  return sid;
}

describe("RpcdAuth", () => {
  test("checks the password and leaves no session behind", async () => {
    const auth = new RpcdAuth(ubus);
    const before = await sessionIds();
    expect(await auth.login("admin", "pw")).toBe(true);
    expect(await auth.login("admin", "wrong")).toBe(false);
    expect(await auth.login("nobody", "pw")).toBe(false);
    expect(await sessionIds()).toEqual(before);
  });

  test("the double reclaims: a login by the apply's user gets the pending session back", async () => {
    const sid = await luciPendingApply("admin", "pw");
    const again = await ubus.call("session", "login", { username: "admin", password: "pw" });
    expect(again.ubus_rpc_session).toBe(sid);
    expect(again.timeout).toBe(3600); // the reclaimed session keeps its own timeout
    const other = await ubus.call("session", "login", { username: "other", password: "pw2" });
    expect(other.ubus_rpc_session).not.toBe(sid);
  });

  test("a login while a LuCI apply is pending keeps the LuCI session, which can still confirm", async () => {
    const sid = await luciPendingApply("admin", "pw");
    const auth = new RpcdAuth(ubus);
    expect(await auth.login("admin", "pw")).toBe(true);
    expect(await auth.login("admin", "wrong")).toBe(false);
    expect(await auth.login("other", "pw2")).toBe(true);
    expect(await sessionIds()).toContain(sid);
    expect(await ubus.call("session", "list", { ubus_rpc_session: sid })).toMatchObject({
      ubus_rpc_session: sid,
    });
    await ubus.call("uci", "confirm", { ubus_rpc_session: sid });
    expect(lab.double.uci.pendingApply).toBe(null);
    const wan = await ubus.call("uci", "get", { config: "network", section: "wan" });
    expect((wan.values as Record<string, unknown>).mtu).toBe("1400");
  });
});
