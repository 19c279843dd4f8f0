// Serving an object: the sans-I/O half (ADD_OBJECT, INVOKE answers, NOTIFY) without a socket,
// then a served object called through the ubusd double by a second client.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  BlobmsgType as T,
  decodeMessage,
  fieldsOf,
  MsgType,
  Status,
  UbusClient,
  UbusClientCore,
  UbusError,
  type UbusMessage,
  type UbusMethods,
  UbusStatusError,
} from "../../src/ubus/mod.ts";
import { type Lab, startLab, waitFor } from "./helpers.ts";

const out = (c: UbusClientCore): UbusMessage[] => c.drain().map(decodeMessage);
const flush = () => new Promise((r) => setTimeout(r, 0));

const calls: { args: unknown; user?: string }[] = [];
const METHODS: UbusMethods = {
  echo: {
    policy: { text: T.STRING, n: T.INT32, flag: T.INT8 },
    handler: (args, call) => {
      calls.push({ args, ...(call.user !== undefined ? { user: call.user } : {}) });
      return { echo: args };
    },
  },
  nothing: { policy: {}, handler: () => undefined },
  fail: {
    policy: {},
    handler: () => {
      throw new UbusStatusError(Status.NOT_FOUND, 'No peer "x": see ubus call punch peers');
    },
  },
  crash: { policy: {}, handler: () => Promise.reject(new Error("Boom")) },
};

describe("served object, sans I/O", () => {
  test("ADD_OBJECT carries path and signature; the reply's id routes INVOKEs", async () => {
    const c = new UbusClientCore();
    const p = c.addObject("demo", METHODS, 0);
    const [add] = out(c);
    expect(add!.type).toBe(MsgType.ADD_OBJECT);
    expect(add!.attrs.objpath).toBe("demo");
    expect(add!.attrs.signature).toEqual({
      echo: { text: T.STRING, n: T.INT32, flag: T.INT8 },
      nothing: {},
      fail: {},
      crash: {},
    });
    c.receive({ type: MsgType.DATA, seq: add!.seq, peer: 0, attrs: { objid: 0x5000, objtype: 9 } });
    c.receive({ type: MsgType.STATUS, seq: add!.seq, peer: 0, attrs: { status: 0 } });
    expect(await p).toBe(0x5000);

    calls.length = 0;
    const invoke = (method: string, data?: Record<string, unknown>, noReply = false) =>
      c.receive({
        type: MsgType.INVOKE,
        seq: 7,
        peer: 0x9000, // the caller
        attrs: {
          objid: 0x5000,
          method,
          user: "root",
          group: "root",
          ...(noReply ? { noReply: true } : {}),
          ...(data ? { data: fieldsOf(data as never) } : {}),
        },
      });
    // blobmsg_parse: members of another name or type are dropped
    invoke("echo", { text: "hi", n: "5", flag: true, extra: 1 });
    await flush();
    const [d, s] = out(c);
    expect(d).toMatchObject({ type: MsgType.DATA, seq: 7, peer: 0x9000 });
    expect(d!.attrs.objid).toBe(0x5000);
    expect(s).toEqual({
      type: MsgType.STATUS,
      seq: 7,
      peer: 0x9000,
      attrs: { status: 0, objid: 0x5000 },
    });
    expect(calls).toEqual([{ args: { text: "hi", flag: true }, user: "root" }]);

    invoke("nothing", {});
    await flush();
    expect(out(c).map((m) => [m.type, m.attrs.status])).toEqual([[MsgType.STATUS, 0]]);
    invoke("nope", {});
    invoke("echo"); // no DATA attribute
    await flush();
    expect(out(c).map((m) => m.attrs.status)).toEqual([
      Status.METHOD_NOT_FOUND,
      Status.INVALID_ARGUMENT,
    ]);
    invoke("fail", {});
    invoke("crash", {});
    invoke("echo", { text: "quiet" }, true);
    await flush();
    const fails = out(c);
    expect(fails.map((m) => [m.type, m.attrs.status])).toEqual([
      [MsgType.DATA, undefined],
      [MsgType.STATUS, Status.NOT_FOUND],
      [MsgType.DATA, undefined],
      [MsgType.STATUS, Status.UNKNOWN_ERROR],
    ]);
    expect(fails[0]!.attrs.data).toEqual(
      fieldsOf({ error: 'No peer "x": see ubus call punch peers' }),
    );
    expect(calls.at(-1)).toEqual({ args: { text: "quiet" }, user: "root" });
  });

  test("subscriber changes arrive as NOTIFY {active}; notify sends NOTIFY with NO_REPLY", async () => {
    const c = new UbusClientCore();
    const seen: [number, boolean][] = [];
    c.onSubscribers = (id, active) => seen.push([id, active]);
    const p = c.addObject("demo", METHODS, 0);
    const [add] = out(c);
    c.receive({ type: MsgType.DATA, seq: add!.seq, peer: 0, attrs: { objid: 0x5000 } });
    c.receive({ type: MsgType.STATUS, seq: add!.seq, peer: 0, attrs: { status: 0 } });
    await p;
    c.receive({ type: MsgType.NOTIFY, seq: 1, peer: 0, attrs: { objid: 0x5000, active: true } });
    c.receive({ type: MsgType.NOTIFY, seq: 2, peer: 0, attrs: { objid: 0x5000, active: false } });
    expect(seen).toEqual([[0x5000, true], [0x5000, false]]);
    c.notify(0x5000, "peer.state", { name: "b", state: "connected" });
    c.notify(0x6000, "not.ours", {});
    const [n, ...rest] = out(c);
    expect(rest).toEqual([]);
    expect(n!.type).toBe(MsgType.NOTIFY);
    expect(n!.peer).toBe(0x5000);
    expect(n!.attrs).toEqual({
      objid: 0x5000,
      method: "peer.state",
      noReply: true,
      data: fieldsOf({ name: "b", state: "connected" }),
    });
  });

  test("a failing call's {error} table becomes the UbusError's message", async () => {
    const c = new UbusClientCore();
    const p = c.invoke(0x5000, "fail", {}, 0);
    const [m] = out(c);
    c.receive({
      type: MsgType.DATA,
      seq: m!.seq,
      peer: 0x5000,
      attrs: { objid: 0x5000, data: fieldsOf({ error: "No such peer" }) },
    });
    c.receive({
      type: MsgType.STATUS,
      seq: m!.seq,
      peer: 0x5000,
      attrs: { status: Status.NOT_FOUND, objid: 0x5000 },
    });
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect(e.status).toBe("NOT_FOUND");
    expect(e.message).toContain("No such peer");
  });
});

