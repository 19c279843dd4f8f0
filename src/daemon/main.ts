import { flagBool, flagString, parseArgs } from "../lib/args.ts";
import { errorMessage, UsageError } from "../lib/errors.ts";
import { FileConfigBackend } from "../platform/linux/config_files.ts";
import { linuxPlatform } from "../platform/linux/mod.ts";
import { PUNCH_DEFAULT_FILE } from "../uci/punch_default.ts";
import type { Platform } from "../platform/types.ts";
import { VERSION } from "../version.ts";
import { ControlServer } from "./control_server_deno.ts";
import { Daemon } from "./daemon.ts";
import { startHeapGc } from "./heap_gc.ts";
import { changedSince, restartOnlySettings, restartWarning } from "./restart_settings.ts";
import { makeDispatch } from "./handlers.ts";
import { NetcheckService } from "./netcheck_service.ts";
import { netcheckHandler } from "./netcheck_handler.ts";
import { WebServer } from "./web_server_deno.ts";
import { webTicketHandler } from "./web_ticket.ts";
import { dnsHostsPaths, DnsHostsService } from "./dns_hosts_service.ts";
import { TicketStore } from "../../web/sso_tickets.ts";
import { LanAssistService } from "./lan_assist_service.ts";
import { PeeringService } from "./peering/mod.ts";
import { killChildren, removeExecLeftovers } from "../platform/exec_deno.ts";
import { removeTempLeftovers } from "../platform/atomic_file_deno.ts";

/** After SIGTERM, punchd is gone this soon whatever it was doing (a clean stop is tried first). */
export const STOP_DEADLINE_MS = 1500;
import { RelayService } from "./relay_service.ts";

