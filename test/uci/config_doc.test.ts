import { describe, expect, test } from "vitest";
import { DEFAULT_CONTROL_PORT, readPeeringOptions } from "../../src/daemon/peering/mod.ts";
import { readLanHosts } from "../../src/daemon/lan_hosts.ts";
import {
  parseUci,
  PUNCH_DEFAULT_FILE,
  PUNCH_DEFAULTS,
  PUNCH_OPTIONS,
  readPunchConfig,
  sections,
} from "../../src/uci/mod.ts";

/**
 * docs/config.md documents every option Punch reads from /etc/config/punch, and nothing else.
 * The options the code reads are taken from the readers themselves: the option map of
 * punch_schema.ts, and the `options.x` / `options["x"]` reads of the other readers. Any other
 * file under src/ that reads UCI options directly must be listed here (and documented).
 */
const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, ROOT));

/** Files that read options of /etc/config/punch, and the section type they read. */
const PUNCH_READERS: Record<string, "punch" | "lanhost"> = {
  "src/daemon/peering/peering_options.ts": "punch",
  "src/daemon/lan_hosts.ts": "lanhost",
  "src/uci/punch_schema.ts": "punch", // PUNCH_OPTIONS below, and readers such as readRelayOption
};
/** Files that read options of other configs (network, firewall) or are the reading machinery. */
const OTHER_READERS = new Set([
  "src/uci/wireguard_schema.ts",
  "src/uci/network_schema.ts",
  "src/uci/uci_values.ts",
]);

const DIRECT_READ = /\.options(?:\["([a-z_]+)"\]|\.([a-z_]+)\b)/g;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...tsFiles(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

function optionsInCode(): Record<"punch" | "lanhost", Set<string>> {
  const out = { punch: new Set(Object.values(PUNCH_OPTIONS)), lanhost: new Set<string>() };
  for (const [file, type] of Object.entries(PUNCH_READERS)) {
    for (const m of read(file).matchAll(DIRECT_READ)) out[type].add(m[1] ?? m[2]!);
  }
  return out;
}

/** Option names in the first column of the tables under `### \`config TYPE …\``. */
function optionsInDoc(): Record<string, Set<string>> {
  const out: Record<string, Set<string>> = {};
  let type: string | undefined;
  for (const line of read("docs/config.md").split("\n")) {
    const head = /^#{2,3} /.exec(line) ? /^### `config (\w+) /.exec(line) : null;
    if (/^#{2,3} /.test(line)) type = head?.[1];
    const row = /^\| `([a-z_]+)` +\|/.exec(line);
    if (type && row) (out[type] ??= new Set()).add(row[1]!);
  }
  return out;
}

describe("docs/config.md", () => {
  test("documents exactly the options the code reads, per section type", () => {
    const code = optionsInCode();
    const doc = optionsInDoc();
    expect([...(doc.punch ?? [])].sort()).toEqual([...code.punch].sort());
    expect([...(doc.lanhost ?? [])].sort()).toEqual([...code.lanhost].sort());
    expect(code.punch.size).toBeGreaterThanOrEqual(9);
    expect(code.lanhost.size).toBe(4);
  });

  test("no other file under src/ reads UCI options directly", () => {
    const readers = tsFiles("src").filter((f) =>
      [...read(f).matchAll(DIRECT_READ)].length > 0 || /new OptionReader\(/.test(read(f))
    );
    for (const f of readers) {
      expect(
        f in PUNCH_READERS || OTHER_READERS.has(f),
        `${f} reads UCI options: list it in this test and document its options`,
      ).toBe(true);
    }
  });

  test("the README links it", () => {
    expect(read("README.md")).toContain("docs/config.md");
  });
});

describe("the default file punchd writes on --platform linux", () => {
  const doc = sections(parseUci(PUNCH_DEFAULT_FILE));

  test("holds the defaults the code uses anyway", () => {
    expect(readPunchConfig(doc)).toEqual(PUNCH_DEFAULTS);
    expect(readPeeringOptions(doc)).toEqual({ controlPort: DEFAULT_CONTROL_PORT });
    expect(readLanHosts(doc)).toEqual([]);
  });

  test("names every documented option, set or commented", () => {
    const code = optionsInCode();
    for (const o of [...code.punch, ...code.lanhost]) {
      expect(PUNCH_DEFAULT_FILE).toMatch(new RegExp(`^\\s*#?\\s*(option|list) ${o} `, "m"));
    }
  });
});
