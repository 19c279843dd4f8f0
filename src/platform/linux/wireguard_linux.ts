import { desiredRoutes, type WgDesired } from "../../wg/wg_desired.ts";
import type { WgDump } from "../../wg/wg_dump.ts";
import { syncPeers, wgDump } from "../wg_cli_deno.ts";
import { parseCidr } from "../../lib/net.ts";
import { exec, execOk } from "../exec_deno.ts";
import type { WireguardBackend } from "../types.ts";
import { type DeviceRoute, planRouteSync, PUNCH_ROUTE_PROTO } from "./route_sync.ts";

const USERSPACE_ENV = { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" };
const LINK_WAIT_STEPS = 50;
const LINK_WAIT_MS = 100;
/** How often addresses and routes are re-read when the config did not change. */
const LINK_RECHECK_MS = 60_000;

interface IpAddrJson {
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}
interface IpRouteJson {
  dst: string;
  dev?: string;
  gateway?: string;
}

/**
 * WireGuard on plain Linux, the way OpenWrt's netifd handler does it: create the link (kernel
 * module, else wireguard-go), then `wg set` only what differs, addresses and allowed-IP routes.
 */
export class LinuxWireguard implements WireguardBackend {
  private readonly applied = new Map<string, string>();
  private peerProblems: string[] = [];
  private routeProblems: string[] = [];

  /** Peers that could not be configured and routes that could not be added (for status). */
  get problems(): string[] {
    return [...this.peerProblems, ...this.routeProblems];
  }

  dump(ifname: string): Promise<WgDump | null> {
    return wgDump(ifname);
  }

  async apply(want: WgDesired): Promise<number> {
    let live = await this.dump(want.ifname);
    if (!live) {
      await this.ensureLink(want.ifname);
      this.linkKey = "";
      live = await this.dump(want.ifname);
    }
    if (!live) {
      throw new Error(`Cannot read WireGuard interface "${want.ifname}" after creating it`);
    }
    const peerProblems: string[] = [];
    const n = await syncPeers(want, live, this.applied, undefined, peerProblems);
    this.peerProblems = peerProblems;
    // Addresses and routes change rarely: re-read them when the config changed, else once a minute.
    const key = JSON.stringify([want.ifname, want.addresses, want.mtu, desiredRoutes(want)]);
    if (key === this.linkKey && Date.now() - this.linkCheckedAt < LINK_RECHECK_MS) return n;
    const m = await this.syncLink(want);
    this.linkKey = key;
    this.linkCheckedAt = Date.now();
    return n + m;
  }

  private linkKey = "";
  private linkCheckedAt = 0;

  async remove(ifname: string): Promise<void> {
    await exec(["ip", "link", "del", "dev", ifname]);
  }

  private async ensureLink(ifname: string): Promise<void> {
    if ((await exec(["ip", "link", "show", "dev", ifname])).code === 0) return;
    const kernel = await exec(["ip", "link", "add", "dev", ifname, "type", "wireguard"]);
    if (kernel.code !== 0) {
      await Deno.mkdir("/var/run/wireguard", { recursive: true }).catch(() => {});
      // Foreground mode keeps wireguard-go in punchd's process group (it outlives a punchd
      // restart, like a kernel link, but goes with the group when the whole service is stopped).
      const child = new Deno.Command("wireguard-go", {
        args: ["-f", ifname],
        env: USERSPACE_ENV,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      child.unref();
      child.status.catch(() => {});
    }
    for (let i = 0; i < LINK_WAIT_STEPS; i++) {
      if ((await exec(["wg", "show", ifname, "dump"])).code === 0) return;
      await new Promise((r) => setTimeout(r, LINK_WAIT_MS));
    }
    throw new Error(
      `Cannot create WireGuard interface "${ifname}": no kernel module and wireguard-go did not start`,
    );
  }

  /** MTU, up state, addresses and routes; returns the number of changes. */
  private async syncLink(want: WgDesired): Promise<number> {
    let n = 0;
    const dev = want.ifname;
    await execOk([
      "ip",
      "link",
      "set",
      "dev",
      dev,
      ...(want.mtu ? ["mtu", String(want.mtu)] : []),
      "up",
    ]);
    const info = JSON.parse(await execOk(["ip", "-j", "addr", "show", "dev", dev])) as IpAddrJson[];
    const have = new Set(
      (info[0]?.addr_info ?? []).filter((a) => a.scope !== "link").map((a) =>
        `${a.local}/${a.prefixlen}`
      ),
    );
    const wantAddrs = new Set(want.addresses.map((a) => {
      const c = parseCidr(a);
      return `${c.address}/${c.prefix}`;
    }));
    for (const a of wantAddrs) {
      if (!have.has(a)) (await execOk(["ip", "addr", "add", a, "dev", dev]), n++);
    }
    for (const a of have) {
      if (!wantAddrs.has(a)) (await execOk(["ip", "addr", "del", a, "dev", dev]), n++);
    }

    const problems: string[] = [];
    for (const fam of ["-4", "-6"] as const) {
      const routes = JSON.parse(
        await execOk(["ip", "-j", fam, "route", "show", "dev", dev]),
      ) as DeviceRoute[];
      const wantR = desiredRoutes(want).filter((r) => (fam === "-4") === !r.includes(":"));
      const plan = planRouteSync(wantR, routes, fam === "-6");
      const proto = ["proto", String(PUNCH_ROUTE_PROTO)];
      for (const r of plan.retag) {
        (await execOk(["ip", fam, "route", "replace", r, "dev", dev, ...proto]), n++);
      }
      for (const r of plan.add) {
        // `add`, never `replace`: a route the router has already (its default route, its WAN)
        // is not taken over; the owner sees why in status.
        const added = await exec(["ip", fam, "route", "add", r, "dev", dev, ...proto]);
        if (added.code === 0) {
          n++;
          continue;
        }
        const have = await exec(["ip", "-j", fam, "route", "show", "exact", r]);
        const other = have.code === 0
          ? (JSON.parse(have.stdout || "[]") as IpRouteJson[])[0]
          : undefined;
        problems.push(
          other !== undefined
            ? `Cannot route ${r} into ${dev}: this router already routes it${
              other.gateway ? ` via ${other.gateway}` : ""
            }${
              other.dev ? ` on ${other.dev}` : ""
            }; left as it is. Remove ${r} from the peer's allowed IPs`
            : `Cannot route ${r} into ${dev}: ${
              added.stderr.trim().split("\n").pop() || `exit ${added.code}`
            }`,
        );
      }
      for (const r of plan.del) {
        (await execOk(["ip", fam, "route", "del", r, "dev", dev, ...proto]), n++);
      }
    }
    this.routeProblems = problems;
    return n;
  }
}
