export * from "./constants.ts";
export { type BlobAttr, blobHeader, blobPad, parseBlobAttrs, writeBlob } from "./blob.ts";
export {
  blobmsg,
  type BlobmsgField,
  type BlobmsgJson,
  type BlobmsgValue,
  decodeFields,
  decodeTable,
  encodeFields,
  encodeTable,
  fieldsOf,
  fieldsToObject,
  fieldToJson,
  toField,
  Typed,
} from "./blobmsg.ts";
export {
  decodeMessage,
  encodeMessage,
  type MessageAttrs,
  messageLength,
  type Signature,
  type UbusMessage,
} from "./message.ts";
export { UbusDeframer } from "./deframer.ts";
export { statusName, UbusError, ubusError } from "./errors.ts";
export {
  DEFAULT_TIMEOUT_MS,
  UbusClientCore,
  type UbusEventHandler,
  type UbusObjectInfo,
} from "./client.ts";
export {
  addObjectAttrs,
  answerInvoke,
  applyPolicy,
  signatureOf,
  type UbusCallInfo,
  type UbusMethod,
  type UbusMethods,
  type UbusPolicy,
  type UbusReply,
  UbusStatusError,
} from "./object.ts";
export {
  type CallOptions,
  UbusClient,
  type UbusClientOptions,
  type UbusServedObject,
} from "./ubus_client_deno.ts";
