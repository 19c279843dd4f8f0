import { describe, expect, test, vi } from "vitest";
import { HEAP_GC_OPTIONS, startHeapGc } from "../../src/daemon/heap_gc.ts";

describe("startHeapGc", () => {
  test("calls gc on its interval until stopped", () => {
    vi.useFakeTimers();
    try {
      const gc = vi.fn();
      const h = startHeapGc(1000, gc)!;
      vi.advanceTimersByTime(3500);
      expect(gc).toHaveBeenCalledTimes(3);
      // The collection that gives freed pages back to the system, not a plain gc().
      expect(gc).toHaveBeenLastCalledWith(HEAP_GC_OPTIONS);
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
