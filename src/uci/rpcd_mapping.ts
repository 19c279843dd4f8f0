import type { UciChange } from "./uci_changes.ts";
import type { UciSection, UciValue } from "./uci_doc.ts";

/** One section as rpcd's `uci get {config}` returns it (libuci's dump with dotted metadata). */
export interface RpcdSection {
  ".anonymous"?: boolean;
  ".type"?: string;
  ".name"?: string;
  ".index"?: number;
  [option: string]: unknown;
}

/**
 * The sections of rpcd's `uci get {config}` reply (`{values: {name: section}}`), in file order.
 * @example sectionsFromRpcd({ values: { lan: { ".type": "interface", ".name": "lan", ".index": 1, proto: "static" } } })
 */
export function sectionsFromRpcd(reply: { values?: unknown }): UciSection[] {
  const values = reply.values;
  if (typeof values !== "object" || values === null) return [];
  // a value that is not an object is no section (rpcd never sends one; skip it, do not crash)
  const entries = Object.entries(values as Record<string, RpcdSection>).filter(([, s]) =>
    typeof s === "object" && s !== null && !Array.isArray(s)
  );
  const list = entries.map(([key, s]) => {
    const options: Record<string, UciValue> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k.startsWith(".")) continue;
      if (typeof v === "string") options[k] = v;
      else if (Array.isArray(v)) options[k] = v.map(String);
      else if (typeof v === "number" || typeof v === "boolean") options[k] = String(v);
    }
    return {
      index: typeof s[".index"] === "number" ? s[".index"] : 0,
      section: {
        type: String(s[".type"] ?? ""),
        name: String(s[".name"] ?? key),
        anonymous: s[".anonymous"] === true,
        options,
      } satisfies UciSection,
    };
  });
  return list.sort((a, b) => a.index - b.index).map((x) => x.section);
}

/** An rpcd `uci` method call. */
export interface RpcdCall {
  method: "set" | "add" | "delete" | "rename";
  args: Record<string, unknown>;
}

const isEmpty = (v: UciValue) => (Array.isArray(v) ? v.length === 0 : v === "");

/** The rpcd `uci` call that makes one change in `config` (rpcd uci.c: set/add/delete/rename). */
export function rpcdCallFor(config: string, c: UciChange): RpcdCall {
  switch (c.op) {
    case "set":
      return isEmpty(c.value)
        ? { method: "delete", args: { config, section: c.section, option: c.option } }
        : { method: "set", args: { config, section: c.section, values: { [c.option]: c.value } } };
    case "delete":
      return {
        method: "delete",
        args: { config, section: c.section, ...(c.option ? { option: c.option } : {}) },
      };
    case "add":
      return {
        method: "add",
        args: {
          config,
          type: c.type,
          ...(c.name ? { name: c.name } : {}),
          ...(c.values ? { values: c.values } : {}),
        },
      };
    case "rename":
      return {
        method: "rename",
        args: {
          config,
          section: c.section,
          ...(c.option ? { option: c.option } : {}),
          name: c.name,
        },
      };
  }
}
