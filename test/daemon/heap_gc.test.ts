import { describe, expect, test, vi } from "vitest";
import { startHeapGc } from "../../src/daemon/heap_gc.ts";

describe("startHeapGc", () => {
  test("calls gc on its interval until stopped", () => {
    vi.useFakeTimers();
    try {
      const gc = vi.fn();
      const h = startHeapGc(1000, gc)!;
      vi.advanceTimersByTime(3500);
      expect(gc).toHaveBeenCalledTimes(3);
      h.stop();
      vi.advanceTimersByTime(5000);
      expect(gc).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  test("does nothing when V8 does not expose gc()", () => {
    expect(startHeapGc(1000, undefined)).toBeNull();
  });
});
