// Wire behaviour of the ubusd double without a socket.
import { describe, expect, test } from "vitest";
import {
  blobmsg,
  BlobmsgType,
  decodeMessage,
  fieldsOf,
  MsgType,
  Status,
  type UbusMessage,
} from "../../../src/ubus/mod.ts";
import { Broker } from "./broker.ts";

function setup() {
  const broker = new Broker();
  const inbox: UbusMessage[] = [];
  const id = broker.connect((b) => inbox.push(decodeMessage(b)));
  const daemon = broker.connect(null);
  const obj = broker.addObject(daemon, "test.obj", {
    echo: {
      policy: { s: BlobmsgType.STRING },
      handler: (a, ctx) => (ctx.reply({ s: a["s"]?.value as string }), Status.OK),
    },
  });
  return { broker, inbox, id, obj };
}

describe("Broker", () => {
  test("HELLO carries the client id", () => {
    const { inbox, id } = setup();
    expect(inbox[0]).toEqual({ type: MsgType.HELLO, seq: 0, peer: id, attrs: {} });
  });

  test("LOOKUP: DATA per object, then ubusd's STATUS with the request's peer", () => {
    const { broker, inbox, id, obj } = setup();
    broker.receive(id, { type: MsgType.LOOKUP, seq: 5, peer: 0, attrs: { objpath: "test.*" } });
    expect(inbox.slice(1)).toEqual([
      {
        type: MsgType.DATA,
        seq: 5,
        peer: 0,
        attrs: {
          objpath: "test.obj",
          objid: obj,
          objtype: expect.any(Number),
          signature: { echo: { s: 3 } },
        },
      },
      { type: MsgType.STATUS, seq: 5, peer: 0, attrs: { status: 0 } },
    ]);
  });

  test("INVOKE: reply DATA and STATUS come back with peer = objid; errors as libubus", () => {
    const { broker, inbox, id, obj } = setup();
    broker.receive(id, {
      type: MsgType.INVOKE,
      seq: 6,
      peer: obj,
      attrs: { objid: obj, method: "echo", data: fieldsOf({ s: "hi" }) },
    });
    expect(inbox.slice(1)).toEqual([
      { type: MsgType.DATA, seq: 6, peer: obj, attrs: { objid: obj, data: fieldsOf({ s: "hi" }) } },
      { type: MsgType.STATUS, seq: 6, peer: obj, attrs: { status: 0, objid: obj } },
    ]);
    inbox.length = 1;
    broker.receive(id, {
      type: MsgType.INVOKE,
      seq: 7,
      peer: obj,
      attrs: { objid: obj, method: "nope", data: [] },
    });
    broker.receive(id, {
      type: MsgType.INVOKE,
      seq: 8,
      peer: obj,
      attrs: { objid: obj, method: "echo" },
    });
    broker.receive(id, {
      type: MsgType.INVOKE,
      seq: 9,
      peer: 4242,
      attrs: { objid: 4242, method: "echo", data: [] },
    });
    broker.receive(id, { type: MsgType.INVOKE, seq: 10, peer: obj, attrs: { method: "echo" } });
    broker.receive(id, { type: MsgType.HELLO, seq: 11, peer: 0, attrs: {} });
    expect(inbox.slice(1).map((m) => [m.seq, m.peer, m.attrs.status])).toEqual([
      [7, obj, Status.METHOD_NOT_FOUND],
      [8, obj, Status.INVALID_ARGUMENT],
      [9, 4242, Status.NOT_FOUND],
      [10, obj, Status.INVALID_ARGUMENT],
      [11, 0, Status.INVALID_COMMAND],
    ]);
  });

  test("event register checks as ubusd_event.c", () => {
    const { broker, inbox, id, obj } = setup();
    const reg = (seq: number, data: UbusMessage["attrs"]["data"]) =>
      broker.receive(id, {
        type: MsgType.INVOKE,
        seq,
        peer: 1,
        attrs: { objid: 1, method: "register", ...(data ? { data } : {}) },
      });
    reg(1, fieldsOf({ pattern: "x" }));
    reg(2, fieldsOf({ object: 5, pattern: "x" }));
    reg(3, fieldsOf({ object: blobmsg.int32(obj), pattern: "x" })); // someone else's object
    broker.receive(id, {
      type: MsgType.INVOKE,
      seq: 4,
      peer: 1,
      attrs: { objid: 1, method: "frob", data: [] },
    });
    expect(inbox.slice(1).map((m) => m.attrs.status)).toEqual([
      Status.INVALID_ARGUMENT,
      Status.PERMISSION_DENIED,
      Status.PERMISSION_DENIED,
      Status.INVALID_COMMAND,
    ]);
  });
});
