import { UsageError } from "./errors.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  /** Allow repeating; values are collected in order. */
  multiple?: boolean;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
}

/** Parse `--name value`, `--name=value` and `--bool`; unknown flags are a `UsageError`. */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a === "-") {
      if (a.startsWith("-") && a !== "-" && !/^-\d/.test(a)) {
        throw new UsageError(`Unknown option "${a}": options are written --name`);
      }
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`Unknown option "--${name}": see --help`);
    let value: string | boolean;
    if (s.type === "boolean") {
      if (eq >= 0) throw new UsageError(`Option "--${name}" takes no value`);
      value = true;
    } else if (eq >= 0) {
      value = a.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`Option "--${name}" needs a value`);
      }
      value = next;
      i++;
    }
    if (s.multiple) {
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), String(value)];
    } else {
      if (name in flags) throw new UsageError(`Option "--${name}" given twice`);
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

export function flagString(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === "string" ? v : undefined;
}

export function flagBool(p: ParsedArgs, name: string): boolean {
  return p.flags[name] === true;
}