export const PUNCHD_HELP = `punchd ${VERSION} — Punch daemon: direct WireGuard between homes

Usage: punchd [--platform openwrt|linux] [--root DIR] [--socket PATH]

Keeps the WireGuard interface named in /etc/config/punch (default wg0) in step with the UCI
network config, creating it on first start (new key, listen port, tunnel address); admits its
listen port on WAN and puts it in its own firewall zone with forwarding to and from lan; finds
the public endpoint and NAT type (STUN, re-checked on WAN changes); pairs with other routers
(invites, signed peer cards pushed when the WAN address changes, control port 51821); relays
WireGuard between members that cannot reach each other (UDP 51830-51893, kernel forwarding;
option relay '0' refuses); keeps
pinholes for LAN hosts that run WireGuard; serves the web UI on the LAN address (port 8451) and
answers punchctl on a control socket (mode 0600, token in <socket>.token); keeps peer names for
dnsmasq (NAME.punch; /tmp/hosts/punch on OpenWrt, DIR/var/run/punch/hosts on linux; SIGHUP to
dnsmasq on change). On OpenWrt it also adds the ubus object "punch" (ubus -v list punch; ubus
call punch status).

Options:
  --platform P   openwrt (default where /etc/openwrt_release exists) or linux
  --root DIR     prefix for every path punchd reads or writes (several routers on one machine)
  --socket PATH  control socket (default DIR/var/run/punch/punchd.sock)
  --help         show this text
  --version      print the version

Settings: /etc/config/punch (every option in docs/config.md); on --platform linux a missing
file is written with the defaults, commented.

Signals: SIGHUP applies the WireGuard, firewall and LAN-host config now (ports, web UI and
peering settings are read at start: restart for those); SIGTERM stops (within 2 s, whatever it
is doing). Private keys stay in 0600 files and are never logged.

Routes from peers: a paired router's card may route only private subnets (10/8, 172.16/12,
192.168/16, 100.64/10, fc00::/7) into the tunnel, never a default route and never a prefix
this router reaches already (WAN, LAN, connected routes, the way to the peer); refused subnets
are logged once and listed with the peer in punchctl status. Endpoint names are resolved by
punchd with a 2 s timeout; a name that does not resolve holds up only its own peer.`;

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
  // Listen before anything can block: SIGTERM stops punchd in every state, at the latest after
  // STOP_DEADLINE_MS (children killed, none outlives it), even while a call hangs.
  const stop = Promise.withResolvers<void>();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => {
      stop.resolve();
      setTimeout(() => {
        console.error("punchd: stopped without waiting for the rest (deadline)");
        killChildren();
        Deno.exit(0);
      }, STOP_DEADLINE_MS);
    });
  }
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
  const dnsPaths = dnsHostsPaths(platform.name, root);
  // A crash between writing a temporary file and renaming it leaves the file (it may hold a key).
  const leftovers = [
    ...(await Promise.all(
      [
        ...new Set([
          `${root}/etc/config`,
          `${root}/etc/punch`,
          `${root}/var/run/punch`,
          socket.slice(0, socket.lastIndexOf("/")) || ".",
          `${root}/usr/share/nftables.d/ruleset-post`,
          dnsPaths.file.slice(0, dnsPaths.file.lastIndexOf("/")),
        ]),
      ].map(async (dir) => (await removeTempLeftovers(dir)).map((n) => `${dir}/${n}`)),
    )).flat(),
    ...(await removeExecLeftovers()),
  ];
  if (leftovers.length > 0) log(`removed leftovers of an interrupted run: ${leftovers.join(", ")}`);
  // Benchmarks only (scripts/bench firstcontact --naive): WireGuard's first contact left alone.
  const daemon = new Daemon({ platform, log, tieBreak: Deno.env.get("PUNCH_TIEBREAK") !== "off" });
  // procd's reload (config.change for punch/network, WAN interface events) sends SIGHUP; without
  // a listener Deno would die of it. Before start-up is done there is nothing to re-read yet.
  let running = false;
  let atStart: Record<string, string> = {};
  let waiting: string[] = [];
  daemon.addWarnings(() => restartWarning(waiting));
  const onHup = () => {
    if (!running) return;
    log("SIGHUP: re-reading the config");
    void daemon.reconcile();
    void lan.sync().catch(() => {});
    void platform.config.load("punch").then((p) => {
      waiting = changedSince(atStart, restartOnlySettings(p));
    }).catch(() => {});
  };
  Deno.addSignalListener("SIGHUP", onHup);
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
  // Single sign-on tickets from LuCI (ubus punch web_ticket): RAM only, 30 s, single use.
  const tickets = new TicketStore({
    now: Date.now,
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  });
  const dispatch = makeDispatch(daemon, [
    webTicketHandler(tickets, () => web.listen),
    netcheckHandler(netcheck),
    ...lan.handlers(),
    ...peering.handlers(),
  ]);
  const server = new ControlServer(socket, dispatch);
  const web = new WebServer(
    daemon,
    dispatch,
    socket.slice(0, socket.lastIndexOf("/")) || ".",
    tickets,
  );
  try {
    if (platform.config instanceof FileConfigBackend) {
      const made = await platform.config.createIfMissing("punch", PUNCH_DEFAULT_FILE);
      if (made) log(`wrote the default settings to ${platform.config.path("punch")}`);
    }
    await daemon.setup();
    atStart = restartOnlySettings(await platform.config.load("punch"));
    // The endpoints of the cards kept in RAM, before the first reconcile (errors: start says).
    await peering.prepare().catch(() => {});
    await daemon.reconcile();
    await server.start();
  } catch (e) {
    console.error(`punchd: cannot start: ${errorMessage(e)}`);
    Deno.removeSignalListener("SIGHUP", onHup);
    await server.close();
    return 1;
  }
  daemon.start();
  await netcheck.start();
  await lan.start();
  await peering.start();
  // Set only now: cards.list waits for peering's start, and status must not wait with it.
  const cardsList = peering.handlers().find((h) => h.name === "cards.list");
  lan.routers = async () =>
    ((await cardsList?.run(daemon, {})) as { name: string; self: boolean; seq: number }[] ?? [])
      .filter((c) => !c.self).map((c) => ({ name: c.name, cardReceived: c.seq > 0 }));
  const relay = new RelayService(daemon, peering, netcheck);
  await relay.start();
  await web.start();
  // Peer names for the router's dnsmasq (NAME.punch), in RAM.
  const dnsHosts = new DnsHostsService(daemon, dnsPaths, log);
  await dnsHosts.start();
  let ubusObject: { stop(): void } | null = null;
  if (platform.name === "openwrt") {
    const { UbusService } = await import("./ubus_service.ts");
    const { UBUS_SOCKET } = await import("../platform/openwrt/mod.ts");
    const svc = new UbusService(`${root}${UBUS_SOCKET}`, dispatch, log);
    await svc.start();
    ubusObject = svc;
  }
  const heapGc = startHeapGc();
  running = true;
  log(`ready on ${socket} (platform ${platform.name})`);
  await stop.promise;
  log("stopping");
  running = false;
  heapGc?.stop();
  ubusObject?.stop();
  await dnsHosts.stop();
  await server.close();
  await web.stop();
  lan.stop();
  await relay.stop();
  await peering.stop();
  await netcheck.stop();
  await daemon.stop();
  await platform.close();
  Deno.removeSignalListener("SIGHUP", onHup);
  killChildren();
  return 0;
}

if (import.meta.main) Deno.exit(await punchdMain(Deno.args));
