import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { dnsHostsPaths, DnsHostsService } from "../../src/daemon/dns_hosts_service.ts";
import { PUNCH_DEFAULTS, type PunchConfig, type WgInterfaceModel } from "../../src/uci/mod.ts";

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};

describe("DnsHostsService", () => {
  let dir = "";
  let cfg: PunchConfig;
  let model: WgInterfaceModel;
  const logs: string[] = [];
  const d = { model: () => Promise.resolve({ cfg, model }) } as unknown as Daemon;
  const children: Deno.ChildProcess[] = [];

  beforeEach(() => {
    dir = Deno.makeTempDirSync({ prefix: "punch-dns-" });
    cfg = { ...PUNCH_DEFAULTS, name: "home" };
    model = {
      name: "wg0",
      privateKey: "",
      addresses: ["10.77.0.1/16"],
      nohostroute: false,
      peers: [{
        name: "punch_cabin",
        anonymous: false,
        description: "cabin",
        publicKey: "K",
        allowedIps: ["10.77.0.9/32"],
        routeAllowedIps: true,
        disabled: false,
      }],
    };
    logs.length = 0;
  });

  afterEach(async () => {
    for (const c of children.splice(0)) {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
      await c.status;
    }
    Deno.removeSync(dir, { recursive: true });
  });

  /** A process named dnsmasq (a copy of sleep) and its pid file, as OpenWrt's init writes it. */
  async function fakeDnsmasq(pidName: string, comm = "dnsmasq") {
    if (!exists(`${dir}/${comm}`)) {
      await Deno.copyFile("/bin/sleep", `${dir}/${comm}`);
      await Deno.chmod(`${dir}/${comm}`, 0o755);
    }
    const c = new Deno.Command(`${dir}/${comm}`, { args: ["30"], stdout: "null", stderr: "null" })
      .spawn();
    children.push(c);
    await Deno.mkdir(`${dir}/var/run/dnsmasq`, { recursive: true });
    await Deno.writeTextFile(`${dir}/var/run/dnsmasq/${pidName}`, `${c.pid}\n`);
    return c;
  }

  test("paths: /tmp/hosts/punch on OpenWrt (dnsmasq's hosts directory), run dir on linux", () => {
    expect(dnsHostsPaths("openwrt", "")).toEqual({
      file: "/tmp/hosts/punch",
      pidDir: "/var/run/dnsmasq",
    });
    expect(dnsHostsPaths("linux", "/r")).toEqual({
      file: "/r/var/run/punch/hosts",
      pidDir: "/r/var/run/dnsmasq",
    });
  });

  test("writes the names, rewrites only on a change, removes them when turned off or stopped", async () => {
    const paths = dnsHostsPaths("openwrt", dir);
    const svc = new DnsHostsService(d, paths, (m) => logs.push(m), 60_000);
    expect(await svc.sync()).toBe(true);
    expect(Deno.readTextFileSync(paths.file)).toContain(
      "10.77.0.1 home.punch\n10.77.0.9 cabin.punch\n",
    );
    expect(await svc.sync()).toBe(false);
    expect(logs).toEqual([
      `No running dnsmasq found (pid files in ${paths.pidDir}); peer names are in ${paths.file} for when it starts`,
    ]);
    model.peers = [];
    expect(await svc.sync()).toBe(true);
    expect(Deno.readTextFileSync(paths.file)).not.toContain("cabin");
    cfg.dnsDomain = "none";
    expect(await svc.sync()).toBe(true);
    expect(() => Deno.statSync(paths.file)).toThrow();
    cfg.dnsDomain = "home.arpa";
    await svc.sync();
    expect(Deno.readTextFileSync(paths.file)).toContain("home.home.arpa");
    await svc.stop();
    expect(() => Deno.statSync(paths.file)).toThrow();
    expect(logs.length).toBe(1);
  });

  test("a change sends SIGHUP to each dnsmasq with a pid file, never to another program", async () => {
    const paths = dnsHostsPaths("linux", dir);
    const a = await fakeDnsmasq("dnsmasq.cfg01411c.pid");
    const b = await fakeDnsmasq("dnsmasq.guest.pid");
    const other = await fakeDnsmasq("dnsmasq.stale.pid", "sleep");
    const svc = new DnsHostsService(d, paths, (m) => logs.push(m), 60_000);
    expect(await svc.sync()).toBe(true);
    // sleep's default action on SIGHUP is to end: each told dnsmasq stand-in ends by it
    expect((await a.status).signal).toBe("SIGHUP");
    expect((await b.status).signal).toBe("SIGHUP");
    const still = await Promise.race([
      other.status.then(() => "ended"),
      new Promise((f) => setTimeout(() => f("running"), 300)),
    ]);
    expect(still).toBe("running");
    expect(logs).toEqual([]);
  });
});
