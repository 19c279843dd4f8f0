import { describe, expect, test } from "vitest";
import { LogLimiter } from "../../src/lib/log_limiter.ts";

describe("LogLimiter", () => {
  test("one line per kind and interval, every event counted", () => {
    const l = new LogLimiter(1000);
    expect(l.note("join", "a", 0)).toBe("a");
    for (let i = 1; i <= 1999; i++) expect(l.note("join", "a", i % 1000)).toBeUndefined();
    expect(l.note("cards", "c", 10)).toBe("c");
    expect(l.note("join", "b", 1000)).toBe("b (and 1999 more like it not logged)");
    expect(l.counts()).toEqual({ join: 2001, cards: 1 });
  });
});
