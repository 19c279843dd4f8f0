import { flagBool, flagString, parseArgs } from "../lib/args.ts";
import { errorMessage, UsageError } from "../lib/errors.ts";
import { linuxPlatform } from "../platform/linux/mod.ts";
import type { Platform } from "../platform/types.ts";
import { VERSION } from "../version.ts";
import { ControlServer } from "./control_server_deno.ts";
import { Daemon } from "./daemon.ts";
import { startHeapGc } from "./heap_gc.ts";
import { makeDispatch } from "./handlers.ts";
import { NetcheckService } from "./netcheck_service.ts";
import { netcheckHandler } from "./netcheck_handler.ts";
import { WebServer } from "./web_server_deno.ts";
import { LanAssistService } from "./lan_assist_service.ts";
import { PeeringService } from "./peering/mod.ts";
import { RelayService } from "./relay_service.ts";

export const PUNCHD_HELP = `punchd ${VERSION} — Punch daemon: direct WireGuard between homes

Usage: punchd [--platform openwrt|linux] [--root DIR] [--socket PATH]

Keeps the WireGuard interface named in /etc/config/punch (default wg0) in step with the UCI
network config, creating it on first start (new key, listen port, tunnel address); admits its
listen port on WAN and puts it in its own firewall zone with forwarding to and from lan; finds
the public endpoint and NAT type (STUN, re-checked on WAN changes); pairs with other routers
(invites, signed peer cards pushed when the WAN address changes, control port 51821); relays
WireGuard between members that cannot reach each other (UDP 51830-51893, kernel forwarding;
option relay '0' refuses); keeps pinholes for LAN hosts that run WireGuard; serves the web UI on the LAN address (port 8451) and
answers punchctl on a control socket (mode 0600, token in <socket>.token).

Options:
  --platform P   openwrt (default where /etc/openwrt_release exists) or linux
  --root DIR     prefix for every path punchd reads or writes (several routers on one machine)
  --socket PATH  control socket (default DIR/var/run/punch/punchd.sock)
  --help         show this text
  --version      print the version

Signals: SIGHUP re-reads the config now; SIGTERM stops. Private keys stay in 0600 files and are
never logged.`;

const FLAGS = {
  platform: { type: "string" },
  root: { type: "string" },
  socket: { type: "string" },
  help: { type: "boolean" },
  version: { type: "boolean" },
} as const;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function choosePlatform(name: string | undefined, root: string): Promise<Platform> {
  const chosen = name ?? ((await exists("/etc/openwrt_release")) ? "openwrt" : "linux");
  if (chosen === "linux") return linuxPlatform(root);
  if (chosen === "openwrt") {
    const { openwrtPlatform } = await import("../platform/openwrt/mod.ts");
    return await openwrtPlatform(root);
  }
  throw new UsageError(`Unknown platform "${chosen}": use openwrt or linux`);
}

/** punchd entry point; returns the exit code. */
export async function punchdMain(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, FLAGS);
  } catch (e) {
    console.error(`punchd: ${errorMessage(e)}`);
    return 2;
  }
  if (flagBool(args, "help")) return (console.log(PUNCHD_HELP), 0);
  if (flagBool(args, "version")) return (console.log(`punchd ${VERSION}`), 0);
  const root = (flagString(args, "root") ?? "").replace(/\/+$/, "");
  const socket = flagString(args, "socket") ?? `${root}/var/run/punch/punchd.sock`;
  const log = (m: string) => console.error(`punchd: ${m}`);
  let platform: Platform;
  try {
    platform = await choosePlatform(flagString(args, "platform"), root);
  } catch (e) {
    console.error(`punchd: ${errorMessage(e)}`);
    return 2;
  }
  const daemon = new Daemon({ platform, log });
  const netcheck = new NetcheckService(daemon);
  daemon.addStatus("netcheck", () => netcheck.report);
  const lan = new LanAssistService(daemon, netcheck);
  daemon.addStatus("lanHosts", () => lan.list());
  daemon.addStatus("memory", () => Deno.memoryUsage());
  const peering = new PeeringService(daemon, netcheck);
  peering.setLanBridge({
    endpoints: () => lan.publicEndpoints(),
    remotes: (l) => lan.setCardRemotes(l),
  });
  lan.onHostsChanged = () => peering.lanHostsChanged();
  daemon.onPeerRemoved((key) => peering.forget(key));
  const dispatch = makeDispatch(daemon, [
    netcheckHandler(netcheck),
    ...lan.handlers(),
    ...peering.handlers(),
  ]);
  const server = new ControlServer(socket, dispatch);
  const web = new WebServer(daemon, dispatch);
  try {
    await daemon.setup();
    await daemon.reconcile();
    await server.start();
  } catch (e) {
    console.error(`punchd: cannot start: ${errorMessage(e)}`);
    await server.close();
    return 1;
  }
  daemon.start();
  await netcheck.start();
  await lan.start();
  await peering.start();
  const relay = new RelayService(daemon, peering, netcheck);
  await relay.start();
  await web.start();
  const heapGc = startHeapGc();
  log(`ready on ${socket} (platform ${platform.name})`);
  const stop = Promise.withResolvers<void>();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => stop.resolve());
  }
  await stop.promise;
  log("stopping");
  heapGc?.stop();
  await server.close();
  await web.stop();
  lan.stop();
  await relay.stop();
  await peering.stop();
  await netcheck.stop();
  await daemon.stop();
  await platform.close();
  return 0;
}

if (import.meta.main) Deno.exit(await punchdMain(Deno.args));
