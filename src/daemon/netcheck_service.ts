import type { NetcheckReport } from "../nat/netcheck_report.ts";
import { runNetcheck } from "../nat/netcheck_deno.ts";
import { startStunServer, type StunServerHandle } from "../stun/stun_server_deno.ts";
import { errorMessage } from "../lib/errors.ts";
import { VERSION } from "../version.ts";
import type { Daemon } from "./daemon.ts";
import type { Timer } from "../lib/timer.ts";
import { readPeeringOptions } from "./peering/peering_options.ts";

/** Re-check the router's situation this often even without a WAN change. */
export const NETCHECK_EVERY_MS = 30 * 60_000;
/** Marker in `list stun_server` meaning "no STUN servers" (the lab writes it when it has none). */
export const NO_STUN = "none";

/**
 * Keeps the latest netcheck report: at start, after every WAN change, every 30 minutes and on
 * request. Also runs punchd's own STUN server when `option stun_port` is set.
 */
export class NetcheckService {
  report: NetcheckReport | undefined;
  private running: Promise<NetcheckReport> | undefined;
  private timer: Timer | undefined;
  private stun: StunServerHandle | undefined;
  private listeners: ((r: NetcheckReport) => void)[] = [];

  constructor(private readonly d: Daemon) {}

  onReport(fn: (r: NetcheckReport) => void): void {
    this.listeners.push(fn);
  }

  /** Run a check now, or join the one already running. */
  check(): Promise<NetcheckReport> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<NetcheckReport> {
    const cfg = await this.d.punchConfig();
    const wan = await this.d.platform.system.wan();
    const servers = cfg.stunServers.filter((s) => s !== NO_STUN);
    const t0 = this.d.now();
    const report: NetcheckReport = servers.length === 0
      ? {
        checkedAt: t0,
        durationMs: 0,
        verdict: "unknown",
        advice:
          "No STUN servers are configured: add one with `list stun_server` in /etc/config/punch",
        mapping: "unknown",
        filtering: "unknown",
        ...(wan.address ? { wanAddress: wan.address } : {}),
        servers: [],
        notes: [],
      }
      : await runNetcheck({
        servers,
        ...(wan.address ? { wanAddress: wan.address } : {}),
        wanV6: wan.v6,
        // The control port is admitted from WAN (like the WireGuard port) and held on IPv4 only.
        inboundPortV6: readPeeringOptions(await this.d.platform.config.load("punch")).controlPort,
      });
    this.report = report;
    for (const fn of this.listeners) fn(report);
    return report;
  }

  async start(): Promise<void> {
    this.d.verdict = () => this.report?.verdict;
    this.d.onWanChange(() =>
      void this.check().catch((e) => this.d.log(`netcheck failed: ${errorMessage(e)}`))
    );
    this.timer = setInterval(() => void this.check().catch(() => {}), NETCHECK_EVERY_MS);
    await this.startStunServer();
    void this.check().catch((e) => this.d.log(`netcheck failed: ${errorMessage(e)}`));
  }

  private async startStunServer(): Promise<void> {
    const cfg = await this.d.punchConfig();
    if (!cfg.stunPort) return;
    const wan = await this.d.platform.system.wan();
    if (!wan.address) return this.d.log("STUN server not started: the WAN has no IPv4 address yet");
    try {
      this.stun = startStunServer({
        primary: { host: wan.address, port: cfg.stunPort },
        software: `punch ${VERSION}`,
        noAmplification: true, // the source of a request may be spoofed
      });
      this.d.addStatus("stunServer", () => this.stun?.stats);
      await this.d.platform.firewall.allowWanUdp("stun", cfg.stunPort);
      this.d.log(`STUN server on ${wan.address}:${cfg.stunPort}`);
    } catch (e) {
      this.d.log(`Cannot start the STUN server on port ${cfg.stunPort}: ${errorMessage(e)}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.stun?.close();
    await this.running?.catch(() => {});
  }
}
