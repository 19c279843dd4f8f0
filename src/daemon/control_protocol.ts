/**
 * punchd control protocol: newline-delimited JSON over a Unix socket.
 * The first request on a connection must be `{"id":0,"method":"auth","params":{"token":"…"}}`
 * with the token from `<socket>.token`; anything else is answered with an error and the
 * connection is closed.
 */

export interface ControlRequest {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

export type ControlResponse =
  | { id: number; result: unknown }
  | { id: number; error: { message: string } };

/** Longest accepted request line; a control request is small. */
export const MAX_LINE_BYTES = 64 * 1024;
/**
 * Largest answer a client reads: answers come from punchd itself, and `status` with hundreds of
 * peers and LAN hosts is far beyond a request's limit (200 LAN hosts and 100 peers: ~100 KB).
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export const AUTH_METHOD = "auth";

/** Parse one request line; throws `SyntaxError` with a message fit for the client. */
export function parseRequest(line: string): ControlRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new SyntaxError("Cannot parse request: not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new SyntaxError("Cannot parse request: not an object");
  }
  const o = v as Record<string, unknown>;
  if (typeof o.id !== "number" || !Number.isInteger(o.id)) {
    throw new SyntaxError('Cannot parse request: "id" must be an integer');
  }
  if (typeof o.method !== "string" || !/^[a-z][a-z.]{0,40}$/.test(o.method)) {
    throw new SyntaxError('Cannot parse request: "method" must be a method name');
  }
  if (
    o.params !== undefined &&
    (typeof o.params !== "object" || o.params === null || Array.isArray(o.params))
  ) {
    throw new SyntaxError('Cannot parse request: "params" must be an object');
  }
  return {
    id: o.id,
    method: o.method,
    ...(o.params ? { params: o.params as Record<string, unknown> } : {}),
  };
}

/** Splits a byte stream into lines; rejects lines longer than `MAX_LINE_BYTES`. */
export class LineSplitter {
  private buf = "";
  private readonly dec = new TextDecoder();
  constructor(private readonly max = MAX_LINE_BYTES, private readonly what = "Request line") {}
  push(chunk: Uint8Array): string[] {
    this.buf += this.dec.decode(chunk, { stream: true });
    const parts = this.buf.split("\n");
    this.buf = parts.pop() ?? "";
    // a whole line can arrive in one chunk, so complete lines are measured too
    if (this.buf.length > this.max || parts.some((l) => l.length > this.max)) {
      throw new RangeError(`${this.what} too long`);
    }
    return parts.filter((l) => l.trim().length > 0);
  }

  /** True while part of a line has arrived without its newline. */
  get pending(): boolean {
    return this.buf.length > 0;
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
