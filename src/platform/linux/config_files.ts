import {
  applyChanges,
  parseUci,
  sections,
  type UciChange,
  type UciSection,
  writeUci,
} from "../../uci/mod.ts";
import { modeOf, readTextOrNull, writeFileAtomic } from "../atomic_file_deno.ts";
import type { ConfigBackend } from "../types.ts";

/** Configs that may hold private keys are kept 0600. */
const SECRET_CONFIGS = new Set(["network", "punch"]);

/** UCI configs as files under `<root>/etc/config`, written atomically. */
export class FileConfigBackend implements ConfigBackend {
  lastProblem: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly root: string) {}

  path(config: string): string {
    if (!/^[a-z0-9_-]+$/.test(config)) throw new Error(`Cannot use config name "${config}"`);
    return `${this.root}/etc/config/${config}`;
  }

  /**
   * The last parse of each file, by its text: punchd reads `network` and `punch` many times a
   * minute (status, reconcile, LAN assist), and parsing 100 peers or 200 LAN hosts takes tens of
   * milliseconds (more in the package's interpreter-only V8). Callers get their own copy.
   */
  private parsed = new Map<string, { text: string; sections: UciSection[] }>();

  async load(config: string): Promise<UciSection[]> {
    const text = await readTextOrNull(this.path(config));
    if (text === null) return [];
    const hit = this.parsed.get(config);
    if (hit !== undefined && hit.text === text) return structuredClone(hit.sections);
    try {
      const list = sections(parseUci(text));
      this.parsed.set(config, { text, sections: list });
      return structuredClone(list);
    } catch (e) {
      throw new Error(
        `Cannot read ${this.path(config)}: ${(e as Error).message}; fix the file by hand`,
      );
    }
  }

  /** Write `text` as `config` when that file does not exist yet; returns whether it did. */
  async createIfMissing(config: string, text: string): Promise<boolean> {
    const path = this.path(config);
    if ((await readTextOrNull(path)) !== null) return false;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(path, text, SECRET_CONFIGS.has(config) ? 0o600 : 0o644);
    return true;
  }

  /** Parse, change, write: a bad file or bad change leaves the file untouched. */
  commit(config: string, changes: UciChange[]): Promise<void> {
    const run = async () => {
      if (changes.length === 0) return;
      const path = this.path(config);
      const before = (await readTextOrNull(path)) ?? "";
      const doc = applyChanges(parseUci(before), changes);
      const mode = SECRET_CONFIGS.has(config) ? 0o600 : await modeOf(path, 0o644);
      await writeFileAtomic(path, writeUci(doc), mode);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }
}
