import { flagBool, type FlagSpec, flagString, type ParsedArgs } from "../lib/args.ts";
import { UsageError } from "../lib/errors.ts";

/** Calls one control method on punchd. */
export type Call = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

/** One punchctl subcommand: words, usage, summary, flags and what it does. */
export interface Command {
  words: string[];
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** Longest time the call may take (default 60 s). */
  timeoutMs?: number;
  run(call: Call, a: ParsedArgs): Promise<string>;
}

export const JSON_FLAG = { json: { type: "boolean" } } as const;

/** `--json` output, else the text rendering. */
export const out = (a: ParsedArgs, v: unknown, text: () => string): string =>
  flagBool(a, "json") ? JSON.stringify(v, null, 2) : text();

/** A required `--name` value. */
export function need(a: ParsedArgs, name: string, hint: string): string {
  const v = flagString(a, name);
  if (v === undefined) throw new UsageError(`Missing --${name}: ${hint}`);
  return v;
}

/** Exactly one positional argument. */
export function onePositional(a: ParsedArgs, what: string): string {
  if (a.positionals.length !== 1) throw new UsageError(`Give exactly one ${what}`);
  return a.positionals[0]!;
}
