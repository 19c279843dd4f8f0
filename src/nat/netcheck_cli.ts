#!/usr/bin/env -S deno run -A --unstable-net
// Stand-alone netcheck for labs and debugging (punchd wires `punchctl netcheck` itself):
//   deno run -A --unstable-net src/nat/netcheck_cli.ts --server 203.0.113.3:3478 [--server ...]
//     [--wan 192.168.1.2] [--wan6 2001:db8::2/64] [--port 51820] [--timeout 2000] [--json]
//     [--lifetime 5000,30000,120000] [--no-trace] [--inbound-port6 51821]

import { errorMessage } from "../lib/errors.ts";
import { parsePort } from "../lib/net.ts";
import { type NetcheckOptions, runNetcheck } from "./netcheck_deno.ts";
import { formatNetcheck } from "./netcheck_report.ts";

function parseArgs(args: string[]): { opts: NetcheckOptions; json: boolean } {
  const opts: NetcheckOptions = { servers: [] };
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!, v = args[i + 1];
    const need = () => {
      if (v === undefined) throw new Error(`Option "${a}" needs a value`);
      i++;
      return v;
    };
    if (a === "--json") json = true;
    else if (a === "--server") opts.servers.push(need());
    else if (a === "--wan") opts.wanAddress = need();
    else if (a === "--wan6") (opts.wanV6 ??= []).push(need());
    else if (a === "--port") opts.localPort = parsePort(need(), "local port");
    else if (a === "--inbound-port6") opts.inboundPortV6 = parsePort(need(), "IPv6 inbound port");
    else if (a === "--timeout") opts.timeoutMs = Number(need());
    else if (a === "--lifetime") opts.lifetimeWaitsMs = need().split(",").map(Number);
    else if (a === "--no-trace") opts.tracePath = false;
    else throw new Error(`Unknown option "${a}": see the usage at the top of netcheck_cli.ts`);
  }
  if (opts.servers.length === 0) throw new Error("No STUN server given: pass --server HOST:PORT");
  return { opts, json };
}

try {
  const { opts, json } = parseArgs(Deno.args);
  const report = await runNetcheck(opts);
  console.log(json ? JSON.stringify(report, null, 2) : formatNetcheck(report));
} catch (e) {
  console.error(errorMessage(e));
  Deno.exit(2);
}
