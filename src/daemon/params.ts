import { UsageError } from "../lib/errors.ts";

/** Typed access to a control request's params; every failure is a `UsageError` naming the field. */
export class Params {
  constructor(private readonly p: Record<string, unknown>) {}

  str(name: string): string {
    const v = this.p[name];
    if (typeof v !== "string" || v === "") throw new UsageError(`Missing "${name}"`);
    return v;
  }

  optStr(name: string): string | undefined {
    const v = this.p[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw new UsageError(`"${name}" must be text`);
    return v;
  }

  strList(name: string): string[] | undefined {
    const v = this.p[name];
    if (v === undefined || v === null) return undefined;
    const list = typeof v === "string" ? v.split(",") : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
      throw new UsageError(`"${name}" must be a list of text`);
    }
    return (list as string[]).map((s) => s.trim()).filter((s) => s !== "");
  }

  bool(name: string): boolean {
    const v = this.p[name];
    if (v === undefined || v === null) return false;
    if (typeof v !== "boolean") throw new UsageError(`"${name}" must be true or false`);
    return v;
  }

  optInt(name: string, min: number, max: number): number | undefined {
    const v = this.p[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "string" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`"${name}" must be a whole number from ${min} to ${max}`);
    }
    return n;
  }
}

/** Names users give peers and LAN hosts: short, safe in UCI and in the shell. */
export function checkName(name: string, what = "name"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name)) {
    throw new UsageError(
      `Cannot use ${what} "${name}": use up to 32 letters, digits, ".", "_" or "-"`,
    );
  }
  return name;
}
