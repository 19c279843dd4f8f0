// The rpcd part of the double (session + uci) through the real client, including
// apply/confirm/rollback timing (50 ms per protocol second).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { UbusClient, UbusError } from "../../src/ubus/mod.ts";
import { cryptHash } from "../../src/lib/crypt.ts";
import { type Lab, NETWORK, startLab, waitFor } from "./helpers.ts";

let lab: Lab;
let ubus: UbusClient;

beforeEach(async () => {
  lab = await startLab();
  ubus = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
});

afterEach(async () => {
  ubus.close();
  await lab.cleanup();
});

async function status(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof UbusError) return e.status;
    throw e;
  }
}

async function login(username = "root", password = "x", timeout?: number): Promise<string> {
  const r = await ubus.call("session", "login", {
    username,
    password,
    ...(timeout ? { timeout } : {}),
  });
  return r.ubus_rpc_session as string;
}

const networkFile = () => Deno.readTextFileSync(`${lab.configDir}/network`);

describe("session", () => {
  test("login returns the session dump; ACLs follow acl.d groups; access answers", async () => {
    const r = await ubus.call("session", "login", { username: "viewer", password: "secret" });
    expect(r.ubus_rpc_session).toMatch(/^[0-9a-f]{32}$/);
    expect(r.timeout).toBe(300);
    expect(r.data).toEqual({ username: "viewer" });
    expect(r.acls).toEqual({
      "access-group": { "net-read": ["read"] },
      ubus: { "network.interface.*": ["status"] },
      uci: { network: ["read"] },
    });
    const sid = r.ubus_rpc_session as string;
    expect(
      await ubus.call("session", "access", {
        ubus_rpc_session: sid,
        object: "network.interface.wan",
        function: "status",
      }),
    ).toEqual({ access: true });
    expect(
      await ubus.call("session", "access", {
        ubus_rpc_session: sid,
        scope: "uci",
        object: "network",
        function: "write",
      }),
    ).toEqual({ access: false });
  });

  test("create + grant gives a root daemon a session for apply; set/get/unset/destroy", async () => {
    const s = await ubus.call("session", "create", { timeout: 600 });
    const sid = s.ubus_rpc_session as string;
    expect(s.acls).toEqual({});
    await ubus.call("session", "grant", {
      ubus_rpc_session: sid,
      scope: "uci",
      objects: [["network", "write"], ["network", "read"]],
    });
    expect(
      (await ubus.call("session", "access", {
        ubus_rpc_session: sid,
        scope: "uci",
        object: "network",
        function: "write",
      })).access,
    ).toBe(true);
    await ubus.call("session", "set", { ubus_rpc_session: sid, values: { token: "abc", n: 5 } });
    expect(await ubus.call("session", "get", { ubus_rpc_session: sid, keys: ["token"] })).toEqual({
      values: { token: "abc" },
    });
    await ubus.call("session", "unset", { ubus_rpc_session: sid, keys: ["token"] });
    expect(await ubus.call("session", "get", { ubus_rpc_session: sid })).toEqual({
      values: { n: 5 },
    });
    await ubus.call("session", "destroy", { ubus_rpc_session: sid });
    expect(await status(ubus.call("session", "get", { ubus_rpc_session: sid }))).toBe("NOT_FOUND");
    expect(await status(ubus.call("session", "grant", { ubus_rpc_session: sid }))).toBe(
      "NOT_FOUND",
    );
  });

  test("an expired session is rejected by session and by uci", async () => {
    const sid = await login("root", "", 2);
    expect(
      (await ubus.call("uci", "get", {
        config: "network",
        section: "wan",
        option: "proto",
        ubus_rpc_session: sid,
      })).value,
    ).toBe("dhcp");
    // every use refreshes the expiry (rpc_session_get → rpc_touch_session), so stay idle
    await new Promise((r) => setTimeout(r, 300)); // past 2 × 50 ms
    expect(await status(ubus.call("uci", "get", { config: "network", ubus_rpc_session: sid })))
      .toBe("PERMISSION_DENIED");
    expect(await status(ubus.call("session", "list", { ubus_rpc_session: sid }))).toBe("NOT_FOUND");
  });
});

