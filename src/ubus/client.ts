// Sans-I/O ubus client: turns calls into messages for an outbox and replies into settled
// promises. Flow per ubus@3cc98db: HELLO gives our client id (ubusd_proto.c:94);
// requests are matched on (seq, peer) (libubus-req.c); LOOKUP/ADD_OBJECT/ubusd's own
// STATUS keep the request's peer, object replies come back with peer = objid
// (ubusd_proto.c:416 `ubusd_handle_response`). Events: an anonymous object is added
// (libubus-obj.c `ubus_add_object`) and registered with INVOKE on object 1 method
// "register" {object, pattern} (libubus.c:238); ubusd then sends INVOKE peer 0,
// OBJID = our object, METHOD = event id, DATA = event data (ubusd_event.c:114,199).
import {
  blobmsg,
  type BlobmsgField,
  type BlobmsgJson,
  type BlobmsgValue,
  fieldsOf,
  fieldsToObject,
} from "./blobmsg.ts";
import {
  MsgType,
  Status,
  UBUS_MAX_MSGLEN,
  UBUS_MSGHDR_LEN,
  UBUS_SYSTEM_OBJECT_EVENT,
} from "./constants.ts";
import { UbusError, ubusError } from "./errors.ts";
import { encodeMessage, type MessageAttrs, type Signature, type UbusMessage } from "./message.ts";
import {
  addObjectAttrs,
  answerInvoke,
  failure,
  notifyMessage,
  type UbusMethods,
} from "./object.ts";

/** One object as LOOKUP reports it. */
export interface UbusObjectInfo {
  path: string;
  id: number;
  typeId: number;
  signature: Signature;
}

/** Handler of one event: its id (e.g. "network.interface") and data. */
export type UbusEventHandler = (event: string, data: { [key: string]: BlobmsgJson }) => void;

interface Pending {
  what: string;
  deadline: number;
  data: UbusMessage[];
  resolve: (data: UbusMessage[]) => void;
  reject: (e: Error) => void;
}

/** Default per-request timeout, like the `ubus` CLI's 30 s (cli.c `timeout = 30`). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Client protocol state for one connection. Feed it messages; drain its outbox. */
export class UbusClientCore {
  /** Our client id from HELLO; null until it arrives. */
  clientId: number | null = null;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly outbox: Uint8Array[] = [];
  private readonly eventObjects = new Map<number, UbusEventHandler>();
  private readonly served = new Map<number, UbusMethods>();
  /** Called when ubusd says whether object `objid` of ours has subscribers now. */
  onSubscribers: ((objid: number, active: boolean) => void) | null = null;
  private closedWith: Error | null = null;
  private helloWaiters: Array<(id: number) => void> = [];
  /** Called whenever the outbox gains a message (a transport drains it then). */
  onOutput: (() => void) | null = null;

  private queue(bytes: Uint8Array): void {
    this.outbox.push(bytes);
    this.onOutput?.();
  }

  /** Messages to write to the socket, oldest first; empties the outbox. */
  drain(): Uint8Array[] {
    return this.outbox.splice(0);
  }

  /** Resolves with our client id once HELLO is in. */
  hello(): Promise<number> {
    if (this.clientId !== null) return Promise.resolve(this.clientId);
    return new Promise((r) => this.helloWaiters.push(r));
  }

  /** Earliest request deadline, for the transport's timer; null when idle. */
  nextDeadline(): number | null {
    let d: number | null = null;
    for (const p of this.pending.values()) if (d === null || p.deadline < d) d = p.deadline;
    return d;
  }

  /** Fail requests whose deadline has passed with TIMEOUT. */
  tick(now: number): void {
    for (const [k, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(k);
        p.reject(ubusError(Status.TIMEOUT, p.what));
      }
    }
  }

  /** The connection is gone: fail everything pending with CONNECTION_FAILED. */
  close(reason = "connection closed"): void {
    this.closedWith = ubusError(Status.CONNECTION_FAILED, `ubus ${reason}`);
    for (const p of this.pending.values()) p.reject(ubusError(Status.CONNECTION_FAILED, p.what));
    this.pending.clear();
  }

