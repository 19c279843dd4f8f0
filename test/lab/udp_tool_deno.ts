/**
 * Tiny UDP helper run inside lab namespaces.
 *   echo IP:PORT…                   reply to every datagram with "IP:PORT" of its sender (as seen);
 *                                   one socket per address, so replies leave from the address asked
 *   probe FROMPORT TIMEOUTMS HOST:PORT…  send from one local port to each target, print JSON
 *                                   {target: reply or null}
 * IPv6 is written "[addr]:port" (a bare "addr:port" is split at the last colon).
 */

const enc = new TextEncoder(), dec = new TextDecoder();

function split(t: string): { hostname: string; port: number } {
  const i = t.lastIndexOf(":");
  return { hostname: t.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(t.slice(i + 1)) };
}

function key(a: Deno.NetAddr): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

async function echo(binds: string[]): Promise<void> {
  await Promise.all(binds.map(async (bind) => {
    const sock = Deno.listenDatagram({ transport: "udp", ...split(bind) });
    for await (const [, addr] of sock) {
      const a = addr as Deno.NetAddr;
      await sock.send(enc.encode(key(a)), a).catch(() => 0);
    }
  }));
}

async function probe(fromPort: number, timeoutMs: number, targets: string[]): Promise<void> {
  const addrs = targets.map((t) => ({ transport: "udp" as const, ...split(t) }));
  const v6 = addrs.some((a) => a.hostname.includes(":"));
  const sock = Deno.listenDatagram({
    transport: "udp",
    hostname: v6 ? "::" : "0.0.0.0",
    port: fromPort,
  });
  const result: Record<string, string | null> = Object.fromEntries(targets.map((t) => [t, null]));
  const deadline = Date.now() + timeoutMs;
  let done = false;
  const reader = (async () => {
    while (!done) {
      const [data, from] = await sock.receive().catch(() => [null, null] as const);
      if (data === null || from === null) return;
      const f = from as Deno.NetAddr;
      const k = key(f), bare = `${f.hostname}:${f.port}`;
      result[k in result ? k : bare] = dec.decode(data);
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
