/**
 * Keeps the hosts file of peer names (dns_hosts.ts) for the router's dnsmasq in RAM and tells
 * dnsmasq to re-read it (SIGHUP) when it changed. OpenWrt's dnsmasq init script passes
 * `--addn-hosts=/tmp/hosts` (a directory: every file in it, re-read on SIGHUP) unless
 * `ignore_hosts_dir` is set, and writes its pid to /var/run/dnsmasq/dnsmasq.<section>.pid.
 */
import { errorMessage } from "../lib/errors.ts";
import { writeFileAtomic } from "../platform/atomic_file_deno.ts";
import { DNS_DOMAIN_OFF } from "../uci/mod.ts";
import type { Daemon } from "./daemon.ts";
import { dnsHostEntries, dnsHostsFile } from "./dns_hosts.ts";

/** How often the peers are compared with the file (a config change is seen within this). */
export const DNS_HOSTS_EVERY_MS = 10_000;

export interface DnsHostsPaths {
  /** The hosts file punchd writes. */
  file: string;
  /** Where dnsmasq's pid files (`dnsmasq*.pid`) are. */
  pidDir: string;
}

/** OpenWrt: the hosts directory dnsmasq reads by default; Linux: punchd's run directory. */
export function dnsHostsPaths(platform: "linux" | "openwrt", root: string): DnsHostsPaths {
  return {
    file: platform === "openwrt" ? `${root}/tmp/hosts/punch` : `${root}/var/run/punch/hosts`,
    pidDir: `${root}/var/run/dnsmasq`,
  };
}

export class DnsHostsService {
  /** Text last written; null = no file; undefined = not known yet (start). */
  private last: string | null | undefined = undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private warned = false;

  constructor(
    private readonly d: Daemon,
    private readonly paths: DnsHostsPaths,
    private readonly log: (m: string) => void,
    private readonly everyMs = DNS_HOSTS_EVERY_MS,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.everyMs);
  }

  /** Bring the file in step with the peers; true when it changed (and dnsmasq was told). */
  async sync(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      const { cfg, model } = await this.d.model();
      const text = cfg.dnsDomain === DNS_DOMAIN_OFF
        ? null
        : dnsHostsFile(dnsHostEntries(model, cfg.name, cfg.dnsDomain));
      if (text === this.last) return false;
      if (text === null) await Deno.remove(this.paths.file).catch(() => {});
      else await writeFileAtomic(this.paths.file, text, 0o644);
      this.last = text;
      await this.reloadDnsmasq();
      return true;
    } catch (e) {
      this.log(`Cannot update the peer names for dnsmasq: ${errorMessage(e)}`);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** SIGHUP to every running dnsmasq with a pid file; returns how many were told. */
  async reloadDnsmasq(): Promise<number> {
    let told = 0;
    const entries: string[] = [];
    try {
      for await (const e of Deno.readDir(this.paths.pidDir)) {
        if (/^dnsmasq.*\.pid$/.test(e.name)) entries.push(e.name);
      }
    } catch { /* no dnsmasq has run */ }
    for (const name of entries) {
      const pid = Number((await Deno.readTextFile(`${this.paths.pidDir}/${name}`).catch(() => ""))
        .trim());
      if (!Number.isInteger(pid) || pid <= 1) continue;
      // a stale pid file must not make us signal another program
      const comm = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
      if (comm.trim() !== "dnsmasq") continue;
      try {
        Deno.kill(pid, "SIGHUP");
        told++;
      } catch { /* exited meanwhile */ }
    }
    if (told === 0 && !this.warned) {
      this.warned = true;
      this.log(
        `No running dnsmasq found (pid files in ${this.paths.pidDir}); peer names are in ${this.paths.file} for when it starts`,
      );
    }
    return told;
  }

  /** Stop and take the names away (punchd stopping: the tunnels go with it). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.last !== null && this.last !== undefined) {
      await Deno.remove(this.paths.file).catch(() => {});
      this.last = null;
      await this.reloadDnsmasq();
    }
  }
}
