// Issue 13, "reachable only where it belongs" and "the control port must not accept packets
// claiming tunnel-side source addresses": with the default `tunnel_input 'restricted'` a peer's
// LAN host cannot reach router a's web UI, while ping and the tunnel keep working; `accept`
// opens it; a WAN packet whose source is a peer's tunnel address is dropped before punchd.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, waitFor } from "./lab.ts";

const NAME = "ti";
const SPOOFER = "203.0.113.66";
const WEB_PORT = 8451;

let lab: Lab;

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await lab.punchctl(id, argv);
  if (r.code !== 0) throw new Error(`punchctl ${argv.join(" ")} on ${id} failed: ${r.stderr}`);
  return r.stdout;
}

const pings = (from: string, to: string) =>
  lab.exec(from, ["ping", "-c1", "-W1", to]).then((r) => r.code === 0);

/** curl's exit code for the web UI of router a: 0 answered, 7 refused, 28 timed out. */
const web = (from: string) =>
  lab.exec(from, [
    "curl",
    "-s",
    "-o",
    "/dev/null",
    "--max-time",
    "3",
    `http://${lab.lanAddress("a")}:${WEB_PORT}/login`,
  ]).then((r) => r.code);

beforeAll(async () => {
  lab = await labUp({
    name: NAME,
    routers: [{ id: "a" }, { id: "b" }],
    internetHosts: [{ id: "x", addresses: [`${SPOOFER}/24`] }],
  });
  await Promise.all(["a", "b"].map((id) => lab.startPunchd(id)));
  const token = JSON.parse(await ok("a", ["invite", "--json"])) as { token: string };
  expect(await ok("b", ["join", token.token])).toMatch(/^paired with "a"/);
  expect(await waitFor(() => pings("b1", lab.hostAddress("a1")), 20_000, 250)).toBe(true);
}, 120_000);

afterAll(async () => {
  await lab?.down();
}, 60_000);

describe("tunnel input policy", () => {
  test("restricted (default): a peer's LAN host is refused the web UI; ping and the tunnel work", async () => {
    expect(await web("a1")).toBe(0); // from a's own LAN it answers
    expect(await web("b1")).toBe(7); // refused, not a timeout
    const aTunnel = (JSON.parse(await ok("a", ["status", "--json"])) as { addresses: string[] })
      .addresses[0]!.split("/")[0]!;
    expect(await pings("b1", aTunnel)).toBe(true);
    expect(await pings("b1", lab.lanAddress("a"))).toBe(true);
    expect(await pings("b1", lab.hostAddress("a1"))).toBe(true);
    // Cards still flow over the control port through the tunnel: b knows a's card.
    const cards = JSON.parse(await ok("b", ["cards", "--json"])) as { name: string }[];
    expect(cards.some((c) => c.name === "a")).toBe(true);
  });

  test("tunnel_input 'accept' opens the router's services to peers", async () => {
    const cfg = `${lab.routerDir("a")}/etc/config/punch`;
    const text = await Deno.readTextFile(cfg);
    await Deno.writeTextFile(
      cfg,
      text.replace(/\toption tunnel_input '[a-z]+'\n/, "").replace(
        "config punch 'main'\n",
        "config punch 'main'\n\toption tunnel_input 'accept'\n",
      ),
    );
    expect(await waitFor(async () => (await web("b1")) === 0, 30_000, 500)).toBe(true);
    await Deno.writeTextFile(cfg, text);
    expect(await waitFor(async () => (await web("b1")) === 7, 30_000, 500)).toBe(true);
  });

  test("a WAN packet claiming a peer's tunnel address is dropped before punchd", async () => {
    const bTunnel = (JSON.parse(await ok("b", ["status", "--json"])) as { addresses: string[] })
      .addresses[0]!.split("/")[0]!;
    const counter = async () => {
      const r = await lab.exec("a", ["nft", "list", "table", "inet", "punch_antispoof"]);
      const m = /ip saddr @tunnel4 counter packets (\d+)/.exec(r.stdout);
      return m ? Number(m[1]) : -1;
    };
    const before = await counter();
    expect(before).toBeGreaterThanOrEqual(0);
    // x claims b's tunnel address (added to its own interface) and sends from it.
    const add = await lab.exec("x", ["ip", "addr", "add", `${bTunnel}/32`, "dev", "eth0"]);
    expect(add.code, add.stderr).toBe(0);
    const routes = (await lab.exec("x", ["ip", "route"])).stdout;
    const py = "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
      `s.bind(("${bTunnel}",0))\n` +
      `for _ in range(5): s.sendto(b"PB\\x01\\x00junk",("${lab.wanAddress("a")}",51821))\n`;
    const sent = await lab.exec("x", ["python3", "-c", py]);
    expect(sent.code, `${sent.stderr}\nroutes of x:\n${routes}`).toBe(0);
    expect(await waitFor(async () => (await counter()) >= before + 5, 5_000, 100)).toBe(true);
  });
});
