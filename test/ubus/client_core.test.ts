// The sans-I/O client: bytes out, messages in, no socket.
import { describe, expect, test } from "vitest";
import {
  decodeMessage,
  fieldsOf,
  MsgType,
  Status,
  UBUS_SYSTEM_OBJECT_EVENT,
  UbusClientCore,
  UbusError,
  type UbusMessage,
} from "../../src/ubus/mod.ts";

const out = (c: UbusClientCore): UbusMessage[] => c.drain().map(decodeMessage);

describe("UbusClientCore", () => {
  test("HELLO sets the client id", async () => {
    const c = new UbusClientCore();
    c.receive({ type: MsgType.HELLO, seq: 0, peer: 77, attrs: {} });
    expect(await c.hello()).toBe(77);
  });

  test("replies are matched on (seq, peer); DATA before STATUS is collected", async () => {
    const c = new UbusClientCore();
    const p1 = c.invoke(0x1000, "status", {}, 0);
    const p2 = c.invoke(0x2000, "status", { a: 1 }, 0);
    const [m1, m2] = out(c);
    expect(m1!.seq).not.toBe(m2!.seq);
    expect(m1!.attrs).toEqual({ objid: 0x1000, method: "status", data: [] });
    expect(m2!.peer).toBe(0x2000);
    // a reply with the right seq but another peer is not ours
    c.receive({ type: MsgType.STATUS, seq: m1!.seq, peer: 0x2000, attrs: { status: 0 } });
    c.receive({
      type: MsgType.DATA,
      seq: m2!.seq,
      peer: 0x2000,
      attrs: { objid: 0x2000, data: fieldsOf({ up: true }) },
    });
    c.receive({
      type: MsgType.STATUS,
      seq: m2!.seq,
      peer: 0x2000,
      attrs: { status: 0, objid: 0x2000 },
    });
    expect(await p2).toEqual([{ up: true }]);
    c.receive({
      type: MsgType.STATUS,
      seq: m1!.seq,
      peer: 0x1000,
      attrs: { status: Status.PERMISSION_DENIED },
    });
    const e = await p1.catch((x) => x);
    expect(e).toBeInstanceOf(UbusError);
    expect([e.code, e.status]).toEqual([6, "PERMISSION_DENIED"]);
  });

  test("tick fails overdue requests with TIMEOUT and late replies are dropped", async () => {
    const c = new UbusClientCore();
    const p = c.lookup("x", 1000, 50);
    const [m] = out(c);
    expect(c.nextDeadline()).toBe(1050);
    c.tick(1049);
    c.tick(1050);
    expect((await p.catch((x) => x)).status).toBe("TIMEOUT");
    c.receive({ type: MsgType.STATUS, seq: m!.seq, peer: 0, attrs: { status: 0 } });
    expect(c.nextDeadline()).toBe(null);
  });

  test("a request larger than UBUS_MAX_MSGLEN is refused before sending", async () => {
    const c = new UbusClientCore();
    const e = await c.invoke(5000, "set", { big: "x".repeat(1 << 20) }, 0).catch((x) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(c.drain()).toEqual([]);
    expect(c.nextDeadline()).toBe(null);
  });

  test("close fails pending and later requests with CONNECTION_FAILED", async () => {
    const c = new UbusClientCore();
    const p = c.lookup(undefined, 0);
    c.close();
    expect((await p.catch((x) => x)).status).toBe("CONNECTION_FAILED");
    expect((await c.lookup("a", 0).catch((x) => x)).status).toBe("CONNECTION_FAILED");
  });

  test("event registration and delivery, answered with STATUS + OBJID", async () => {
    const c = new UbusClientCore();
    const got: unknown[] = [];
    const reg = c.registerEvent("network.interface", (id, d) => got.push([id, d]), 0);
    const [add] = out(c);
    expect(add!.type).toBe(MsgType.ADD_OBJECT);
    expect(add!.attrs).toEqual({});
    c.receive({ type: MsgType.DATA, seq: add!.seq, peer: 0, attrs: { objid: 0xabcdef01 } });
    c.receive({ type: MsgType.STATUS, seq: add!.seq, peer: 0, attrs: { status: 0 } });
    await Promise.resolve();
    await Promise.resolve();
    const [inv] = out(c);
    expect(inv!.peer).toBe(UBUS_SYSTEM_OBJECT_EVENT);
    expect(inv!.attrs.method).toBe("register");
    expect(inv!.attrs.data!.map((f) => [f.name, f.type, f.value])).toEqual([
      ["object", 5, 0xabcdef01 | 0],
      ["pattern", 3, "network.interface"],
    ]);
    c.receive({
      type: MsgType.STATUS,
      seq: inv!.seq,
      peer: UBUS_SYSTEM_OBJECT_EVENT,
      attrs: { status: 0 },
    });
    expect(await reg).toBe(0xabcdef01);
    c.receive({
      type: MsgType.INVOKE,
      seq: 9,
      peer: 0,
      attrs: { objid: 0xabcdef01, method: "network.interface", data: fieldsOf({ action: "ifup" }) },
    });
    expect(got).toEqual([["network.interface", { action: "ifup" }]]);
    expect(out(c)).toEqual([{
      type: MsgType.STATUS,
      seq: 9,
      peer: 0,
      attrs: { status: 0, objid: 0xabcdef01 },
    }]);
    // an INVOKE for an object we do not have is answered NOT_FOUND, as libubus does
    c.receive({
      type: MsgType.INVOKE,
      seq: 10,
      peer: 5,
      attrs: { objid: 1234, method: "x", data: [] },
    });
    expect(out(c)[0]!.attrs.status).toBe(Status.NOT_FOUND);
    // notifications with NO_REPLY get no answer
    c.receive({
      type: MsgType.INVOKE,
      seq: 11,
      peer: 5,
      attrs: { noReply: true, objid: 0xabcdef01, method: "n", data: [] },
    });
    expect(out(c)).toEqual([]);
  });
});
