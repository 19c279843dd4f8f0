import { expect, test } from "vitest";
import { resolveName } from "../../src/platform/dns_deno.ts";

test("a resolver that never answers gives an error after the timeout, never a hang", async () => {
  // A local socket that takes the queries and drops them (no traffic leaves the machine).
  const sink = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (sink.addr as Deno.NetAddr).port;
  try {
    const r = await resolveName("stuck.example", 300, { ipAddr: "127.0.0.1", port });
    expect(r).toEqual({ error: "no answer from the DNS resolver within 300 ms" });
  } finally {
    sink.close();
  }
});
