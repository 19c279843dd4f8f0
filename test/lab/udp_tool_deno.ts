/**
 * Tiny UDP helper run inside lab namespaces.
 *   echo IP:PORT…                   reply to every datagram with "IP:PORT" of its sender (as seen);
 *                                   one socket per address, so replies leave from the address asked
 *   probe FROMPORT TIMEOUTMS HOST:PORT…  send from one local port to each target, print JSON
 *                                   {target: reply or null}
 */

const enc = new TextEncoder(), dec = new TextDecoder();

async function echo(binds: string[]): Promise<void> {
  await Promise.all(binds.map(async (bind) => {
    const i = bind.lastIndexOf(":");
    const sock = Deno.listenDatagram({
      transport: "udp",
      hostname: bind.slice(0, i),
      port: Number(bind.slice(i + 1)),
    });
    for await (const [, addr] of sock) {
      const a = addr as Deno.NetAddr;
      await sock.send(enc.encode(`${a.hostname}:${a.port}`), a).catch(() => 0);
    }
  }));
}

async function probe(fromPort: number, timeoutMs: number, targets: string[]): Promise<void> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: fromPort });
  const result: Record<string, string | null> = Object.fromEntries(targets.map((t) => [t, null]));
  const addrs = targets.map((t) => {
    const i = t.lastIndexOf(":");
    return { transport: "udp" as const, hostname: t.slice(0, i), port: Number(t.slice(i + 1)) };
  });
  const deadline = Date.now() + timeoutMs;
  let done = false;
  const reader = (async () => {
    while (!done) {
      const [data, from] = await sock.receive().catch(() => [null, null] as const);
      if (data === null || from === null) return;
      const f = from as Deno.NetAddr;
      result[`${f.hostname}:${f.port}`] = dec.decode(data);
      if (Object.values(result).every((v) => v !== null)) return;
    }
  })();
  // Resend a few times: the first datagram may race the echo server's start-up.
  for (let round = 0; round < 10 && Date.now() < deadline; round++) {
    for (const [i, a] of addrs.entries()) {
      if (result[targets[i]!] === null) await sock.send(enc.encode("probe"), a).catch(() => 0);
    }
    if (Object.values(result).every((v) => v !== null)) break;
    await Promise.race([
      reader,
      new Promise((r) => setTimeout(r, Math.min(300, Math.max(0, deadline - Date.now())))),
    ]);
  }
  done = true;
  sock.close();
  await reader;
  console.log(JSON.stringify(result));
}

if (import.meta.main) {
  const [mode, ...rest] = Deno.args;
  if (mode === "echo") await echo(rest);
  else if (mode === "probe") await probe(Number(rest[0]), Number(rest[1]), rest.slice(2));
  else {
    console.error("Usage: udp_tool_deno.ts echo IP:PORT… | probe FROMPORT TIMEOUTMS HOST:PORT…");
    Deno.exit(2);
  }
}
