// The `punch` ubus object: the method table, error and reply mapping, peer-state diffs, the
// rpcd ACL that grants it, and UbusService serving it on the ubusd double.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ParseError, UsageError } from "../../src/lib/errors.ts";
import { Status, UbusClient, UbusError } from "../../src/ubus/mod.ts";
import {
  methodsWith,
  peerStateEvents,
  type PeerStateRow,
  replyTable,
  UBUS_METHODS,
  ubusStatusOf,
} from "../../src/daemon/ubus_api.ts";
import { UbusService } from "../../src/daemon/ubus_service.ts";
import { HANDLERS } from "../../src/daemon/handlers.ts";
import { type Lab, startLab, waitFor } from "../ubus/helpers.ts";

const ACL_FILE = new URL("../../openwrt/files/usr/share/rpcd/acl.d/punch.json", import.meta.url);
const acl = () => JSON.parse(Deno.readTextFileSync(ACL_FILE));
const LUCI_ACL_FILE = new URL(
  "../../openwrt/luci-app-punch/root/usr/share/rpcd/acl.d/luci-app-punch.json",
  import.meta.url,
);
const luciAcl = () => JSON.parse(Deno.readTextFileSync(LUCI_ACL_FILE));

describe("method table", () => {
  test("every control method the socket offers is reachable; names are ubus-style", () => {
    const controls = new Set(Object.values(UBUS_METHODS).map((s) => s.control));
    for (const h of HANDLERS) expect(controls).toContain(h.name);
    for (
      const m of [
        "netcheck",
        "invite.create",
        "invite.join",
        "invite.accept",
        "invite.list",
        "invite.revoke",
        "cards.list",
        "lan.list",
        "lan.add",
        "lan.remove",
        "lan.config",
      ]
    ) expect(controls).toContain(m);
    for (const n of Object.keys(UBUS_METHODS)) expect(n).toMatch(/^[a-z][a-z_]*$/);
  });

  test("the rpcd ACL grants read methods to read and changing ones to write", () => {
    const g = acl()["punch-ubus"];
    expect(g.read.ubus.punch).toEqual(methodsWith("read"));
    expect(g.write.ubus.punch).toEqual(methodsWith("write"));
    expect(methodsWith("read")).toContain("status");
    expect(methodsWith("write")).toContain("peer_add");
  });

  test("errors: bad input is INVALID_ARGUMENT, the rest UNKNOWN_ERROR, message kept", () => {
    const a = ubusStatusOf(new UsageError('Missing "peer"'));
    expect([a.code, a.message]).toEqual([Status.INVALID_ARGUMENT, 'Missing "peer"']);
    expect(ubusStatusOf(new ParseError("Cannot read token")).code).toBe(Status.INVALID_ARGUMENT);
    expect(ubusStatusOf(new Error("Peering is not running")).code).toBe(Status.UNKNOWN_ERROR);
  });

  test("replies: tables as they are, lists under their key, undefined dropped", () => {
    expect(replyTable({ a: 1, b: undefined })).toEqual({ a: 1 });
    expect(replyTable([{ x: 1 }], "peers")).toEqual({ peers: [{ x: 1 }] });
    expect(replyTable(undefined)).toEqual({ result: null });
  });

  test("peer-state events: new, changed and removed peers, nothing when unchanged", () => {
    const known = new Map<string, PeerStateRow>();
    const a = { name: "a", publicKey: "A", state: "never" };
    const b = { name: "b", publicKey: "B", state: "connected" };
    expect(peerStateEvents(known, [a, b]).map((e) => [e.name, e.previous, e.state])).toEqual([
      ["a", null, "never"],
      ["b", null, "connected"],
    ]);
    expect(peerStateEvents(known, [a, b])).toEqual([]);
    expect(peerStateEvents(known, [{ ...a, state: "connected" }])).toEqual([
      { name: "a", publicKey: "A", state: "connected", previous: "never" },
      { name: "b", publicKey: "B", state: "removed", previous: "connected" },
    ]);
  });
});

