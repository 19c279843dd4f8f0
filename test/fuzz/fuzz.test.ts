// Property tests of every parser that reads outside input (issue 13). Fixed seed and few runs
// here; `scripts/fuzz --runs N --seed S` runs the same table longer.
import fc from "fast-check";
import { describe, test } from "vitest";
import { CI_RUNS, CI_SEED, runsFor } from "./fuzz.ts";
import { ALL_TARGETS } from "./targets.ts";

const byParser = Map.groupBy(ALL_TARGETS, (t) => t.parser);

for (const [parser, targets] of byParser) {
  describe(`fuzz ${parser}`, () => {
    for (const t of targets) {
      test(t.name, async () => {
        await fc.assert(t.property(), { seed: CI_SEED, numRuns: runsFor(t, CI_RUNS) });
      });
    }
  });
}
