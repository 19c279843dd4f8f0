/** Applies LAN-assist operations with `nft` and `conntrack` through an injected command runner. */

import {
  type ConntrackEntry,
  type ConntrackFilter,
  conntrackFilterArgs,
  parseConntrackList,
} from "./conntrack.ts";
import {
  type AssistLayout,
  FW4_LAYOUT,
  hookProblem,
  includeFiles,
  installedFrom,
  operationScript,
  setupScript,
  teardownScript,
} from "./layout.ts";
import { type ListedRule, parseNftListing } from "./nft_listing.ts";
import {
  type AssistState,
  desiredRules,
  type InstalledRule,
  type Operation,
  planAssist,
  planRemoveAll,
} from "./plan.ts";
import { ASSIST_CHAINS, type AssistChain } from "./rules.ts";

/** Result of one command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command (argv, no shell); a lab passes one that runs it inside a namespace. */
export type Exec = (argv: readonly string[]) => Promise<ExecResult>;

/** Where the fw4 include files go, and how they are written. */
export interface IncludeWriter {
  /** Directory of fw4's automatic includes, e.g. `/usr/share/nftables.d`. */
  readonly dir: string;
  write(path: string, text: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Options of {@link AssistApplier}. */
export interface ApplierOptions {
  /** Defaults to {@link FW4_LAYOUT}. */
  readonly layout?: AssistLayout;
  /** Set on OpenWrt so the rules come back after `fw4 reload`; absent on plain Linux. */
  readonly includes?: IncludeWriter;
}

/** Runs `argv` as a subprocess of this process (the default runner on a router). */
export async function localExec(argv: readonly string[]): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new RangeError("Cannot run an empty command");
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Include files written with `Deno.writeTextFile` under `dir`. */
export function fileIncludes(dir: string): IncludeWriter {
  return {
    dir,
    async write(path, text) {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    },
    async remove(path) {
      await Deno.remove(path).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    },
  };
}

/** The ruleset lacks what LAN assist hooks into; `problem` names it and the fix. */
export class AssistHookError extends Error {
  constructor(readonly problem: string) {
    super(`Cannot apply the LAN assist rules: ${problem}`);
    this.name = "AssistHookError";
  }
}

/** The first error nft printed, without the echoed command and the caret line under it. */
export function firstError(stderr: string): string {
  const line = stderr.split("\n").map((l) => l.trim()).find((l) => l.startsWith("Error:"));
  return (line ?? stderr.trim().split("\n")[0] ?? "").replace(/^Error:\s*/, "") || "no message";
}

/** Installs, lists and removes Punch's LAN-assist rules and flushes the conntrack entries they need gone. */
export class AssistApplier {
  readonly #exec: Exec;
  readonly #layout: AssistLayout;
  readonly #includes: IncludeWriter | undefined;

  constructor(exec: Exec, options: ApplierOptions = {}) {
    this.#exec = exec;
    this.#layout = options.layout ?? FW4_LAYOUT;
    this.#includes = options.includes;
  }

  /** Punch's rules in the live ruleset (none when its chains do not exist yet). */
  async listInstalled(): Promise<InstalledRule[]> {
    return installedFrom(
      this.#layout,
      await this.#listChains(ASSIST_CHAINS.map((c) => this.#layout.chains[c])),
    );
  }

  /** Plan against the live ruleset and apply; returns the operations it carried out. */
  async sync(state: AssistState): Promise<Operation[]> {
    const ops = planAssist(state, await this.listInstalled());
    if (ops.length > 0) await this.apply(ops);
    return ops;
  }

  /**
   * Take out the installed rules `state` no longer wants (a removed host's, a moved remote's) and
   * add nothing: what can still be done while {@link checkHooks} reports a problem, since the
   * deletes are by handle in Punch's own chains and need no jump.
   */
  async prune(state: AssistState): Promise<Operation[]> {
    const want = new Set(desiredRules(state).map((r) => `${r.chain}|${r.tag}`));
    const stale = (await this.listInstalled()).filter((r) => !want.has(`${r.chain}|${r.tag}`));
    const ops = planRemoveAll(stale);
    if (ops.length === 0) return ops;
    await this.#nft(operationScript(this.#layout, ops));
    for (const op of ops) if (op.kind === "flush-conntrack") await this.#flush(op.filter);
    await this.persist();
    return ops;
  }

  /** Create the chains and jumps if missing, apply the rule operations in one nft transaction, then flush conntrack. */
  async apply(ops: readonly Operation[]): Promise<void> {
    const { rules: hookRules, problem } = await this.#listHooks();
    // Deletes alone need no jump (they go by handle in Punch's chains); new rules do.
    if (problem && ops.some((o) => o.kind === "add-rule")) throw new AssistHookError(problem);
    await this.#nft([
      ...(problem ? [] : setupScript(this.#layout, hookRules)),
      ...operationScript(this.#layout, ops),
    ]);
    for (const op of ops) if (op.kind === "flush-conntrack") await this.#flush(op.filter);
    await this.persist();
  }

  /**
   * What stops the rules from going in (fw4's table or a chain Punch jumps from is missing),
   * with the fix; null when the ruleset has everything. Always null for a layout of its own.
   */
  async checkHooks(): Promise<string | null> {
    return (await this.#listHooks()).problem;
  }

  /** The rules of fw4's hook chains, and the problem when some of them are missing. */
  async #listHooks(): Promise<{ rules: ListedRule[]; problem: string | null }> {
    const hooks = this.#layout.hooks;
    if (!hooks) return { rules: [], problem: null };
    const rules: ListedRule[] = [];
    const missing: AssistChain[] = [];
    for (const c of ASSIST_CHAINS) {
      const r = await this.#exec([
        "nft",
        "-a",
        "list",
        "chain",
        ...this.#layout.table.split(" "),
        hooks[c],
      ]);
      if (r.code === 0) rules.push(...parseNftListing(r.stdout));
      else if (/No such file or directory/i.test(r.stderr)) missing.push(c);
      else {
        throw new Error(
          `Cannot list the firewall chain "${hooks[c]}": ${
            r.stderr.trim() || `nft exited with ${r.code}`
          }; is nft installed?`,
        );
      }
    }
    if (missing.length === 0) return { rules, problem: null };
    const tables = await this.#exec(["nft", "list", "tables"]);
    return { rules, problem: hookProblem(this.#layout, tables.stdout, missing) };
  }

  /** Remove every Punch rule, the jumps and chains, the include files, and the conntrack entries of the mappings. */
  async removeAll(): Promise<void> {
    const ops = planRemoveAll(await this.listInstalled());
    const hooks = this.#layout.hooks;
    const hookRules = hooks ? await this.#listChains(ASSIST_CHAINS.map((c) => hooks[c])) : [];
    if (await this.#chainsExist()) await this.#nft(teardownScript(this.#layout, hookRules));
    for (const op of ops) if (op.kind === "flush-conntrack") await this.#flush(op.filter);
    if (this.#includes && this.#layout.hooks) {
      for (const f of includeFiles(this.#layout, [], this.#includes.dir)) {
        await this.#includes.remove(f.path);
      }
    }
  }

  /** Conntrack entries (UDP) that any of the filters selects, e.g. to check nothing is left behind. */
  async listConntrack(filters: readonly ConntrackFilter[]): Promise<ConntrackEntry[]> {
    const out: ConntrackEntry[] = [];
    for (const f of filters) {
      const r = await this.#exec(["conntrack", "-L", ...conntrackFilterArgs(f)]);
      if (r.code !== 0) {
        throw new Error(
          `Cannot list conntrack entries: ${r.stderr.trim()}; is conntrack installed?`,
        );
      }
      out.push(...parseConntrackList(r.stdout));
    }
    return out;
  }

  async #chainsExist(): Promise<boolean> {
    const r = await this.#exec([
      "nft",
      "list",
      "chain",
      ...this.#layout.table.split(" "),
      this.#layout.chains.dstnat,
    ]);
    return r.code === 0;
  }

  async #listChains(chains: readonly string[]): Promise<ListedRule[]> {
    const out: ListedRule[] = [];
    for (const chain of chains) {
      const r = await this.#exec([
        "nft",
        "-a",
        "list",
        "chain",
        ...this.#layout.table.split(" "),
        chain,
      ]);
      if (r.code !== 0) continue; // chain absent: nothing installed there
      out.push(...parseNftListing(r.stdout));
    }
    return out;
  }

  async #nft(cmds: readonly string[]): Promise<void> {
    if (cmds.length === 0) return;
    const r = await this.#exec(["nft", cmds.join("\n")]);
    if (r.code !== 0) {
      throw new Error(
        `Cannot update the firewall rules for LAN assist: nft refused the change (${
          firstError(r.stderr)
        }); see "nft list table ${this.#layout.table}" and the log (logread -e punch)`,
      );
    }
  }

  async #flush(filter: ConntrackFilter): Promise<void> {
    const r = await this.#exec(["conntrack", "-D", ...conntrackFilterArgs(filter)]);
    // conntrack exits 1 when nothing matched; that is the usual, fine case.
    if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) {
      throw new Error(
        `Cannot delete conntrack entries: ${r.stderr.trim()}; is conntrack installed?`,
      );
    }
  }

  /**
   * Rewrite the fw4 include files from the live rules (apply does this after every change; call
   * it once after start-up if the files may be missing). No-op without an include writer.
   */
  async persist(): Promise<void> {
    if (!this.#includes || !this.#layout.hooks) return;
    const role = new Map(ASSIST_CHAINS.map((c) => [this.#layout.chains[c], c]));
    const listed = await this.#listChains(ASSIST_CHAINS.map((c) => this.#layout.chains[c]));
    const rules = listed.flatMap((r) => {
      const chain = role.get(r.chain);
      return chain ? [{ chain, text: r.text }] : [];
    });
    for (const f of includeFiles(this.#layout, rules, this.#includes.dir)) {
      await this.#includes.write(f.path, f.text);
    }
  }
}