describe("served object through the ubusd double", () => {
  let lab: Lab;
  let server: UbusClient;
  let caller: UbusClient;

  beforeEach(async () => {
    lab = await startLab();
    server = await UbusClient.connect(lab.socketPath, {
      timeoutMs: 2000,
      backoffMinMs: 20,
      backoffMaxMs: 100,
    });
    caller = await UbusClient.connect(lab.socketPath, {
      timeoutMs: 2000,
      backoffMinMs: 20,
      backoffMaxMs: 100,
    });
  });

  afterEach(async () => {
    server.close();
    caller.close();
    await lab.cleanup();
  });

  test("ubus call reaches the handler; lookup shows the signature; errors carry the message", async () => {
    const obj = await server.serve("demo", METHODS);
    expect(obj.id).toBeGreaterThan(1024);
    const [info] = await caller.lookup("demo");
    expect(info!.signature.echo).toEqual({ text: T.STRING, n: T.INT32, flag: T.INT8 });
    expect(await caller.call("demo", "echo", { text: "hi", n: 3 })).toEqual({
      echo: { text: "hi", n: 3 },
    });
    expect(await caller.callAll("demo", "nothing")).toEqual([]);
    const e = await caller.call("demo", "fail").catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect(e.status).toBe("NOT_FOUND");
    expect(e.message).toContain('No peer "x"');
    expect((await caller.call("demo", "nope").catch((x) => x)).status).toBe("METHOD_NOT_FOUND");
    // the path is taken while served
    expect((await caller.serve("demo", METHODS).catch((x) => x)).status).toBe("INVALID_ARGUMENT");
    obj.remove();
    await waitFor(async () =>
      (await caller.lookup("demo").catch(() => [])).length === 0 ? true : undefined
    );
  });

  test("subscribers get notifications; the object comes back after ubusd restarts", async () => {
    const obj = await server.serve("demo", METHODS);
    expect(obj.hasSubscribers).toBe(false);
    const got: [string, unknown][] = [];
    const w = await caller.watch("demo", (type, data) => got.push([type, data]));
    await waitFor(() => (obj.hasSubscribers ? true : undefined));
    obj.notify("peer.state", { name: "b", state: "connected" });
    await waitFor(() => (got.length ? true : undefined));
    expect(got).toEqual([["peer.state", { name: "b", state: "connected" }]]);
    w.unwatch();
    await waitFor(() => (!obj.hasSubscribers ? true : undefined));

    await lab.restart();
    await waitFor(async () =>
      (await caller.call("demo", "echo", { text: "back" }).catch(() => undefined)) ?? undefined
    );
    expect(obj.id).not.toBe(null);
  });
});
