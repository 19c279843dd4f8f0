import { describe, expect, test } from "vitest";
import {
  retransmitPolicy,
  retransmitSchedule,
  RFC8489_POLICY,
  StunClient,
} from "../../src/stun/stun_client.ts";
import { encodeStun } from "../../src/stun/stun_codec.ts";

const server = { host: "192.0.2.1", port: 3478 };
const tid = (n: number) => new Uint8Array(12).fill(n);

describe("retransmission schedule (RFC 8489 §6.2.1)", () => {
  test("defaults: 7 sends at 0, 500, 1500, ... 31500 and give up at 39500", () => {
    expect(retransmitSchedule(RFC8489_POLICY)).toEqual({
      sends: [0, 500, 1500, 3500, 7500, 15500, 31500],
      giveUpAt: 39500,
    });
  });
  test("configurable and bounded", () => {
    expect(retransmitSchedule(retransmitPolicy({ rtoMs: 100, rc: 3, rm: 4 }))).toEqual({
      sends: [0, 100, 300],
      giveUpAt: 700,
    });
    expect(retransmitSchedule(retransmitPolicy({ rtoMs: 500, maxRtoMs: 1000, deadlineMs: 3000 })))
      .toEqual({
        sends: [0, 500, 1500, 2500],
        giveUpAt: 3000,
      });
    const wild = retransmitPolicy({ rtoMs: -5, rc: 1e9, rm: Infinity, deadlineMs: 1e12 });
    expect(wild).toMatchObject({ rtoMs: 10, rc: 16, rm: 64, deadlineMs: 120000 });
  });
});

describe("StunClient", () => {
  test("sends, retransmits on the schedule, then times out", () => {
    const c = new StunClient({ rtoMs: 100, rc: 3, rm: 2 });
    const req = encodeStun({ class: "request", transactionId: tid(1) });
    c.begin(tid(1), server, req, 1000);
    const kinds: string[] = [];
    for (let t = 1000; t <= 2000; t += 10) {
      for (const a of c.poll(t)) kinds.push(`${a.kind}@${t - 1000}`);
    }
    expect(kinds).toEqual(["send@0", "send@100", "send@300", "timeout@500"]);
    expect(c.pending).toBe(0);
    expect(c.nextWakeAt()).toBeNull();
  });
  test("matches responses by transaction id, ignores strangers and requests", () => {
    const c = new StunClient();
    c.begin(tid(1), server, encodeStun({ class: "request", transactionId: tid(1) }), 0);
    c.begin(tid(2), server, encodeStun({ class: "request", transactionId: tid(2) }), 0);
    expect(c.poll(0)).toHaveLength(2);
    expect(c.nextWakeAt()).toBe(500);
    const from = { host: "192.0.2.2", port: 3479 };
    expect(c.receive(encodeStun({ class: "success", transactionId: tid(9) }), from, 5)).toBeNull();
    expect(c.receive(encodeStun({ class: "request", transactionId: tid(1) }), from, 5)).toBeNull();
    expect(c.receive(new Uint8Array([1, 2, 3]), from, 5)).toBeNull();
    const res = c.receive(
      encodeStun({
        class: "success",
        transactionId: tid(2),
        xorMappedAddress: { host: "203.0.113.5", port: 1 },
      }),
      from,
      30,
    )!;
    expect(res).toMatchObject({ to: server, from, rttMs: 30, sends: 1 });
    expect(res.message.xorMappedAddress).toEqual({ host: "203.0.113.5", port: 1 });
    expect(c.pending).toBe(1);
    expect(() => c.begin(tid(1), server, new Uint8Array(20), 0)).toThrow(RangeError);
  });
  test("error responses complete the transaction too", () => {
    const c = new StunClient();
    c.begin(tid(3), server, encodeStun({ class: "request", transactionId: tid(3) }), 0);
    c.poll(0);
    const res = c.receive(
      encodeStun({ class: "error", transactionId: tid(3), error: { code: 420, reason: "x" } }),
      server,
      1,
    );
    expect(res?.message.error?.code).toBe(420);
  });
});
