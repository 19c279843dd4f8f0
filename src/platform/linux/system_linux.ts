import { readLanWan } from "../../uci/mod.ts";
import { exec, trackChild } from "../exec_deno.ts";
import type { ConfigBackend, ExecResult, SystemBackend, WanState } from "../types.ts";
import type { Timer } from "../../lib/timer.ts";
import type { ReachedPrefix } from "../../peer/route_policy.ts";
import { routesReached } from "./ip_routes.ts";

interface AddrInfo {
  family: string;
  local: string;
  scope?: string;
}

async function addresses(dev: string): Promise<AddrInfo[]> {
  const r = await exec(["ip", "-j", "addr", "show", "dev", dev]);
  if (r.code !== 0) return [];
  const parsed = JSON.parse(r.stdout) as { addr_info?: AddrInfo[] }[];
  return parsed[0]?.addr_info ?? [];
}

const DEBOUNCE_MS = 300;

/** Router state from the UCI `network` config plus the kernel (`ip`). */
export class LinuxSystem implements SystemBackend {
  constructor(private readonly config: ConfigBackend) {}

  private async devices(): Promise<{ wan?: string; lan?: string }> {
    const net = await this.config.load("network");
    const lw = readLanWan(net);
    return {
      ...(lw.wanDevice ? { wan: lw.wanDevice } : {}),
      ...(lw.lanDevice ? { lan: lw.lanDevice } : {}),
    };
  }

  async wan(): Promise<WanState> {
    const { wan } = await this.devices();
    if (!wan) return { v6: [] };
    const addrs = await addresses(wan);
    const v4 = addrs.find((a) => a.family === "inet");
    return {
      device: wan,
      ...(v4 ? { address: v4.local } : {}),
      v6: addrs.filter((a) => a.family === "inet6" && a.scope === "global").map((a) => a.local),
    };
  }

  async lanAddress(): Promise<string | undefined> {
    const { lan } = await this.devices();
    return lan ? (await addresses(lan)).find((a) => a.family === "inet")?.local : undefined;
  }

  async reached(tunnelDevice: string): Promise<ReachedPrefix[]> {
    const { wan, lan } = await this.devices();
    const out: ReachedPrefix[] = [];
    for (const fam of ["-4", "-6"]) {
      const r = await exec(["ip", "-j", fam, "route", "show", "table", "main"]);
      if (r.code !== 0 && fam === "-6") continue; // IPv6 disabled: nothing reached there
      if (r.code !== 0) {
        throw new Error(`Cannot read the routing table: ${r.stderr.trim() || `exit ${r.code}`}`);
      }
      out.push(...routesReached(r.stdout, tunnelDevice, { wan, lan }));
    }
    return out;
  }

  watchWan(onChange: () => void): { close(): void } {
    let timer: Timer | undefined;
    let closed = false;
    let child: Deno.ChildProcess | undefined;
    try {
      child = new Deno.Command("ip", {
        args: ["-o", "monitor", "address"],
        stdout: "piped",
        stderr: "null",
      })
        .spawn();
      trackChild(child);
    } catch {
      return { close() {} };
    }
    (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of child.stdout) {
          if (closed) break;
          if (!dec.decode(chunk).includes("inet")) continue;
          clearTimeout(timer);
          timer = setTimeout(onChange, DEBOUNCE_MS);
        }
      } catch { /* closed */ }
    })();
    return {
      close() {
        closed = true;
        clearTimeout(timer);
        try {
          child?.kill("SIGTERM");
        } catch { /* gone */ }
        child?.status.catch(() => {});
      },
    };
  }

  exec(argv: string[], stdin?: string): Promise<ExecResult> {
    return exec(argv, stdin === undefined ? {} : { stdin });
  }
}
