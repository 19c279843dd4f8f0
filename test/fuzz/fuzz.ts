/**
 * Shared pieces of the property tests (fast-check): the table of targets that both the unit run
 * (`fuzz.test.ts`, fixed seed, few runs) and the long run (`scripts/fuzz --runs N --seed S`) go
 * through, the check that a parser ended in one of its documented outcomes, and byte mutations.
 */
import fc from "fast-check";
import { ParseError } from "../../src/lib/errors.ts";

/** One property of one parser; `cost` scales runs down for slow ones (crypto, inflate, HTTP). */
export interface FuzzTarget {
  readonly parser: string;
  readonly name: string;
  // deno-lint-ignore no-explicit-any
  readonly property: () => fc.IRawProperty<any>;
  readonly cost?: number;
}

/** Seed and runs of the unit run: fixed, so a failure reproduces; small, so CI stays fast. */
export const CI_SEED = 13;
export const CI_RUNS = 100;

/** Runs for a target given the base number of runs. */
export function runsFor(t: FuzzTarget, base: number): number {
  return Math.max(1, Math.round(base / (t.cost ?? 1)));
}

/** How a parser call ended. */
export type Outcome = "value" | "null" | "truncated" | "malformed";

/** What a parser may document besides a value. */
export interface Allowed {
  /** `null` = not for me. */
  readonly null?: boolean;
  /** `RangeError` = truncated. */
  readonly truncated?: boolean;
  /** `ParseError` = malformed. */
  readonly malformed?: boolean;
  /** Plain `SyntaxError` also counts as malformed (parsers documented that way). */
  readonly syntax?: boolean;
}

const ALL: Allowed = { null: true, truncated: true, malformed: true };

/** RangeErrors the engine throws: never a documented truncation. */
const ENGINE_RANGE = /call stack|allocation failed|Invalid (typed )?array length|string length/i;

function show(input: unknown): string {
  if (input instanceof Uint8Array) {
    return `bytes(${input.length}) ${
      Array.from(input.subarray(0, 96), (b) => b.toString(16).padStart(2, "0")).join("")
    }${input.length > 96 ? "…" : ""}`;
  }
  const s = JSON.stringify(input) ?? String(input);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Classify a thrown value, or rethrow it as a failure when the parser does not document it. */
export function classify(e: unknown, allowed: Allowed, input: unknown): Outcome {
  if (e instanceof RangeError && allowed.truncated && !ENGINE_RANGE.test(e.message)) {
    return "truncated";
  }
  if (e instanceof ParseError && allowed.malformed) return "malformed";
  if (e instanceof SyntaxError && allowed.syntax) return "malformed";
  const what = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  throw new Error(`Undocumented outcome ${what} for input ${show(input)}`, { cause: e });
}

/** Slowest parser call seen through `outcome` since the last reset (the long run reports it). */
export const slowest: { ms: number; input: string; again: (() => unknown) | null } = {
  ms: 0,
  input: "",
  again: null,
};

/** Keep the slowest call, and a way to time it again (a loaded machine makes one-off outliers). */
function timed(t0: number, input: unknown, again: () => unknown): void {
  const ms = performance.now() - t0;
  if (ms > slowest.ms) {
    slowest.ms = ms;
    slowest.input = show(input);
    slowest.again = again;
  }
}

/** Run a parser on `input`; only its documented outcomes pass. */
export function outcome<T>(
  parse: (input: T) => unknown,
  input: T,
  allowed: Allowed = ALL,
): Outcome {
  let v: unknown;
  const t0 = performance.now();
  try {
    v = parse(input);
  } catch (e) {
    return classify(e, allowed, input);
  } finally {
    timed(t0, input, () => parse(input));
  }
  if (v === null) {
    if (!allowed.null) throw new Error(`Undocumented null for input ${show(input)}`);
    return "null";
  }
  return "value";
}

/** Async variant of `outcome` (readers that inflate). */
export async function outcomeAsync<T>(
  parse: (input: T) => Promise<unknown>,
  input: T,
  allowed: Allowed = ALL,
): Promise<Outcome> {
  let v: unknown;
  const t0 = performance.now();
  try {
    v = await parse(input);
  } catch (e) {
    return classify(e, allowed, input);
  } finally {
    timed(t0, input, () => parse(input));
  }
  if (v === null) {
    if (!allowed.null) throw new Error(`Undocumented null for input ${show(input)}`);
    return "null";
  }
  return "value";
}

/** Assertion without a test framework (the long run has none). */
export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function sameJson(a: unknown, b: unknown, what: string): void {
  const j = (v: unknown) =>
    JSON.stringify(v, (_k, x) => {
      if (x instanceof Uint8Array) return Array.from(x);
      if (typeof x === "bigint") return `${x}n`;
      if (x !== null && typeof x === "object" && !Array.isArray(x)) {
        return Object.fromEntries(Object.entries(x).sort(([a], [b]) => a < b ? -1 : 1));
      }
      return x;
    });
  const ja = j(a), jb = j(b);
  check(ja === jb, `${what}: round trip changed the value\n  ${ja}\n  ${jb}`);
}

/** Arbitrary bytes, mostly short, sometimes up to `max`. */
export function bytes(max = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: max }) },
  );
}

