import { describe, expect, test } from "vitest";
import {
  CROSS_WINDOW_MS,
  FIRST_CONTACT_TABLE,
  forwardPairs,
  localPairs,
  pairsScript,
  tableScript,
  winsTie,
} from "../../src/wg/first_contact.ts";
import { FirstContactService, HEAL_MS } from "../../src/daemon/first_contact_service.ts";

const A = "urJ+pyK7ui0JFJ9VMsJcFVjyUgKxr0pxjqXTbfZFaTQ=";
const B = "yv+scBrmoxvgFpWUeSz+gD6uu8xJpcmTf6i4ifj651k=";

describe("first contact tie-break", () => {
  test("exactly one side of a pair wins", () => {
    expect(winsTie(A, B)).toBe(true);
    expect(winsTie(B, A)).toBe(false);
    expect(winsTie(A, A)).toBe(false);
    expect(winsTie("203.0.113.10:51821", "203.0.113.20:51821")).not.toBe(
      winsTie("203.0.113.20:51821", "203.0.113.10:51821"),
    );
  });

  test("the router's own pairs: only peers it wins, with address endpoints, v4 and v6", () => {
    const pairs = localPairs(A, 51820, [
      { publicKey: B, endpoint: "203.0.113.20:51820" },
      { publicKey: B, endpoint: "[2001:db8::20]:51820" },
      { publicKey: B, endpoint: "peer.example:51820" }, // a name: not known yet
      { publicKey: B },
    ]);
    expect(pairs).toEqual([
      { localPort: 51820, remoteAddress: "203.0.113.20", remotePort: 51820 },
      { localPort: 51820, remoteAddress: "2001:db8::20", remotePort: 51820 },
    ]);
    expect(localPairs(B, 51820, [{ publicKey: A, endpoint: "203.0.113.10:51820" }])).toEqual([]);
  });

  test("LAN hosts: the published endpoints decide, the same way on both routers", () => {
    const a = { host: "192.168.1.10", port: 51820, publicEndpoint: "203.0.113.10:51821" };
    const b = { host: "192.168.2.10", port: 51820, publicEndpoint: "203.0.113.20:51821" };
    const onA = forwardPairs([{ ...a, remotes: [b.publicEndpoint, "bad", "[2001:db8::1]:5"] }]);
    const onB = forwardPairs([{ ...b, remotes: [a.publicEndpoint] }]);
    expect(onA).toEqual([{
      lanAddress: "192.168.1.10",
      lanPort: 51820,
      remoteAddress: "203.0.113.20",
      remotePort: 51821,
    }]);
    expect(onB).toEqual([]);
    expect(forwardPairs([{ host: "192.168.1.10", port: 1, remotes: ["203.0.113.20:1"] }]))
      .toEqual([]);
  });

  test("nft text: a crossing is dropped only after a deadlock was noted", () => {
    const t = tableScript();
    expect(t.startsWith(`table ${FIRST_CONTACT_TABLE}\ndelete table ${FIRST_CONTACT_TABLE}\n`))
      .toBe(true);
    expect(t).toContain(`timeout ${CROSS_WINDOW_MS}ms`);
    const input = t.slice(t.indexOf("chain input"), t.indexOf("chain forward"));
    // A deadlock is noted when their response comes in after ours went out, not the other way.
    expect(input).toContain(
      "udp length 100 @th,64,32 0x02000000 udp dport . ip saddr . udp sport @rsp_out_local4 " +
        "update @crossed_local4 { udp dport . ip saddr . udp sport }",
    );
    expect(t).not.toContain("rsp_in");
    // Their first transport packet ends it.
    expect(input).toContain(
      "udp length >= 40 @th,64,32 0x04000000 udp dport . ip saddr . udp sport @crossed_local4 " +
        "delete @crossed_local4 { udp dport . ip saddr . udp sport }",
    );
    const s = pairsScript(
      [{ localPort: 51820, remoteAddress: "203.0.113.20", remotePort: 51820 }],
      [],
    );
    expect(s).toBe(
      `flush set ${FIRST_CONTACT_TABLE} local4\n` +
        `add element ${FIRST_CONTACT_TABLE} local4 { 51820 . 203.0.113.20 . 51820 }\n` +
        `flush set ${FIRST_CONTACT_TABLE} local6\nflush set ${FIRST_CONTACT_TABLE} fwd4\n`,
    );
  });
});

describe("FirstContactService", () => {
  function harness(fail: (argv: string[], stdin?: string) => boolean = () => false) {
    const calls: string[] = [];
    let now = 1000;
    const logs: string[] = [];
    const svc = new FirstContactService(
      (argv, stdin) => {
        calls.push(stdin?.startsWith("table") ? "table" : argv.join(" "));
        const code = fail(argv, stdin) ? 1 : 0;
        return Promise.resolve({ code, stdout: "", stderr: code ? "Error: no table" : "" });
      },
      (m) => logs.push(m),
      () => now,
    );
    return { svc, calls, logs, tick: (ms: number) => (now += ms) };
  }
  const pair = { localPort: 51820, remoteAddress: "203.0.113.20", remotePort: 51820 };

  test("new pairs recreate the table; the same pairs are written again only to heal", async () => {
    const h = harness();
    await h.svc.setLocal([pair]);
    await h.svc.setLocal([pair]);
    expect(h.calls).toEqual(["table"]);
    h.tick(HEAL_MS);
    await h.svc.setLocal([pair]);
    expect(h.calls).toEqual(["table", "nft -f -"]);
    await h.svc.setLocal([]);
    expect(h.calls).toEqual(["table", "nft -f -", "table"]);
  });

  test("a refused table is a status problem, logged once, retried a minute later", async () => {
    const h = harness(() => true);
    await h.svc.setLocal([pair]);
    await h.svc.setLocal([pair]);
    expect(h.svc.problem).toMatch(/Cannot install the first-contact rules/);
    expect(h.logs.length).toBe(1);
    expect(h.calls.length).toBe(1);
    h.tick(HEAL_MS);
    await h.svc.setLocal([pair]);
    expect(h.calls.length).toBe(2);
  });

  test("no nft at all: a problem, never an exception that would stop the reconcile", async () => {
    const svc = new FirstContactService(
      () => Promise.reject(new Deno.errors.NotFound(`"nft" not found`)),
      () => {},
    );
    await svc.setLocal([pair]);
    expect(svc.problem).toMatch(/"nft" not found/);
    await svc.remove();
  });
});
