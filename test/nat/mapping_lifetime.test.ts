import { expect, test } from "vitest";
import {
  estimateLifetime,
  lifetimeWaits,
  MAX_LIFETIME_SAMPLES,
} from "../../src/nat/mapping_lifetime.ts";

test("lifetimeWaits sorts, dedupes and bounds", () => {
  expect(lifetimeWaits([30_000, 5_000, 5_000, -1, NaN], 20_000)).toEqual([5000]);
  expect(lifetimeWaits()).toEqual([5_000, 15_000, 30_000, 60_000, 120_000]);
  expect(lifetimeWaits([1e9])).toEqual([]);
  expect(lifetimeWaits(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000))).toHaveLength(
    MAX_LIFETIME_SAMPLES,
  );
});

test("estimateLifetime brackets the lifetime", () => {
  expect(
    estimateLifetime([{ waitMs: 5000, alive: true }, { waitMs: 30000, alive: false }]).lifetime,
  )
    .toEqual({ atLeastMs: 5000, atMostMs: 30000 });
  expect(estimateLifetime([{ waitMs: 5000, alive: true }, { waitMs: 15000, alive: true }]).lifetime)
    .toEqual({ atLeastMs: 15000 });
  expect(estimateLifetime([{ waitMs: 5000, alive: false }]).lifetime).toEqual({ atMostMs: 5000 });
  const odd = estimateLifetime([
    { waitMs: 5000, alive: true },
    { waitMs: 15000, alive: false },
    { waitMs: 30000, alive: true },
  ]);
  expect(odd.lifetime).toEqual({ atLeastMs: 5000, atMostMs: 15000 });
  expect(odd.notes.join()).toMatch(/disagree/);
  const none = estimateLifetime([{ waitMs: 5000, alive: null }]);
  expect(none.lifetime).toBeUndefined();
  expect(none.notes.join()).toMatch(/RESPONSE-PORT/);
});
