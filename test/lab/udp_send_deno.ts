/**
 * Send datagrams from inside a lab namespace: `udp_send_deno.ts HOST:PORT BASE64…` sends each
 * payload once (used to throw forged and replayed cards at a router's control port).
 */
import { fromBase64 } from "../../src/lib/base64.ts";

const [target, ...payloads] = Deno.args;
const i = target?.lastIndexOf(":") ?? -1;
if (target === undefined || i < 0) {
  console.error("usage: udp_send_deno.ts HOST:PORT BASE64…");
  Deno.exit(2);
}
const sock = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
for (const p of payloads) {
  await sock.send(fromBase64(p), {
    transport: "udp",
    hostname: target.slice(0, i),
    port: Number(target.slice(i + 1)),
  });
}
sock.close();