  private request(
    type: number,
    peer: number,
    attrs: MessageAttrs,
    what: string,
    now: number,
    timeoutMs: number,
  ): Promise<UbusMessage[]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage({ type, seq, peer, attrs });
    } catch (e) {
      return Promise.reject(e);
    }
    if (bytes.length - UBUS_MSGHDR_LEN > UBUS_MAX_MSGLEN) {
      return Promise.reject(
        new RangeError(
          `Cannot send ${what}: ${bytes.length} bytes exceed UBUS_MAX_MSGLEN (${UBUS_MAX_MSGLEN}); send less data`,
        ),
      );
    }
    const p = new Promise<UbusMessage[]>((resolve, reject) => {
      this.pending.set(`${seq}/${peer}`, {
        what,
        deadline: now + timeoutMs,
        data: [],
        resolve,
        reject,
      });
    });
    this.queue(bytes);
    return p;
  }

  /** LOOKUP one path, a prefix ending in `*`, or everything (no path). */
  async lookup(
    path: string | undefined,
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<UbusObjectInfo[]> {
    const attrs: MessageAttrs = path === undefined ? {} : { objpath: path };
    const msgs = await this.request(
      MsgType.LOOKUP,
      0,
      attrs,
      `ubus lookup "${path ?? "*"}"`,
      now,
      timeoutMs,
    );
    const out: UbusObjectInfo[] = [];
    for (const m of msgs) {
      const a = m.attrs;
      if (a.objid === undefined || a.objpath === undefined || a.objtype === undefined) continue;
      out.push({ path: a.objpath, id: a.objid, typeId: a.objtype, signature: a.signature ?? {} });
    }
    return out;
  }

  /** INVOKE `method` on object `objid`; resolves with the DATA tables (usually one). */
  async invoke(
    objid: number,
    method: string,
    args: { readonly [key: string]: BlobmsgValue },
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    what = `ubus call ${objid} "${method}"`,
  ): Promise<{ [key: string]: BlobmsgJson }[]> {
    const attrs: MessageAttrs = { objid, method, data: fieldsOf(args) };
    const msgs = await this.request(MsgType.INVOKE, objid, attrs, what, now, timeoutMs);
    return msgs.filter((m) => m.attrs.data).map((m) =>
      fieldsToObject(m.attrs.data as BlobmsgField[])
    );
  }

  /** Add an anonymous object that receives events; resolves with its id. */
  async addEventObject(
    handler: UbusEventHandler,
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<number> {
    const msgs = await this.request(MsgType.ADD_OBJECT, 0, {}, "ubus add object", now, timeoutMs);
    const id = msgs.find((m) => m.attrs.objid !== undefined)?.attrs.objid;
    if (id === undefined) throw ubusError(Status.NO_DATA, "ubus add object");
    this.eventObjects.set(id, handler);
    return id;
  }

  /**
   * Serve an object at `path` (libubus-obj.c `ubus_add_object`): ADD_OBJECT with its
   * signature; calls then arrive as INVOKE and are answered from `methods` (see object.ts).
   * Resolves with the object id ubusd gave it.
   */
  async addObject(
    path: string,
    methods: UbusMethods,
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<number> {
    const what = `ubus add object "${path}"`;
    const msgs = await this.request(
      MsgType.ADD_OBJECT,
      0,
      addObjectAttrs(path, methods),
      what,
      now,
      timeoutMs,
    );
    const id = msgs.find((m) => m.attrs.objid !== undefined)?.attrs.objid;
    if (id === undefined) throw ubusError(Status.NO_DATA, what);
    this.served.set(id, methods);
    return id;
  }

  /** Send a notification from our object `objid` to its subscribers (no reply wanted). */
  notify(objid: number, type: string, data: { readonly [key: string]: BlobmsgValue }): void {
    if (this.closedWith || !this.served.has(objid)) return;
    this.seq = (this.seq + 1) & 0xffff;
    this.queue(encodeMessage(notifyMessage(objid, this.seq, type, data)));
  }

  /** REMOVE_OBJECT (libubus-obj.c `ubus_remove_object`): stop serving/listening on `id`. */
  async removeObject(id: number, now: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    this.eventObjects.delete(id);
    this.served.delete(id);
    await this.request(
      MsgType.REMOVE_OBJECT,
      0,
      { objid: id },
      "ubus remove object",
      now,
      timeoutMs,
    );
  }

  /**
   * Watch object `target`'s notifications (libubus-sub.c `ubus_subscribe`): add an anonymous
   * subscriber object, then SUBSCRIBE {OBJID: it, TARGET: target}. netifd notifies
   * "interface.update" / "interface.down" this way (netifd ubus.c:1251).
   */
  async subscribeObject(
    target: number,
    handler: UbusEventHandler,
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<number> {
    const id = await this.addEventObject(handler, now, timeoutMs);
    try {
      await this.request(
        MsgType.SUBSCRIBE,
        0,
        { objid: id, target },
        `ubus subscribe ${target}`,
        now,
        timeoutMs,
      );
    } catch (e) {
      this.eventObjects.delete(id);
      throw e;
    }
    return id;
  }

  /** Called when ubusd says a watched object went away (UNSUBSCRIBE: our object, target). */
  onUnsubscribe: ((objid: number, target: number) => void) | null = null;

  /** Listen for events matching `pattern` ("network.interface", or a prefix ending in `*`). */
  async registerEvent(
    pattern: string,
    handler: UbusEventHandler,
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<number> {
    const id = await this.addEventObject(handler, now, timeoutMs);
    await this.invoke(
      UBUS_SYSTEM_OBJECT_EVENT,
      "register",
      { object: blobmsg.int32(id), pattern },
      now,
      timeoutMs,
      `ubus listen "${pattern}"`,
    );
    return id;
  }

  /** Send an event (libubus.c `ubus_send_event`: INVOKE object 1 "send" {id, data}). */
  async sendEvent(
    id: string,
    data: { readonly [key: string]: BlobmsgValue },
    now: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<void> {
    await this.invoke(
      UBUS_SYSTEM_OBJECT_EVENT,
      "send",
      { id, data },
      now,
      timeoutMs,
      `ubus send "${id}"`,
    );
  }

  /** Feed one message received from ubusd. */
  receive(m: UbusMessage): void {
    switch (m.type) {
      case MsgType.HELLO:
        this.clientId = m.peer;
        for (const w of this.helloWaiters.splice(0)) w(m.peer);
        return;
      case MsgType.DATA: {
        this.pending.get(`${m.seq}/${m.peer}`)?.data.push(m);
        return;
      }
      case MsgType.STATUS: {
        const key = `${m.seq}/${m.peer}`;
        const p = this.pending.get(key);
        if (!p) return;
        this.pending.delete(key);
        const code = m.attrs.status ?? Status.INVALID_ARGUMENT;
        if (code === Status.OK) p.resolve(p.data);
        else p.reject(ubusError(code, p.what, errorDetail(p.data)));
        return;
      }
      case MsgType.INVOKE:
        this.onInvoke(m);
        return;
      case MsgType.NOTIFY:
        // ubus_notify_subscription (ubusd_proto.c:618): subscribers came or went
        if (m.attrs.objid !== undefined && this.served.has(m.attrs.objid)) {
          this.onSubscribers?.(m.attrs.objid, m.attrs.active === true);
        }
        return;
      case MsgType.UNSUBSCRIBE:
        if (m.attrs.objid !== undefined && m.attrs.target !== undefined) {
          this.onUnsubscribe?.(m.attrs.objid, m.attrs.target);
        }
        return;
    }
  }

  private onInvoke(m: UbusMessage): void {
    const objid = m.attrs.objid;
    if (objid === undefined) return;
    const methods = this.served.get(objid);
    if (methods) {
      void answerInvoke(methods, m).then((replies) => {
        if (this.closedWith) return;
        const out = replies.map(encodeMessage);
        const tooBig = out.some((b) => b.length - UBUS_MSGHDR_LEN > UBUS_MAX_MSGLEN);
        const msg = `The reply to "${m.attrs.method}" is larger than ubus allows (1 MiB)`;
        const bytes = tooBig ? failure(m, Status.UNKNOWN_ERROR, msg).map(encodeMessage) : out;
        for (const b of bytes) this.queue(b);
      });
      return;
    }
    const handler = this.eventObjects.get(objid);
    let status: number = Status.OK;
    if (!handler) status = Status.NOT_FOUND;
    else if (m.attrs.method === undefined || m.attrs.data === undefined) {
      status = Status.INVALID_ARGUMENT;
    } else {
      try {
        handler(m.attrs.method, fieldsToObject(m.attrs.data));
      } catch {
        status = Status.UNKNOWN_ERROR;
      }
    }
    if (m.attrs.noReply && handler) return;
    // libubus-req.c:199 ubus_complete_deferred_request: STATUS, then OBJID
    this.queue(
      encodeMessage({ type: MsgType.STATUS, seq: m.seq, peer: m.peer, attrs: { status, objid } }),
    );
  }
}

/** The `{error: "..."}` table some objects (ours too) send before a failing STATUS. */
function errorDetail(data: UbusMessage[]): string | undefined {
  for (const m of data) {
    const e = m.attrs.data?.find((f) => f.name === "error" && typeof f.value === "string");
    if (e) return e.value as string;
  }
  return undefined;
}

export { UbusError };
