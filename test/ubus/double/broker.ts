// The ubusd half of the double, written from ubus@3cc98db:ubusd_proto.c (message
// handlers), ubusd_event.c (event patterns) and libubus-obj.c (how an object owner
// answers INVOKE). In-process objects (rpcd, netifd) are owned by virtual clients, so
// replies, events and notifications take the same paths and bytes as with real daemons.
import {
  blobmsg,
  type BlobmsgField,
  type BlobmsgValue,
  fieldsOf,
} from "../../../src/ubus/blobmsg.ts";
import {
  BlobmsgType,
  MsgType,
  Status,
  UBUS_SYSTEM_OBJECT_EVENT,
  UBUS_SYSTEM_OBJECT_MAX,
} from "../../../src/ubus/constants.ts";
import {
  encodeMessage,
  type MessageAttrs,
  type Signature,
  type UbusMessage,
} from "../../../src/ubus/message.ts";
import { type Parsed, parsePolicy, type Policy, str, u32 } from "./policy.ts";

/** Context of one in-process method call. */
export interface CallCtx {
  /** Send one DATA reply (ubus_send_reply). */
  reply(table: { readonly [key: string]: BlobmsgValue }): void;
  method: string;
}

/** One in-process method: its policy (also the LOOKUP signature) and handler → status. */
export interface MethodDef {
  policy: Policy;
  handler: (args: Parsed, ctx: CallCtx, raw: BlobmsgField[]) => number;
}

interface Obj {
  id: number;
  path: string | null;
  typeId: number | null;
  signature: Signature;
  client: number;
  methods: Record<string, MethodDef> | null; // null: owned by a socket client
  subscribers: Set<number>; // subscriber object ids
  invokeSeq: number;
}

interface Client {
  id: number;
  send: ((bytes: Uint8Array) => void) | null; // null: virtual (in-process daemon)
}

const RESERVED = new Set([UBUS_SYSTEM_OBJECT_EVENT, 2, 3]);

/** ubusd state: clients, objects, event patterns. Feed it messages with `receive`. */
export class Broker {
  private readonly clients = new Map<number, Client>();
  private readonly objects = new Map<number, Obj>();
  private readonly patterns: { pattern: string; partial: boolean; obj: number }[] = [];
  private readonly types = new Map<number, Signature>();
  private eventSeq = 0;
  private notifySeq = 0;
  /** Every event sent through the bus, for assertions. */
  readonly eventLog: { id: string; data: BlobmsgField[] }[] = [];

  private newId(taken: (id: number) => boolean): number {
    // ubusd_id.c ubus_alloc_id: random 32-bit ids above the reserved range
    for (let i = 0; i < 1000; i++) {
      const id = crypto.getRandomValues(new Uint32Array(1))[0]!;
      if (id >= UBUS_SYSTEM_OBJECT_MAX && !taken(id)) return id;
    }
    throw new Error("Cannot allocate a ubus id");
  }

  /** A socket client connected; sends HELLO (ubusd_proto.c:94). Returns its id. */
  connect(send: ((bytes: Uint8Array) => void) | null): number {
    const id = this.newId((x) => this.clients.has(x) || this.objects.has(x));
    this.clients.set(id, { id, send });
    if (send) send(encodeMessage({ type: MsgType.HELLO, seq: 0, peer: id, attrs: {} }));
    return id;
  }

  /** A client went away: its objects, subscriptions and event patterns go too. */
  disconnect(clientId: number): void {
    for (const o of [...this.objects.values()]) if (o.client === clientId) this.freeObject(o);
    this.clients.delete(clientId);
  }

