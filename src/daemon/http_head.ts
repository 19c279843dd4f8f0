/** Sans-I/O: find and rewrite the head of one HTTP/1.x request (for the web UI's front guard). */

/** Header the front guard sets to the client's address; one a client sends is removed. */
export const PEER_HEADER = "x-punch-peer";

const HEADS_END = [13, 10, 13, 10];

/** Index just past the blank line that ends the head in `buf`, or -1 while it is incomplete. */
export function headEnd(buf: Uint8Array): number {
  outer: for (let i = 0; i + 4 <= buf.length; i++) {
    for (let j = 0; j < 4; j++) if (buf[i + j] !== HEADS_END[j]) continue outer;
    return i + 4;
  }
  return -1;
}

/**
 * The request head `head` (request line and header lines, ending in a blank line) with the
 * client's address in `PEER_HEADER` and `Connection: close` (one request per connection, so
 * every request's head passes the guard's timeout). Headers a client could use to spoof the
 * address or keep the connection open are dropped.
 */
export function rewriteHead(head: string, peer: string): string {
  const lines = head.split("\r\n").filter((l) => l !== "");
  const [first, ...rest] = lines;
  const drop = new Set([PEER_HEADER, "connection", "keep-alive"]);
  const kept = rest.filter((l) => !drop.has(l.slice(0, l.indexOf(":")).trim().toLowerCase()));
  return [first ?? "", ...kept, `${PEER_HEADER}: ${peer}`, "connection: close", "", ""].join(
    "\r\n",
  );
}
