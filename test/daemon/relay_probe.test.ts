import { afterEach, describe, expect, test, vi } from "vitest";
import { DirectTrials } from "../../src/daemon/relay_direct.ts";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { decodeRelayMessage } from "../../src/peer/relay_messages.ts";
import { PROBE_COUNT, PROBE_GAP_MS } from "../../src/wg/relay_decide.ts";

const A = "A".repeat(43) + "=", B = "B".repeat(43) + "="; // A wins the tie with B
const B_PUBLIC = "203.0.113.20";

function setup(relayed: string) {
  const logs: string[] = [];
  const sent: { peer: string; phase: string; id: number | undefined }[] = [];
  const wan: { host: string; bytes: Uint8Array }[] = [];
  let now = 1_000_000;
  const d = {
    now: () => now,
    random: (n: number) => new Uint8Array(n).fill(7),
    endpointOverrides: new Map([[relayed, {
      endpoint: "203.0.113.30:51830",
      relay: "c",
      since: 0,
    }]]),
    log: (m: string) => logs.push(m),
  } as unknown as Daemon;
  const t = new DirectTrials(d, {
    send: (peer, phase, id) => sent.push({ peer, phase, id }),
    sendWan: (host, bytes) => wan.push({ host, bytes }),
    publicHosts: (peer) => (peer === B ? [B_PUBLIC] : ["203.0.113.10"]),
    tunnelOf: () => undefined,
    cardSeq: () => 1,
    wentDirect: () => {},
  });
  return { t, logs, sent, wan, advance: (ms: number) => (now += ms) };
}

afterEach(() => vi.useRealTimers());

describe("probing the direct path while relayed", () => {
  test("the winner starts a round: the id through the tunnel, probes over the WAN", () => {
    vi.useFakeTimers();
    const s = setup(B);
    s.t.tick(A);
    expect(s.sent).toEqual([{ peer: B, phase: "probe", id: 0x07070707 }]);
    vi.advanceTimersByTime(PROBE_COUNT * PROBE_GAP_MS);
    expect(s.wan.length).toBe(PROBE_COUNT);
    expect(s.wan.every((w) => w.host === B_PUBLIC)).toBe(true);
    expect(decodeRelayMessage(s.wan[0]!.bytes)).toEqual({ kind: "probe", id: 0x07070707, from: A });
    // Not again before the next round is due.
    s.t.tick(A);
    expect(s.sent.length).toBe(1);
    s.t.stop();
  });

  test("a probe of the current round from the peer's address shows a direct path", () => {
    vi.useFakeTimers();
    const s = setup(B);
    s.t.tick(A);
    s.t.onWanProbe(A, { id: 1, from: B }, B_PUBLIC); // wrong round
    s.t.onWanProbe(A, { id: 0x07070707, from: B }, "198.51.100.9"); // wrong sender
    expect(s.t.probeStats).toMatchObject({ seen: 0, ignored: 2 });
    s.t.onWanProbe(A, { id: 0x07070707, from: B }, B_PUBLIC);
    expect(s.t.probeStats.seen).toBe(1);
    expect(s.logs.join("\n")).toMatch(/a probe from BBBBBBBB… came directly from 203\.0\.113\.20/);
    // Used up: the same probe again counts for nothing.
    s.t.onWanProbe(A, { id: 0x07070707, from: B }, B_PUBLIC);
    expect(s.t.probeStats).toMatchObject({ seen: 1, ignored: 3 });
    s.t.stop();
  });

  test("the other side probes back when told, and asks the winner to try when one gets in", async () => {
    vi.useFakeTimers();
    const s = setup(A);
    await s.t.onMessage(B, A, "probe", 42);
    vi.advanceTimersByTime(PROBE_COUNT * PROBE_GAP_MS);
    expect(s.wan.length).toBe(PROBE_COUNT);
    s.t.onWanProbe(B, { id: 42, from: A }, "203.0.113.10");
    expect(s.sent).toEqual([{ peer: A, phase: "request", id: undefined }]);
    s.t.stop();
  });

  test("a stale round is not honoured", () => {
    vi.useFakeTimers();
    const s = setup(B);
    s.t.tick(A);
    s.advance(5_000);
    s.t.onWanProbe(A, { id: 0x07070707, from: B }, B_PUBLIC);
    expect(s.t.probeStats).toMatchObject({ seen: 0, ignored: 1 });
    s.t.stop();
  });
});
