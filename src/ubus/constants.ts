// Wire constants of ubus and libubox. Sources (read for facts only):
//   ubus@3cc98db:ubusmsg.h, ubus@3cc98db:CMakeLists.txt,
//   libubox@1aa36ee:blob.h, libubox@1aa36ee:blobmsg.h.

/** Default ubusd socket path (ubus@3cc98db:CMakeLists.txt:17). */
export const UBUS_DEFAULT_SOCKET = "/var/run/ubus/ubus.sock";
/** Largest message ubusd accepts, header included (ubus@3cc98db:CMakeLists.txt:18). */
export const UBUS_MAX_MSGLEN = 1048576;
/** Size of `struct ubus_msghdr` (ubusmsg.h): u8 version, u8 type, be16 seq, be32 peer. */
export const UBUS_MSGHDR_LEN = 8;
/** The only message version ubusd speaks (ubusd_proto.c `ubus_msg_init`). */
export const UBUS_MSG_VERSION = 0;

/** Reserved object ids (ubusmsg.h `UBUS_SYSTEM_OBJECT_*`). */
export const UBUS_SYSTEM_OBJECT_EVENT = 1;
export const UBUS_SYSTEM_OBJECT_ACL = 2;
export const UBUS_SYSTEM_OBJECT_MONITOR = 3;
export const UBUS_SYSTEM_OBJECT_MAX = 1024;

/** Message types (ubusmsg.h `enum ubus_msg_type`). */
export const MsgType = {
  HELLO: 0,
  STATUS: 1,
  DATA: 2,
  PING: 3,
  LOOKUP: 4,
  INVOKE: 5,
  ADD_OBJECT: 6,
  REMOVE_OBJECT: 7,
  SUBSCRIBE: 8,
  UNSUBSCRIBE: 9,
  NOTIFY: 10,
  MONITOR: 11,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];
export const MSG_TYPE_LAST = 12;

/** Message attribute ids (ubusmsg.h `enum ubus_msg_attr`); plain blob attributes, not blobmsg. */
export const MsgAttr = {
  UNSPEC: 0,
  STATUS: 1,
  OBJPATH: 2,
  OBJID: 3,
  METHOD: 4,
  OBJTYPE: 5,
  SIGNATURE: 6,
  DATA: 7,
  TARGET: 8,
  ACTIVE: 9,
  NO_REPLY: 10,
  SUBSCRIBERS: 11,
  USER: 12,
  GROUP: 13,
} as const;
export type MsgAttr = (typeof MsgAttr)[keyof typeof MsgAttr];

/** Status codes (ubusmsg.h `enum ubus_msg_status`). */
export const Status = {
  OK: 0,
  INVALID_COMMAND: 1,
  INVALID_ARGUMENT: 2,
  METHOD_NOT_FOUND: 3,
  NOT_FOUND: 4,
  NO_DATA: 5,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
  NOT_SUPPORTED: 8,
  UNKNOWN_ERROR: 9,
  CONNECTION_FAILED: 10,
  NO_MEMORY: 11,
  PARSE_ERROR: 12,
  SYSTEM_ERROR: 13,
} as const;
export type StatusName = keyof typeof Status;

/** blob_attr header bits (libubox blob.h `BLOB_ATTR_*`). */
export const BLOB_ATTR_EXTENDED = 0x80000000;
export const BLOB_ATTR_ID_MASK = 0x7f000000;
export const BLOB_ATTR_ID_SHIFT = 24;
export const BLOB_ATTR_LEN_MASK = 0x00ffffff;
export const BLOB_ATTR_ALIGN = 4;
export const BLOB_ATTR_HDR_LEN = 4;

/** blobmsg types (libubox blobmsg.h `enum blobmsg_type`); BOOL is INT8. */
export const BlobmsgType = {
  UNSPEC: 0,
  ARRAY: 1,
  TABLE: 2,
  STRING: 3,
  INT64: 4,
  INT32: 5,
  INT16: 6,
  INT8: 7,
  DOUBLE: 8,
} as const;
export type BlobmsgType = (typeof BlobmsgType)[keyof typeof BlobmsgType];
export const BLOBMSG_TYPE_BOOL = BlobmsgType.INT8;
export const BLOBMSG_TYPE_LAST = BlobmsgType.DOUBLE;
