// Typed ubus status errors. Codes: ubus@3cc98db:ubusmsg.h `enum ubus_msg_status`.
import { Status, type StatusName } from "./constants.ts";

const NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k])) as Record<
  number,
  StatusName
>;

/** Symbolic name of a status code, e.g. 4 → "NOT_FOUND"; "UNKNOWN_ERROR" for codes ubus lacks. */
export function statusName(code: number): StatusName {
  return NAMES[code] ?? "UNKNOWN_ERROR";
}

/** A non-zero ubus status (or a local failure mapped onto one: TIMEOUT, CONNECTION_FAILED). */
export class UbusError extends Error {
  override name = "UbusError";
  /** Numeric status, e.g. 6. */
  readonly code: number;
  /** Symbolic status, e.g. "PERMISSION_DENIED". */
  readonly status: StatusName;
  constructor(code: number, what: string, hint?: string) {
    const status = statusName(code);
    super(`${what} failed: ${status} (${code})${hint ? `; ${hint}` : ""}`);
    this.code = code;
    this.status = status;
  }
}

const HINTS: Partial<Record<StatusName, string>> = {
  NOT_FOUND: "check the object path with `ubus list`",
  METHOD_NOT_FOUND: "check the method name with `ubus -v list <object>`",
  INVALID_ARGUMENT: "check the argument names and types against the method signature",
  PERMISSION_DENIED: "the session or ACL does not allow this call",
  TIMEOUT: "the object did not answer in time; retry or raise the timeout",
  CONNECTION_FAILED: "is ubusd running and the socket path right?",
};

/** A UbusError with the object's own message when it sent one, else a hint fitting its status. */
export function ubusError(code: number, what: string, detail?: string): UbusError {
  return new UbusError(code, what, detail ?? HINTS[statusName(code)]);
}
