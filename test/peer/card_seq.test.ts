import { describe, expect, test } from "vitest";
import {
  CardSeqs,
  epochBase,
  MAX_SEQ_EPOCH,
  nextEpoch,
  SEQ_EPOCH_SPAN,
  seqEpoch,
} from "../../src/peer/card_seq.ts";

describe("card seqs: a stored epoch and a RAM counter", () => {
  test("each start takes the next epoch, above every seq handed out before", () => {
    const first = new CardSeqs(0);
    expect(first.stored).toBe(SEQ_EPOCH_SPAN);
    const a = first.next(), b = first.next();
    expect(a).toEqual({ seq: SEQ_EPOCH_SPAN + 1, newEpoch: false });
    expect(b.seq).toBe(a.seq + 1);
    // A restart reads what was stored (only the epoch base, never each seq).
    const again = new CardSeqs(first.stored);
    expect(again.next().seq).toBeGreaterThan(b.seq);
    expect(seqEpoch(again.stored)).toBe(2);
  });

  test("a seq of an older version (Unix seconds) is below the first epoch", () => {
    const old = Math.floor(Date.parse("2026-12-05T00:00:00Z") / 1000) + 40;
    const s = new CardSeqs(old);
    expect(s.next().seq).toBeGreaterThan(old);
    expect(nextEpoch(old)).toBe(1);
  });

  test("a counter that runs out starts a new epoch, to be stored", () => {
    const s = new CardSeqs(0);
    (s as unknown as { counter: number }).counter = SEQ_EPOCH_SPAN - 2;
    const last = s.next();
    expect(last).toEqual({ seq: epochBase(1) + SEQ_EPOCH_SPAN - 1, newEpoch: false });
    const next = s.next();
    expect(next).toEqual({ seq: epochBase(2) + 1, newEpoch: true });
    expect(s.stored).toBe(epochBase(2));
  });

  test("seqs stay safe integers; no epoch is left after the last", () => {
    const s = new CardSeqs(epochBase(MAX_SEQ_EPOCH - 1));
    expect(s.stored).toBe(epochBase(MAX_SEQ_EPOCH));
    (s as unknown as { counter: number }).counter = SEQ_EPOCH_SPAN - 2;
    expect(s.next().seq).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => s.next()).toThrow(RangeError);
    expect(() => new CardSeqs(epochBase(MAX_SEQ_EPOCH))).toThrow(/all are used/);
  });
});
