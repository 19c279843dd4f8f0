// Serving an object on the bus, sans I/O, as libubus does it (ubus@3cc98db):
// ADD_OBJECT {OBJPATH, SIGNATURE} answers DATA {OBJID, OBJTYPE} (ubusd_proto.c:150);
// ubusd forwards a call as INVOKE {OBJID, METHOD, USER, GROUP, DATA} with peer = the caller
// (ubusd_proto.c ubusd_forward_invoke); libubus-obj.c ubus_process_invoke answers
// METHOD_NOT_FOUND for an unknown method and INVALID_ARGUMENT without DATA, otherwise runs
// the handler; replies are DATA {OBJID, DATA} (libubus-req.c ubus_send_reply) then STATUS
// {STATUS, OBJID} (ubus_complete_deferred_request), both with the INVOKE's seq and peer.
// Notifications are NOTIFY {OBJID, METHOD, DATA, NO_REPLY} (libubus-obj.c ubus_notify);
// ubusd tells the owner whether anyone subscribes with NOTIFY {OBJID, ACTIVE}.
import {
  type BlobmsgField,
  type BlobmsgJson,
  type BlobmsgValue,
  fieldsOf,
  fieldToJson,
} from "./blobmsg.ts";
import { BlobmsgType, MsgType, Status } from "./constants.ts";
import type { MessageAttrs, Signature, UbusMessage } from "./message.ts";

/** Argument name → blobmsg type (BlobmsgType.UNSPEC accepts any type). */
export type UbusPolicy = Record<string, BlobmsgType>;

/** Who called (ubusd adds the caller's user and group). */
export interface UbusCallInfo {
  method: string;
  user?: string;
  group?: string;
}

/** What a method handler may return: a reply table, or nothing (no DATA, just OK). */
export type UbusReply = { readonly [key: string]: BlobmsgValue } | undefined | void;

/** One method of a served object. */
export interface UbusMethod {
  /** Arguments the method takes; also the LOOKUP signature (`ubus -v list`). */
  policy: UbusPolicy;
  /**
   * Runs with the arguments that passed the policy (blobmsg_parse: a member of another
   * name or type is dropped). Throw `UbusStatusError` for a status other than
   * UNKNOWN_ERROR; any error's message goes back as `{error: message}` before the status.
   */
  handler(
    args: { [key: string]: BlobmsgJson },
    call: UbusCallInfo,
  ): UbusReply | Promise<UbusReply>;
}

/** Methods of a served object by name. */
export type UbusMethods = Record<string, UbusMethod>;

/** A handler failure with a ubus status (INVALID_ARGUMENT, NOT_FOUND, ...) and a message. */
export class UbusStatusError extends Error {
  override name = "UbusStatusError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** The signature ADD_OBJECT announces: method → {argument: blobmsg type}. */
export function signatureOf(methods: UbusMethods): Signature {
  const sig: Signature = {};
  for (const [m, d] of Object.entries(methods)) sig[m] = { ...d.policy };
  return sig;
}

/** blobmsg_parse (libubox blobmsg.c:166): keep members whose name and type match the policy. */
export function applyPolicy(
  fields: readonly BlobmsgField[],
  policy: UbusPolicy,
): { [key: string]: BlobmsgJson } {
  const out: { [key: string]: BlobmsgJson } = {};
  for (const f of fields) {
    const want = policy[f.name];
    if (want === undefined) continue;
    if (want !== BlobmsgType.UNSPEC && f.type !== want) continue;
    out[f.name] = fieldToJson(f);
  }
  return out;
}

function status(m: UbusMessage, objid: number, code: number): UbusMessage {
  return { type: MsgType.STATUS, seq: m.seq, peer: m.peer, attrs: { status: code, objid } };
}

function data(m: UbusMessage, objid: number, fields: BlobmsgField[]): UbusMessage {
  return { type: MsgType.DATA, seq: m.seq, peer: m.peer, attrs: { objid, data: fields } };
}

/**
 * Answer one INVOKE for a served object: the messages to send back (none when the call
 * carried NO_REPLY). Never rejects.
 */
export async function answerInvoke(
  methods: UbusMethods,
  m: UbusMessage,
): Promise<UbusMessage[]> {
  const objid = m.attrs.objid!;
  const method = m.attrs.method;
  const quiet = m.attrs.noReply === true;
  const def = method === undefined
    ? undefined
    : Object.hasOwn(methods, method)
    ? methods[method]
    : undefined;
  if (method === undefined) return quiet ? [] : [status(m, objid, Status.INVALID_ARGUMENT)];
  if (!def) return quiet ? [] : [status(m, objid, Status.METHOD_NOT_FOUND)];
  if (!m.attrs.data) return quiet ? [] : [status(m, objid, Status.INVALID_ARGUMENT)];
  const call: UbusCallInfo = {
    method,
    ...(m.attrs.user !== undefined ? { user: m.attrs.user } : {}),
    ...(m.attrs.group !== undefined ? { group: m.attrs.group } : {}),
  };
  let out: UbusMessage[];
  try {
    const reply = await def.handler(applyPolicy(m.attrs.data, def.policy), call);
    out = reply ? [data(m, objid, fieldsOf(reply))] : [];
    out.push(status(m, objid, Status.OK));
  } catch (e) {
    const code = e instanceof UbusStatusError ? e.code : Status.UNKNOWN_ERROR;
    out = failure(m, code, e instanceof Error ? e.message : String(e));
  }
  return quiet ? [] : out;
}

/** The answer to INVOKE `m` for a failed call: `{error: message}`, then the status. */
export function failure(m: UbusMessage, code: number, message: string): UbusMessage[] {
  const objid = m.attrs.objid!;
  return [data(m, objid, fieldsOf({ error: message })), status(m, objid, code)];
}

/** ADD_OBJECT attributes for a named object with these methods. */
export function addObjectAttrs(path: string, methods: UbusMethods): MessageAttrs {
  return { objpath: path, signature: signatureOf(methods) };
}

/** NOTIFY without reply (ubus_notify with timeout < 0): `type` and its data to subscribers. */
export function notifyMessage(
  objid: number,
  seq: number,
  type: string,
  msg: { readonly [key: string]: BlobmsgValue },
): UbusMessage {
  return {
    type: MsgType.NOTIFY,
    seq,
    peer: objid,
    attrs: { objid, method: type, noReply: true, data: fieldsOf(msg) },
  };
}
