import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, REPO_ROOT, waitFor } from "./lab.ts";

/**
 * Peer names in the router's DNS: Debian's dnsmasq runs on router a's LAN address, reading the
 * hosts file punchd keeps (as OpenWrt's dnsmasq reads /tmp/hosts); a LAN host asks it for
 * `b.punch` before and after pairing, and after b is removed.
 */
const NAME = "dnsn";
const DNSMASQ = "/usr/sbin/dnsmasq";
const haveDnsmasq = (() => {
  try {
    return Deno.statSync(DNSMASQ).isFile;
  } catch {
    return false;
  }
})();

let lab: Lab;

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv[0]} on ${id} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A-record answers for `name` from a1, asking a's dnsmasq (Deno's resolver, port 53). */
async function resolveFromLan(name: string): Promise<string[]> {
  const script = `try {
  const r = await Deno.resolveDns(${JSON.stringify(name)}, "A", {
    nameServer: { ipAddr: ${JSON.stringify(lab.lanAddress("a"))}, port: 53 },
    signal: AbortSignal.timeout(3000),
  });
  console.log(JSON.stringify(r));
} catch (e) { console.log(JSON.stringify({ error: String(e) })); }`;
  const r = await lab.exec("a1", [`${REPO_ROOT}/node_modules/.bin/deno`, "eval", script], {
    timeoutMs: 20_000,
  });
  const out = JSON.parse(r.stdout.trim() || '{"error":"no output"}');
  return Array.isArray(out) ? out : [];
}

beforeAll(async () => {
  lab = await labUp({ name: NAME, routers: [{ id: "a" }, { id: "b" }] });
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  const root = lab.routerDir("a");
  await Deno.mkdir(`${root}/var/run/dnsmasq`, { recursive: true });
  if (haveDnsmasq) {
    await lab.spawn("a", [
      DNSMASQ,
      "--keep-in-foreground",
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      "--bind-interfaces",
      `--listen-address=${lab.lanAddress("a")}`,
      "--port=53",
      "--user=root",
      `--addn-hosts=${root}/var/run/punch/hosts`,
      `--pid-file=${root}/var/run/dnsmasq/dnsmasq.pid`,
      `--log-facility=${lab.logPath("a", "dnsmasq")}`,
    ]);
  }
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe.skipIf(!haveDnsmasq)("peer names in dnsmasq (needs dnsmasq-base)", () => {
  test("b.punch resolves on a's LAN once paired, and stops resolving when b is removed", async () => {
    const status = async (id: string) =>
      JSON.parse(await ok(id, ["status", "--json"])) as { addresses: string[]; name: string };
    const a = await status("a");
    const b = await status("b");
    const aAddr = a.addresses[0]!.split("/")[0]!;
    const bAddr = b.addresses[0]!.split("/")[0]!;
    // the router itself, from the start
    expect(await waitFor(async () => (await resolveFromLan("a.punch")).includes(aAddr), 15_000))
      .toBe(true);
    expect(await resolveFromLan("b.punch")).toEqual([]);

    const inv = JSON.parse(await ok("a", ["invite", "--json"])) as { token: string };
    expect(await ok("b", ["join", inv.token])).toMatch(/^paired with "a"/);
    // punchd sees the new peer within its 10 s round and sends dnsmasq SIGHUP
    expect(
      await waitFor(async () => (await resolveFromLan("b.punch")).includes(bAddr), 25_000, 500),
    ).toBe(true);
    const hosts = await Deno.readTextFile(`${lab.routerDir("a")}/var/run/punch/hosts`);
    expect(hosts).toContain(`${bAddr} b.punch`);

    await ok("a", ["peer", "remove", "b"]);
    expect(
      await waitFor(async () => (await resolveFromLan("b.punch")).length === 0, 25_000, 500),
    ).toBe(true);
    expect(await resolveFromLan("a.punch")).toContain(aAddr);
    const log = await Deno.readTextFile(lab.logPath("a", "dnsmasq")).catch(() => "");
    // read at its start, then again on each SIGHUP (pairing, removal): dnsmasq does not watch
    // --addn-hosts files by itself
    expect((log.match(/read .*var\/run\/punch\/hosts/g) ?? []).length).toBeGreaterThanOrEqual(3);
  });
});