describe("uci", () => {
  test("get: whole config, section, option, type filter, extended names", async () => {
    const all = await ubus.call("uci", "get", { config: "network" });
    const values = all.values as Record<string, Record<string, unknown>>;
    expect(Object.keys(values)).toEqual(["loopback", "wan", "wg0"]);
    expect(values.wg0).toEqual({
      ".anonymous": false,
      ".type": "interface",
      ".name": "wg0",
      ".index": 2,
      proto: "wireguard",
      listen_port: "51820",
      addresses: ["10.7.0.1/24"],
    });
    expect(
      await ubus.call("uci", "get", {
        config: "network",
        section: "@interface[-1]",
        option: "proto",
      }),
    ).toEqual({ value: "wireguard" });
    expect(
      Object.keys(
        (await ubus.call("uci", "get", {
          config: "network",
          type: "interface",
          match: { proto: "dhcp" },
        })).values as object,
      ),
    ).toEqual(["wan"]);
    expect(await status(ubus.call("uci", "get", { config: "nope" }))).toBe("NOT_FOUND");
    // rpcd answers a missing section or option with OK and no data (incomplete lookup)
    expect(await ubus.callAll("uci", "get", { config: "network", section: "nope" })).toEqual([]);
    expect(await ubus.call("uci", "get", { config: "network", section: "wan", option: "nope" }))
      .toEqual({});
    // uci_file_load: a name starting with "." (not "./") is NOT_FOUND, not INVALID_ARGUMENT
    expect(await status(ubus.call("uci", "get", { config: "../etc" }))).toBe("NOT_FOUND");
    expect(await status(ubus.call("uci", "get", { config: "a b" }))).toBe("INVALID_ARGUMENT");
    // logins live in /etc/config/rpcd
    expect((await ubus.call("uci", "configs")).configs).toEqual(["network", "punch", "rpcd"]);
  });

  test("set/add/delete are per-session deltas until commit, which writes the file", async () => {
    const a = await login();
    const b = await login();
    await ubus.call("uci", "set", {
      config: "network",
      section: "wg0",
      values: { listen_port: 51821, addresses: ["10.7.0.1/24", "fd00::1/64"] },
      ubus_rpc_session: a,
    });
    const added = await ubus.call("uci", "add", {
      config: "network",
      type: "wireguard_wg0",
      values: { public_key: "K=", allowed_ips: ["10.7.0.2/32"] },
      ubus_rpc_session: a,
    });
    expect(added.section).toMatch(/^cfg[0-9a-f]{6}$/);
    await ubus.call("uci", "delete", {
      config: "network",
      section: "loopback",
      option: "netmask",
      ubus_rpc_session: a,
    });
    await ubus.call("uci", "set", {
      config: "network",
      section: "loopback",
      values: { ipaddr: "", nothere: "" },
      ubus_rpc_session: a,
    });
    expect(
      (await ubus.call("uci", "get", {
        config: "network",
        section: "wg0",
        option: "listen_port",
        ubus_rpc_session: a,
      })).value,
    ).toBe("51821");
    expect(
      (await ubus.call("uci", "get", {
        config: "network",
        section: "wg0",
        option: "listen_port",
        ubus_rpc_session: b,
      })).value,
    ).toBe("51820");
    const ch = await ubus.call("uci", "changes", { config: "network", ubus_rpc_session: a });
    expect(ch.changes).toEqual([
      ["set", "wg0", "listen_port", "51821"],
      ["remove", "wg0", "addresses"],
      ["list-add", "wg0", "addresses", "10.7.0.1/24"],
      ["list-add", "wg0", "addresses", "fd00::1/64"],
      ["add", added.section, "wireguard_wg0"],
      ["set", added.section, "public_key", "K="],
      ["list-add", added.section, "allowed_ips", "10.7.0.2/32"],
      ["remove", "loopback", "netmask"],
      ["remove", "loopback", "ipaddr"],
    ]);
    expect(networkFile()).toBe(NETWORK);
    await ubus.call("uci", "commit", { config: "network", ubus_rpc_session: a });
    const text = networkFile();
    expect(text).toContain("option listen_port '51821'");
    expect(text).toContain("config wireguard_wg0");
    expect(text).not.toContain("netmask");
    expect(text).not.toContain("127.0.0.1");
    // libuci's export: a blank line before every section, one more newline at the end
    expect(text.startsWith("\nconfig interface 'loopback'\n\toption device 'lo'\n")).toBe(true);
    expect(text).toMatch(/\nconfig wireguard_wg0\n\toption public_key 'K='\n/);
    expect(text.endsWith("'\n\n")).toBe(true);
    expect(lab.double.configChanges).toEqual(["network"]);
    expect((await ubus.call("uci", "changes", { ubus_rpc_session: a })).changes).toEqual({});
  });

  test("rename renames sections and options; a missing one is a silent no-op as in rpcd", async () => {
    const s = { ubus_rpc_session: await login() };
    await ubus.call("uci", "rename", { config: "network", section: "wg0", name: "wg1", ...s });
    await ubus.call("uci", "rename", {
      config: "network",
      section: "wan",
      option: "proto",
      name: "protocol",
      ...s,
    });
    await ubus.call("uci", "rename", { config: "network", section: "nope", name: "x", ...s });
    expect(
      await status(
        ubus.call("uci", "rename", { config: "network", section: "wan", name: "bad-name", ...s }),
      ),
    ).toBe("INVALID_ARGUMENT");
    const v = (await ubus.call("uci", "get", { config: "network", ...s })).values as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(v)).toEqual(["loopback", "wan", "wg1"]);
    expect(v.wan!.protocol).toBe("dhcp");
    expect((await ubus.call("uci", "changes", { config: "network", ...s })).changes).toEqual([
      ["rename", "wg0", "wg1"],
      ["rename", "wan", "proto", "protocol"],
    ]);
  });

  test("rejects what rpcd rejects", async () => {
    const sid = await login();
    const s = { ubus_rpc_session: sid };
    expect(await status(ubus.call("uci", "set", { config: "network", section: "wg0", ...s }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await status(ubus.call("uci", "set", { config: "network", values: { a: "1" }, ...s })))
      .toBe("INVALID_ARGUMENT");
    expect(
      await status(
        ubus.call("uci", "set", { config: "network", section: "nope", values: { a: "1" }, ...s }),
      ),
    ).toBe("NOT_FOUND");
    expect(
      await status(
        ubus.call("uci", "set", {
          config: "network",
          section: "wg0",
          values: { "bad-name": "1" },
          ...s,
        }),
      ),
    ).toBe("INVALID_ARGUMENT");
    expect(
      await status(
        ubus.call("uci", "set", { config: "network", section: "wg0", values: { mtu: 1.5 }, ...s }),
      ),
    ).toBe("INVALID_ARGUMENT");
    expect(
      await status(
        ubus.call("uci", "set", { config: "network", section: "wg0", values: {}, ...s }),
      ),
    ).toBe("NOT_FOUND");
    expect(await status(ubus.call("uci", "add", { config: "network", type: "bad type", ...s })))
      .toBe("INVALID_ARGUMENT");
    expect(
      await status(
        ubus.call("uci", "delete", { config: "network", section: "wg0", option: "nope", ...s }),
      ),
    ).toBe("NOT_FOUND");
    expect(await status(ubus.call("uci", "apply", {}))).toBe("INVALID_ARGUMENT");
    expect(await status(ubus.call("uci", "apply", { ...s }))).toBe("NO_DATA");
    expect(await status(ubus.call("uci", "confirm", { ...s }))).toBe("NO_DATA");
    expect((await ubus.call("uci", "changes", { ...s })).changes).toEqual({});
  });

  test("a read-only session may read network, not write it, and not read punch", async () => {
    const sid = await login("viewer", "secret");
    const s = { ubus_rpc_session: sid };
    expect(
      (await ubus.call("uci", "get", { config: "network", section: "wan", option: "proto", ...s }))
        .value,
    ).toBe("dhcp");
    expect(await status(ubus.call("uci", "get", { config: "punch", ...s }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(
      await status(
        ubus.call("uci", "set", {
          config: "network",
          section: "wan",
          values: { proto: "static" },
          ...s,
        }),
      ),
    ).toBe("PERMISSION_DENIED");
    expect(await status(ubus.call("uci", "commit", { config: "network", ...s }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(
      await status(
        ubus.call("uci", "get", {
          config: "network",
          ubus_rpc_session: "0123456789abcdef0123456789abcdef",
        }),
      ),
    ).toBe("PERMISSION_DENIED");
  });
});

describe("uci apply with rollback", () => {
  test("apply + confirm keeps the change; commit/revert are refused while pending", async () => {
    const sid = await login();
    const s = { ubus_rpc_session: sid };
    await ubus.call("uci", "set", {
      config: "network",
      section: "wg0",
      values: { listen_port: "51999" },
      ...s,
    });
    await ubus.call("uci", "apply", { rollback: true, timeout: 4, ...s });
    expect(networkFile()).toContain("51999");
    expect(lab.double.uci.pendingApply).toBe(sid);
    expect(await status(ubus.call("uci", "commit", { config: "network", ...s }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await status(ubus.call("uci", "revert", { config: "network", ...s }))).toBe(
      "PERMISSION_DENIED",
    );
    expect(await status(ubus.call("uci", "apply", { rollback: true, ...s }))).toBe(
      "PERMISSION_DENIED",
    );
    // rpcd reclaims: a login by the apply's user gets the pending session back
    expect(await login()).toBe(sid);
    const other = (await ubus.call("session", "create", {})).ubus_rpc_session as string;
    expect(await status(ubus.call("uci", "confirm", { ubus_rpc_session: other }))).toBe(
      "PERMISSION_DENIED",
    );
    await ubus.call("uci", "confirm", { ...s });
    expect(lab.double.uci.pendingApply).toBe(null);
    await new Promise((r) => setTimeout(r, 300)); // past the 4 × 50 ms rollback deadline
    expect(networkFile()).toContain("51999");
    expect((await ubus.call("uci", "changes", { config: "network", ...s })).changes).toEqual([]);
  });

  test("apply without confirm rolls back by itself after the timeout, deltas restored", async () => {
    const sid = await login();
    const s = { ubus_rpc_session: sid };
    await ubus.call("uci", "set", {
      config: "network",
      section: "wan",
      values: { proto: "static" },
      ...s,
    });
    await ubus.call("uci", "apply", { rollback: true, timeout: 2, ...s });
    expect(networkFile()).toContain("option proto 'static'");
    await waitFor(() => (networkFile() === NETWORK ? true : undefined));
    expect(lab.double.uci.pendingApply).toBe(null);
    expect(lab.double.configChanges).toEqual(["network", "network"]);
    expect((await ubus.call("uci", "changes", { config: "network", ...s })).changes).toEqual([[
      "set",
      "wan",
      "proto",
      "static",
    ]]);
    expect(await status(ubus.call("uci", "confirm", { ...s }))).toBe("NO_DATA");
  });

  test("rollback restores at once; apply without rollback just commits", async () => {
    const sid = await login();
    const s = { ubus_rpc_session: sid };
    await ubus.call("uci", "set", {
      config: "network",
      section: "wan",
      values: { proto: "pppoe" },
      ...s,
    });
    await ubus.call("uci", "apply", { rollback: true, timeout: 100, ...s });
    expect(networkFile()).toContain("pppoe");
    await ubus.call("uci", "rollback", { ...s });
    expect(networkFile()).toBe(NETWORK);
    await ubus.call("uci", "apply", { ...s });
    expect(networkFile()).toContain("pppoe");
    expect(lab.double.uci.pendingApply).toBe(null);
  });
});

describe("behaviour observed on real rpcd 4476687 / uci 66127cd (openwrt.md §3)", () => {
  test("logins come from <configDir>/rpcd; an empty or missing password refuses, $p$ uses shadow", async () => {
    await lab.cleanup();
    lab = await startLab({
      users: [
        { username: "empty", password: "", write: ["*"] }, // libuci drops option password ''
        { username: "nopw", write: ["*"] },
        { username: "root", password: "$p$root", write: ["*"] },
        { username: "plain", password: "pw", read: ["net-read"] },
        { username: "hashed", password: cryptHash("pw3", "$1$abcdefgh$")!, read: ["*"] },
      ],
      shadow: { root: "rootpw" },
    });
    ubus.close();
    ubus = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
    const rpcd = Deno.readTextFileSync(`${lab.configDir}/rpcd`);
    expect(rpcd).toContain("\nconfig login\n\toption username 'empty'\n\toption password ''\n");
    const tryLogin = (username: string, password: string) =>
      status(ubus.call("session", "login", { username, password }));
    expect(await tryLogin("empty", "")).toBe("PERMISSION_DENIED");
    expect(await tryLogin("empty", "x")).toBe("PERMISSION_DENIED");
    expect(await tryLogin("nopw", "x")).toBe("PERMISSION_DENIED");
    expect(await tryLogin("root", "x")).toBe("PERMISSION_DENIED");
    expect(await tryLogin("root", "rootpw")).toBe("OK");
    expect(await tryLogin("plain", "pw")).toBe("OK");
    expect(await tryLogin("hashed", "pw3")).toBe("OK");
    expect(await tryLogin("hashed", "pw")).toBe("PERMISSION_DENIED");
    // the file is read on every login, as rpcd does
    Deno.writeTextFileSync(
      `${lab.configDir}/rpcd`,
      "\nconfig login\n\toption username 'late'\n\toption password 'pw2'\n\tlist read '*'\n",
    );
    expect(await tryLogin("late", "pw2")).toBe("OK");
    expect(await tryLogin("plain", "pw")).toBe("PERMISSION_DENIED");
  });

  test("libuci drops option '' on load", async () => {
    Deno.writeTextFileSync(
      `${lab.configDir}/network`,
      `${NETWORK}\toption mtu ''\n\tlist dns ''\n`,
    );
    const wg0 = (await ubus.call("uci", "get", { config: "network", section: "wg0" }))
      .values as Record<string, unknown>;
    expect("mtu" in wg0).toBe(false);
    expect(wg0.dns).toEqual([""]);
  });

  test("config.change reaches procd's service object; without one rpcd sends nothing", async () => {
    const commitWan = async (mtu: string) => {
      const sid = await login();
      await ubus.call("uci", "set", {
        config: "network",
        section: "wan",
        values: { mtu },
        ubus_rpc_session: sid,
      });
      await ubus.call("uci", "commit", { config: "network", ubus_rpc_session: sid });
    };
    await commitWan("1400");
    expect(lab.double.configChanges).toEqual(["network"]);
    ubus.close();
    await lab.cleanup();
    lab = await startLab({ procd: false });
    ubus = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
    expect(await status(ubus.lookup("service"))).toBe("NOT_FOUND");
    await commitWan("1300");
    expect(networkFile()).toContain("option mtu '1300'");
    expect(lab.double.configChanges).toEqual([]);
  });

  test("rpcd's rc object: list, init with rpcd's name checks", async () => {
    expect(await ubus.call("rc", "list")).toEqual({});
    expect(await status(ubus.call("rc", "init", { name: "../x", action: "start" }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await status(ubus.call("rc", "init", { name: "punch" }))).toBe("INVALID_ARGUMENT");
    expect(await status(ubus.call("rc", "init", { name: "punch", action: "start" }))).toBe(
      "NOT_FOUND",
    );
  });
});
