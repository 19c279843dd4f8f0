import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { encodeMessage, MsgType, Status, UbusClient, UbusError } from "../../src/ubus/mod.ts";
import { DEFAULT_SESSION_ID } from "./double/mod.ts";
import { type Lab, startLab, waitFor } from "./helpers.ts";

let lab: Lab;
let ubus: UbusClient;

beforeEach(async () => {
  lab = await startLab();
  ubus = await UbusClient.connect(lab.socketPath, {
    timeoutMs: 2000,
    backoffMinMs: 20,
    backoffMaxMs: 100,
  });
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

describe("UbusClient against the double", () => {
  test("HELLO gives a client id; lookup finds objects with signatures", async () => {
    expect(ubus.clientId).toBeGreaterThan(1024);
    const [uci] = await ubus.lookup("uci");
    expect(uci!.path).toBe("uci");
    expect(uci!.signature.get).toEqual({
      config: 3,
      section: 3,
      option: 3,
      type: 3,
      match: 2,
      ubus_rpc_session: 3,
    });
    const ifaces = await ubus.lookup("network.interface.*");
    const names = ["lan", "loopback", "wan", "wg0"].map((n) => `network.interface.${n}`);
    expect(ifaces.map((o) => o.path)).toEqual(names);
    const all = await ubus.lookup();
    expect(all.map((o) => o.path)).toEqual([
      "network",
      "network.interface",
      ...names,
      "rc",
      "service",
      "session",
      "uci",
    ]);
    expect(await status(ubus.lookup("nope"))).toBe("NOT_FOUND");
  });

  test("call returns the reply table; netifd status has the reference's fields", async () => {
    const st = await ubus.call("network.interface.wan", "status");
    expect(st.up).toBe(true);
    expect(st["ipv4-address"]).toEqual([{ address: "192.0.2.10", mask: 24 }]);
    for (
      const k of [
        "pending",
        "available",
        "autostart",
        "dynamic",
        "uptime",
        "l3_device",
        "proto",
        "device",
        "updated",
        "metric",
        "dns_metric",
        "delegation",
        "ipv6-address",
        "ipv6-prefix",
        "ipv6-prefix-assignment",
        "route",
        "dns-server",
        "dns-search",
        "neighbors",
        "inactive",
        "data",
      ]
    ) {
      expect(st).toHaveProperty(k);
    }
    const dump = await ubus.call("network.interface", "dump");
    expect((dump.interface as unknown[]).length).toBe(4);
  });

  test("typed errors: unknown object, unknown method, bad arguments, bad password", async () => {
    const e = await ubus.call("network.interface.nope", "status").catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect(e.code).toBe(Status.NOT_FOUND);
    expect(e.status).toBe("NOT_FOUND");
    expect(await status(ubus.call("uci", "frobnicate"))).toBe("METHOD_NOT_FOUND");
    expect(await status(ubus.call("uci", "get", { config: 1 }))).toBe("INVALID_ARGUMENT");
    expect(await status(ubus.call("uci", "get", {}))).toBe("INVALID_ARGUMENT");
    expect(await status(ubus.call("session", "login", { username: "viewer", password: "wrong" })))
      .toBe("PERMISSION_DENIED");
    expect(await status(ubus.call("session", "destroy", { ubus_rpc_session: DEFAULT_SESSION_ID })))
      .toBe("PERMISSION_DENIED");
  });

  test("network.interface events arrive for ifdown and ifup", async () => {
    const seen: unknown[] = [];
    await ubus.subscribe("network.interface", (id, data) => seen.push({ id, ...data }));
    lab.double.setInterface("wan", { up: false });
    lab.double.setInterface("wan", { up: true });
    await waitFor(() => (seen.length >= 2 ? true : undefined));
    expect(seen).toEqual([
      { id: "network.interface", action: "ifdown", interface: "wan" },
      { id: "network.interface", action: "ifup", interface: "wan" },
    ]);
  });

  test("watch gets netifd's interface.update notifications with the status", async () => {
    const seen: { m: string; iface: unknown; addr: unknown }[] = [];
    await ubus.watch(
      "network.interface",
      (m, d) => seen.push({ m, iface: d.interface, addr: d["ipv4-address"] }),
    );
    lab.double.setInterface("wan", { ipv4: [{ address: "198.51.100.7", mask: 24 }] });
    await waitFor(() => (seen.length ? true : undefined));
    expect(seen[0]).toEqual({
      m: "interface.update",
      iface: "wan",
      addr: [{ address: "198.51.100.7", mask: 24 }],
    });
  });

  test("watch follows an object that disappears and comes back", async () => {
    const seen: string[] = [];
    await ubus.watch("network.interface.lan", (m) => seen.push(m));
    lab.double.netifd.remove("lan");
    await waitFor(() => (seen.includes("interface.down") ? true : undefined));
    lab.double.setInterface("lan", { up: true });
    await waitFor(() => {
      lab.double.setInterface("lan", { metric: seen.length });
      return seen.includes("interface.update") ? true : undefined;
    });
  });

  test("unsubscribe removes the listener object from ubusd", async () => {
    const seen: string[] = [];
    const sub = await ubus.subscribe("punch.x", (id) => seen.push(id));
    sub.unsubscribe();
    const other = await UbusClient.connect(lab.socketPath);
    try {
      // REMOVE_OBJECT went out before this round trip on the same socket finished
      await ubus.lookup("uci");
      await other.sendEvent("punch.x", {});
      await other.lookup("uci");
      await ubus.lookup("uci");
      expect(seen).toEqual([]);
      expect(lab.double.broker.eventLog.map((e) => e.id)).toContain("punch.x");
    } finally {
      other.close();
    }
  });

  test("wildcard patterns and events sent by another client", async () => {
    const seen: string[] = [];
    await ubus.subscribe("punch.*", (id) => seen.push(id));
    const other = await UbusClient.connect(lab.socketPath);
    try {
      await other.sendEvent("punch.test", { n: 1 });
      await other.sendEvent("other.test", {});
      expect(await status(other.sendEvent("ubus.object.add", {}))).toBe("PERMISSION_DENIED");
      await waitFor(() => (seen.length ? true : undefined));
      expect(seen).toEqual(["punch.test"]);
    } finally {
      other.close();
    }
  });

  test("ubusd announces objects with ubus.object.add / remove", async () => {
    const seen: unknown[] = [];
    await ubus.subscribe("ubus.object.*", (id, d) => seen.push([id, d.path]));
    lab.double.setInterface("wg9", { up: true });
    lab.double.netifd.remove("wg9");
    await waitFor(() => (seen.length >= 2 ? true : undefined));
    expect(seen).toEqual([
      ["ubus.object.add", "network.interface.wg9"],
      ["ubus.object.remove", "network.interface.wg9"],
    ]);
  });

  test("network reload brings up interfaces added in UCI and drops removed ones", async () => {
    const events: string[] = [];
    await ubus.subscribe("network.interface", (_e, d) => events.push(`${d.action} ${d.interface}`));
    await ubus.call("uci", "add", {
      config: "network",
      type: "interface",
      name: "wg1",
      values: { proto: "wireguard" },
    });
    await ubus.call("uci", "delete", { config: "network", section: "wg0" });
    await ubus.call("uci", "commit", { config: "network" });
    expect(await status(ubus.call("network.interface.wg1", "status"))).toBe("NOT_FOUND");
    await ubus.call("network", "reload");
    expect((await ubus.call("network.interface.wg1", "status")).proto).toBe("wireguard");
    expect(await status(ubus.call("network.interface.wg0", "status"))).toBe("NOT_FOUND");
    await waitFor(() => (events.length >= 2 ? true : undefined));
    expect(events.sort()).toEqual(["ifdown wg0", "ifup wg1"]);
    expect(lab.double.netifd.reloads).toBe(1);
  });

  test("a call to an object that never answers times out", async () => {
    const conn = await Deno.connect({ transport: "unix", path: lab.socketPath });
    try {
      await conn.write(
        encodeMessage({
          type: MsgType.ADD_OBJECT,
          seq: 1,
          peer: 0,
          attrs: { objpath: "test.silent", signature: { ping: {} } },
        }),
      );
      await waitFor(
        async () => ((await ubus.lookup("test.*").catch(() => [])).length ? true : undefined),
      );
      const e = await ubus.call("test.silent", "ping", {}, { timeoutMs: 150 }).catch((x) => x);
      expect(e).toBeInstanceOf(UbusError);
      expect(e.status).toBe("TIMEOUT");
    } finally {
      conn.close();
    }
  });

  test("reconnects after ubusd restarts and registers listeners again", async () => {
    const seen: string[] = [];
    await ubus.subscribe("network.interface", (_id, d) => seen.push(String(d.action)));
    const firstId = ubus.clientId;
    await lab.restart();
    await waitFor(() => (ubus.connected && ubus.clientId !== firstId ? true : undefined));
    const st = await ubus.call("network.interface.lan", "status");
    expect(st.up).toBe(true);
    // the listener is registered on the new ubusd once the client is back
    await waitFor(async () => {
      lab.double.setInterface("lan", { up: false });
      lab.double.setInterface("lan", { up: true });
      await new Promise((r) => setTimeout(r, 20));
      return seen.includes("ifdown") ? true : undefined;
    });
  });

  test("connecting to a missing socket fails with CONNECTION_FAILED", async () => {
    const e = await UbusClient.connect(`${lab.dir}/nope.sock`).catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect(e.status).toBe("CONNECTION_FAILED");
  });

  test("messages larger than one socket read round-trip", async () => {
    const s = await ubus.call("session", "create", {});
    const big = "x".repeat(300_000);
    await ubus.call("session", "set", {
      ubus_rpc_session: s.ubus_rpc_session as string,
      values: { big },
    });
    const got = await ubus.call("session", "get", {
      ubus_rpc_session: s.ubus_rpc_session as string,
      keys: ["big"],
    });
    expect((got.values as { big: string }).big.length).toBe(big.length);
  });

  test("a call made while ubusd is down waits for the reconnect", async () => {
    await lab.stop();
    await waitFor(() => (ubus.connected ? undefined : true));
    const p = ubus.call("uci", "configs", {}, { timeoutMs: 5000 });
    await lab.start();
    expect((await p).configs).toEqual(["network", "punch", "rpcd"]);
  });

  test("calls fail with CONNECTION_FAILED after close", async () => {
    ubus.close();
    expect(await status(ubus.call("uci", "configs"))).toBe("CONNECTION_FAILED");
  });
});