  /** ubusd_free_object (ubusd_obj.c:202). */
  private freeObject(o: Obj): void {
    for (const t of this.objects.values()) if (t.subscribers.has(o.id)) this.unsubscribe(o, t);
    for (const s of [...o.subscribers]) {
      const sub = this.objects.get(s);
      // ubus_notify_unsubscribe (ubusd_proto.c:636): the subscriber learns the target is gone
      if (sub) {
        sub.invokeSeq = (sub.invokeSeq + 1) & 0xffff;
        this.sendTo(sub.client, {
          type: MsgType.UNSUBSCRIBE,
          seq: sub.invokeSeq,
          peer: 0,
          attrs: { objid: s, target: o.id },
        });
      }
      o.subscribers.delete(s);
    }
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      if (this.patterns[i]!.obj === o.id) this.patterns.splice(i, 1);
    }
    if (o.path !== null) this.objectEvent(o, false);
    this.objects.delete(o.id);
  }

  /** ubusd_send_obj_event (ubusd_event.c:262): "ubus.object.add"/"remove" {id, path}. */
  private objectEvent(o: Obj, add: boolean): void {
    const data = fieldsOf({ id: blobmsg.int32(o.id), path: o.path });
    this.sendEvent(null, add ? "ubus.object.add" : "ubus.object.remove", data);
  }

  /** ubus_notify_subscription (ubusd_proto.c:618): tell the owner whether anyone listens. */
  private notifySubscription(t: Obj): void {
    t.invokeSeq = (t.invokeSeq + 1) & 0xffff;
    const active = t.subscribers.size > 0;
    this.sendTo(t.client, {
      type: MsgType.NOTIFY,
      seq: t.invokeSeq,
      peer: 0,
      attrs: { objid: t.id, active },
    });
  }

  private unsubscribe(sub: Obj, t: Obj): void {
    t.subscribers.delete(sub.id);
    if (t.subscribers.size === 0) this.notifySubscription(t);
  }

  /** Publish an in-process object (as rpcd/netifd do with ubus_add_object). */
  addObject(
    owner: number,
    path: string,
    methods: Record<string, MethodDef>,
    typeKey?: number,
  ): number {
    const id = this.newId((x) => this.clients.has(x) || this.objects.has(x));
    const signature: Signature = {};
    for (const [m, d] of Object.entries(methods)) signature[m] = { ...d.policy };
    let typeId = typeKey ?? null;
    if (typeId === null || !this.types.has(typeId)) {
      typeId ??= this.newId((x) => this.types.has(x));
      this.types.set(typeId, signature);
    }
    this.objects.set(id, {
      id,
      path,
      typeId,
      signature,
      client: owner,
      methods,
      subscribers: new Set(),
      invokeSeq: 0,
    });
    this.objectEvent(this.objects.get(id)!, true);
    return id;
  }

  removeObject(id: number): void {
    const o = this.objects.get(id);
    if (o) this.freeObject(o);
  }

  findPath(path: string): number | undefined {
    for (const o of this.objects.values()) if (o.path === path) return o.id;
    return undefined;
  }

  private sendTo(clientId: number, m: UbusMessage): void {
    this.clients.get(clientId)?.send?.(encodeMessage(m));
  }

  private status(to: number, req: UbusMessage, status: number): void {
    this.sendTo(to, { type: MsgType.STATUS, seq: req.seq, peer: req.peer, attrs: { status } });
  }

  /** Handle one message from socket client `from` (ubusd_proto_receive_message). */
  receive(from: number, m: UbusMessage): void {
    let ret: number;
    switch (m.type) {
      case MsgType.PING:
        this.sendTo(from, { ...m, type: MsgType.DATA });
        return;
      case MsgType.ADD_OBJECT:
        ret = this.onAddObject(from, m);
        break;
      case MsgType.REMOVE_OBJECT:
        ret = this.onRemoveObject(from, m);
        break;
      case MsgType.LOOKUP:
        ret = this.onLookup(from, m);
        break;
      case MsgType.INVOKE:
        ret = this.onInvoke(from, m);
        break;
      case MsgType.STATUS:
      case MsgType.DATA:
        this.onResponse(from, m);
        return;
      case MsgType.SUBSCRIBE:
        ret = this.onSubscribe(from, m, true);
        break;
      case MsgType.UNSUBSCRIBE:
        ret = this.onSubscribe(from, m, false);
        break;
      case MsgType.NOTIFY:
        ret = this.onNotify(from, m);
        break;
      default:
        ret = Status.INVALID_COMMAND;
    }
    if (ret >= 0) this.status(from, m, ret);
  }

  private onAddObject(from: number, m: UbusMessage): number {
    const a = m.attrs;
    let typeId: number | null = null;
    if (a.objtype !== undefined) {
      if (!this.types.has(a.objtype)) return Status.INVALID_ARGUMENT;
      typeId = a.objtype;
    } else if (a.signature) {
      typeId = this.newId((x) => this.types.has(x));
      this.types.set(typeId, a.signature);
    }
    if (a.objpath !== undefined && this.findPath(a.objpath) !== undefined) {
      return Status.INVALID_ARGUMENT;
    }
    const id = this.newId((x) => this.clients.has(x) || this.objects.has(x));
    const signature = typeId !== null ? this.types.get(typeId)! : {};
    this.objects.set(id, {
      id,
      path: a.objpath ?? null,
      typeId,
      signature,
      client: from,
      methods: null,
      subscribers: new Set(),
      invokeSeq: 0,
    });
    if (a.objpath !== undefined) this.objectEvent(this.objects.get(id)!, true);
    const reply: MessageAttrs = { objid: id };
    if (a.signature && typeId !== null) reply.objtype = typeId;
    this.sendTo(from, { type: MsgType.DATA, seq: m.seq, peer: m.peer, attrs: reply });
    return Status.OK;
  }

  private onRemoveObject(from: number, m: UbusMessage): number {
    const id = m.attrs.objid;
    if (id === undefined) return Status.INVALID_ARGUMENT;
    const o = this.objects.get(id);
    if (!o) return Status.NOT_FOUND;
    if (o.client !== from) return Status.PERMISSION_DENIED;
    this.sendTo(from, { type: MsgType.DATA, seq: m.seq, peer: m.peer, attrs: { objid: id } });
    this.freeObject(o);
    return Status.OK;
  }

  private sendObj(to: number, m: UbusMessage, o: Obj): void {
    if (o.typeId === null || o.path === null) return;
    this.sendTo(to, {
      type: MsgType.DATA,
      seq: m.seq,
      peer: m.peer,
      attrs: { objpath: o.path, objid: o.id, objtype: o.typeId, signature: o.signature },
    });
  }

  private onLookup(from: number, m: UbusMessage): number {
    const sorted = [...this.objects.values()].filter((o) => o.path !== null)
      .sort((x, y) => (x.path! < y.path! ? -1 : x.path! > y.path! ? 1 : 0));
    const path = m.attrs.objpath;
    if (path === undefined) {
      for (const o of sorted) this.sendObj(from, m, o);
      return Status.OK;
    }
    if (path === "") return Status.INVALID_ARGUMENT;
    if (!path.endsWith("*")) {
      const o = sorted.find((x) => x.path === path);
      if (!o) return Status.NOT_FOUND;
      this.sendObj(from, m, o);
      return Status.OK;
    }
    const prefix = path.slice(0, -1);
    const hits = sorted.filter((o) => o.path!.startsWith(prefix));
    for (const o of hits) this.sendObj(from, m, o);
    return hits.length ? Status.OK : Status.NOT_FOUND;
  }

  private onInvoke(from: number, m: UbusMessage): number {
    const a = m.attrs;
    if (a.method === undefined || a.objid === undefined) return Status.INVALID_ARGUMENT;
    if (a.objid === UBUS_SYSTEM_OBJECT_EVENT) return this.onEventObject(from, a.method, a.data);
    const o = this.objects.get(a.objid);
    if (!o) return Status.NOT_FOUND;
    if (o.methods === null) {
      // ubusd_forward_invoke: OBJID, METHOD, USER, GROUP, DATA; peer becomes the caller
      const fwd: MessageAttrs = { objid: o.id, method: a.method, user: "root", group: "root" };
      if (a.data) fwd.data = a.data;
      this.sendTo(o.client, { type: MsgType.INVOKE, seq: m.seq, peer: from, attrs: fwd });
      return -1;
    }
    const status = this.dispatch(o, a.method, a.data, (table) => {
      this.sendTo(from, {
        type: MsgType.DATA,
        seq: m.seq,
        peer: o.id,
        attrs: { objid: o.id, data: table },
      });
    });
    // libubus-req.c ubus_complete_deferred_request: STATUS then OBJID; ubusd sets peer = objid
    this.sendTo(from, {
      type: MsgType.STATUS,
      seq: m.seq,
      peer: o.id,
      attrs: { status, objid: o.id },
    });
    return -1;
  }

  /** libubus-obj.c ubus_process_invoke for an in-process object. */
  private dispatch(
    o: Obj,
    method: string,
    data: BlobmsgField[] | undefined,
    send: (t: BlobmsgField[]) => void,
  ): number {
    const def = o.methods![method];
    if (!def) return Status.METHOD_NOT_FOUND;
    if (!data) return Status.INVALID_ARGUMENT;
    try {
      return def.handler(
        parsePolicy(data, def.policy),
        { reply: (t) => send(fieldsOf(t)), method },
        data,
      );
    } catch (e) {
      console.error("ubus double handler failed:", e);
      return Status.UNKNOWN_ERROR;
    }
  }

  private onEventObject(from: number, method: string, data: BlobmsgField[] | undefined): number {
    if (method === "register") {
      if (!data) return Status.INVALID_ARGUMENT;
      const p = parsePolicy(data, { pattern: BlobmsgType.STRING, object: BlobmsgType.INT32 });
      const id = u32(p, "object");
      let pattern = str(p, "pattern");
      if (id === undefined || pattern === undefined) return Status.INVALID_ARGUMENT;
      if (id < UBUS_SYSTEM_OBJECT_MAX) return Status.PERMISSION_DENIED;
      const o = this.objects.get(id);
      if (!o) return Status.NOT_FOUND;
      if (o.client !== from) return Status.PERMISSION_DENIED;
      if (pattern.length === 0) return Status.PERMISSION_DENIED;
      const partial = pattern.endsWith("*");
      if (partial) pattern = pattern.slice(0, -1);
      this.patterns.push({ pattern, partial, obj: id });
      return Status.OK;
    }
    if (method === "send") {
      if (!data) return Status.INVALID_ARGUMENT;
      const p = parsePolicy(data, { id: BlobmsgType.STRING, data: BlobmsgType.TABLE });
      const id = str(p, "id");
      const d = p["data"];
      if (id === undefined || !d) return Status.INVALID_ARGUMENT;
      if (id.startsWith("ubus.")) return Status.PERMISSION_DENIED;
      this.sendEvent(from, id, d.value as BlobmsgField[]);
      return Status.OK;
    }
    return Status.INVALID_COMMAND;
  }

  /** Deliver event `id` to matching listeners, never back to the sender (ubusd_event.c:114). */
  sendEvent(from: number | null, id: string, data: BlobmsgField[]): void {
    this.eventLog.push({ id, data });
    const seen = new Set<number>();
    for (const p of this.patterns) {
      if (!(p.partial ? id.startsWith(p.pattern) : id === p.pattern)) continue;
      const o = this.objects.get(p.obj);
      if (!o || o.client === from || seen.has(o.id)) continue;
      seen.add(o.id);
      this.eventSeq = (this.eventSeq + 1) & 0xffff;
      this.sendTo(o.client, {
        type: MsgType.INVOKE,
        seq: this.eventSeq,
        peer: 0,
        attrs: { objid: o.id, method: id, data },
      });
    }
  }

  private onResponse(from: number, m: UbusMessage): void {
    const a = m.attrs;
    if (a.objid === undefined) return;
    if (m.type === MsgType.STATUS && a.status === undefined) return;
    if (m.type === MsgType.DATA && a.data === undefined) return;
    const o = this.objects.get(a.objid);
    if (!o || o.client !== from || !this.clients.has(m.peer)) return;
    this.sendTo(m.peer, { ...m, peer: a.objid });
  }

  private onSubscribe(from: number, m: UbusMessage, add: boolean): number {
    const a = m.attrs;
    if (a.objid === undefined || a.target === undefined) return Status.INVALID_ARGUMENT;
    const o = this.objects.get(a.objid);
    if (!o) return Status.NOT_FOUND;
    if (o.client !== from) return Status.INVALID_ARGUMENT;
    const t = this.objects.get(a.target);
    if (add) {
      if (!t || RESERVED.has(t.id)) return Status.NOT_FOUND;
      if (t.client === from) return Status.INVALID_ARGUMENT;
      const first = t.subscribers.size === 0;
      t.subscribers.add(o.id);
      if (first) this.notifySubscription(t);
      return Status.OK;
    }
    if (!t || !t.subscribers.has(o.id)) return Status.NOT_FOUND;
    this.unsubscribe(o, t);
    return Status.OK;
  }

  private onNotify(from: number, m: UbusMessage): number {
    const a = m.attrs;
    if (a.method === undefined || a.objid === undefined) return Status.INVALID_ARGUMENT;
    const o = this.objects.get(a.objid);
    if (!o) return Status.NOT_FOUND;
    if (o.client !== from) return Status.PERMISSION_DENIED;
    if (!a.noReply) {
      this.sendTo(from, {
        type: MsgType.STATUS,
        seq: m.seq,
        peer: m.peer,
        attrs: { objid: o.id, subscribers: [...o.subscribers], status: 0 },
      });
    }
    this.fanOut(o, from, m.seq, a.method, a.data, a.noReply === true);
    return -1;
  }

  private fanOut(
    o: Obj,
    from: number,
    seq: number,
    method: string,
    data: BlobmsgField[] | undefined,
    noReply: boolean,
  ): void {
    for (const s of o.subscribers) {
      const sub = this.objects.get(s);
      if (!sub) continue;
      const attrs: MessageAttrs = {};
      if (noReply) attrs.noReply = true;
      Object.assign(attrs, { objid: s, method, user: "root", group: "root" });
      if (data) attrs.data = data;
      this.sendTo(sub.client, { type: MsgType.INVOKE, seq, peer: from, attrs });
    }
  }

  /**
   * ubus_lookup_id + ubus_invoke from in-process client `from`, reply ignored (rpcd's
   * config.change to procd). False when no object has that path.
   */
  invokeFrom(
    from: number,
    path: string,
    method: string,
    data: { readonly [key: string]: BlobmsgValue },
  ): boolean {
    const id = this.findPath(path);
    const o = id === undefined ? undefined : this.objects.get(id);
    if (!o) return false;
    const fields = fieldsOf(data);
    if (o.methods !== null) {
      this.dispatch(o, method, fields, () => {});
      return true;
    }
    this.eventSeq = (this.eventSeq + 1) & 0xffff;
    this.sendTo(o.client, {
      type: MsgType.INVOKE,
      seq: this.eventSeq,
      peer: from,
      attrs: { objid: o.id, method, user: "root", group: "root", data: fields },
    });
    return true;
  }

  /** ubus_notify(..., timeout -1) from an in-process object: fire and forget. */
  notify(objId: number, method: string, data: { readonly [key: string]: BlobmsgValue }): void {
    const o = this.objects.get(objId);
    if (!o) return;
    this.notifySeq = (this.notifySeq + 1) & 0xffff;
    this.fanOut(o, o.client, this.notifySeq, method, fieldsOf(data), true);
  }
}