describe("UbusService on the ubusd double", () => {
  let lab: Lab;
  let caller: UbusClient;
  let svc: UbusService;
  let peers: PeerStateRow[];
  const logs: string[] = [];
  const dispatch = (method: string, params: Record<string, unknown>): Promise<unknown> => {
    switch (method) {
      case "status":
        return Promise.resolve({ interface: "wg0", peers, warnings: [] });
      case "peer.list":
        return Promise.resolve(peers);
      case "peer.remove":
        return Promise.reject(
          new UsageError(
            `Cannot remove peer "${params.peer}": no such peer (see punchctl peer list)`,
          ),
        );
      case "netcheck":
        return Promise.resolve({ refreshed: params.refresh === true });
      case "web.ticket":
        return Promise.resolve({ ticket: "T", params });
      default:
        return Promise.reject(new Error(`Unknown method "${method}"`));
    }
  };

  beforeEach(async () => {
    peers = [{ name: "cabin", publicKey: "K1", state: "never" }];
    lab = await startLab({
      acls: { ...acl(), ...luciAcl() },
      users: [
        { username: "viewer", password: "v", read: ["punch-ubus"] },
        { username: "admin", password: "a", write: ["punch-ubus"] },
        { username: "luciview", password: "lv", read: ["luci-app-punch"] },
        { username: "luciadmin", password: "la", write: ["luci-app-punch"] },
      ],
    });
    caller = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
    svc = new UbusService(lab.socketPath, dispatch, (m) => logs.push(m), 20);
    await svc.start();
  });

  afterEach(async () => {
    svc.stop();
    caller.close();
    await lab.cleanup();
  });

  test("ubus call punch status / peers / netcheck; errors come back with status and message", async () => {
    expect(await caller.call("punch", "status")).toEqual({
      interface: "wg0",
      peers: [{ name: "cabin", publicKey: "K1", state: "never" }],
      warnings: [],
    });
    expect(await caller.call("punch", "peers")).toEqual({ peers });
    expect(await caller.call("punch", "netcheck", { refresh: true })).toEqual({ refreshed: true });
    // blobmsg policy: refresh must be a boolean (INT8); another type is dropped
    expect(await caller.call("punch", "netcheck", { refresh: "yes" })).toEqual({
      refreshed: false,
    });
    const e = await caller.call("punch", "peer_remove", { peer: "nope" }).catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect(e.status).toBe("INVALID_ARGUMENT");
    expect(e.message).toContain('Cannot remove peer "nope": no such peer');
    const [info] = await caller.lookup("punch");
    expect(Object.keys(info!.signature).sort()).toEqual(Object.keys(UBUS_METHODS).sort());
    expect(info!.signature.peer_add).toEqual({ publicKey: 3, allowedIps: 1, endpoint: 3, name: 3 });
  });

  test("the ACL: a read login may call status, not peer_add; a write login both", async () => {
    const access = async (user: string, pw: string, fn: string) => {
      const s = await caller.call("session", "login", { username: user, password: pw });
      const r = await caller.call("session", "access", {
        ubus_rpc_session: s.ubus_rpc_session as string,
        object: "punch",
        function: fn,
      });
      return r.access;
    };
    expect(await access("viewer", "v", "status")).toBe(true);
    expect(await access("viewer", "v", "peer_add")).toBe(false);
    expect(await access("admin", "a", "status")).toBe(true);
    expect(await access("admin", "a", "peer_add")).toBe(true);
  });

  test("web_ticket: write only, for LuCI's group as for punch-ubus; the caller's login is the user", async () => {
    const login = async (user: string, pw: string) =>
      String(
        (await caller.call("session", "login", { username: user, password: pw })).ubus_rpc_session,
      );
    const access = async (sid: string, fn: string) =>
      (await caller.call("session", "access", {
        ubus_rpc_session: sid,
        object: "punch",
        function: fn,
      })).access;
    const luciView = await login("luciview", "lv");
    expect(await access(luciView, "status")).toBe(true);
    expect(await access(luciView, "web_ticket")).toBe(false);
    expect(await access(luciView, "peer_add")).toBe(false);
    const luciAdmin = await login("luciadmin", "la");
    expect(await access(luciAdmin, "status")).toBe(true);
    expect(await access(luciAdmin, "web_ticket")).toBe(true);
    expect(await access(luciAdmin, "peer_add")).toBe(false);
    expect(await access(await login("viewer", "v"), "web_ticket")).toBe(false);
    expect(await access(await login("admin", "a"), "web_ticket")).toBe(true);
    // as uhttpd calls it for LuCI: with the caller's session, whose username punchd looks up
    expect(await caller.call("punch", "web_ticket", { ubus_rpc_session: luciAdmin })).toEqual({
      ticket: "T",
      params: { user: "luciadmin" },
    });
    // a shell's `ubus call punch web_ticket` (no session), or an unknown session: no user
    expect(await caller.call("punch", "web_ticket")).toEqual({ ticket: "T", params: {} });
    expect(await caller.call("punch", "web_ticket", { ubus_rpc_session: "0".repeat(32) }))
      .toEqual({ ticket: "T", params: {} });
  });

  test("ubus subscribe punch gets peer.state notifications when a peer's state changes", async () => {
    const got: [string, Record<string, unknown>][] = [];
    const w = await caller.watch("punch", (type, data) => got.push([type, data]));
    await waitFor(() => (got.length >= 1 ? true : undefined));
    expect(got[0]).toEqual([
      "peer.state",
      { name: "cabin", publicKey: "K1", state: "never", previous: null },
    ]);
    peers = [{ name: "cabin", publicKey: "K1", state: "connected" }];
    await waitFor(() => (got.length >= 2 ? true : undefined));
    expect(got[1]![1]).toMatchObject({ state: "connected", previous: "never" });
    w.unwatch();
    expect(logs).toEqual([]);
  });
});