/** Bytes that start with `prefix` (so the parser gets past its magic). */
export function withPrefix(prefix: Uint8Array, max = 512): fc.Arbitrary<Uint8Array> {
  return bytes(max).map((b) => {
    const out = new Uint8Array(prefix.length + b.length);
    out.set(prefix);
    out.set(b, prefix.length);
    return out;
  });
}

/** A change to a valid encoding. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "extend"; tail: Uint8Array }
  | { kind: "set"; at: number; value: number }
  | { kind: "splice"; at: number; drop: number; insert: Uint8Array };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("extend" as const),
    tail: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant("set" as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff),
  }),
  fc.record({
    kind: fc.constant("splice" as const),
    at: fc.nat(),
    drop: fc.nat(8),
    insert: fc.uint8Array({ maxLength: 8 }),
  }),
);

/** Apply mutations; the result differs from `b` unless `b` is empty and the mutation cuts. */
export function mutate(b: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = b.slice();
  for (const m of ms) {
    const at = out.length === 0
      ? 0
      : m.kind === "extend"
      ? 0
      : (m as { at: number }).at % out.length;
    switch (m.kind) {
      case "flip":
        if (out.length > 0) out[at]! ^= 1 << m.bit;
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
      case "extend":
        out = Uint8Array.from([...out, ...m.tail]);
        break;
      case "set":
        if (out.length > 0) out[at] = m.value;
        break;
      case "splice":
        out = Uint8Array.from([...out.subarray(0, at), ...m.insert, ...out.subarray(at + m.drop)]);
        break;
    }
  }
  return out;
}

export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 3,
});

export function differ(a: Uint8Array, b: Uint8Array): boolean {
  return a.length !== b.length || a.some((x, i) => x !== b[i]);
}

/** Strings that stress text parsers: unicode, control characters, separators of many formats. */
export function text(max = 200): fc.Arbitrary<string> {
  const special = fc.constantFrom(
    "\n",
    "\r",
    "\t",
    " ",
    "\\",
    "'",
    '"',
    ";",
    "#",
    ":",
    "=",
    "&",
    "%",
    "\0",
    "\u0085",
    "\u2028",
    "\ud800",
    "\uffff",
    "{",
    "}",
    "[",
    "]",
    ",",
    "/",
    "0",
    "9",
    "x",
    "-",
    "_",
    ".",
  );
  return fc.oneof(
    fc.string({ maxLength: max }),
    fc.string({ unit: "binary", maxLength: max }),
    fc.array(fc.oneof(special, fc.string({ maxLength: 4 })), { maxLength: max / 2 }).map((a) =>
      a.join("")
    ),
  );
}
