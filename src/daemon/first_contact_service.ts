import type { ExecResult } from "../platform/types.ts";
import { errorMessage } from "../lib/errors.ts";
import {
  FIRST_CONTACT_TABLE,
  type ForwardPair,
  type LocalPair,
  pairsScript,
  tableScript,
} from "../wg/first_contact.ts";

/** Pairs already in place are written again this often, so a flushed ruleset is healed. */
export const HEAL_MS = 60_000;

/**
 * Keeps the first-contact table (`src/wg/first_contact.ts`) in the kernel: RAM only, never in a
 * config file. The router's own pairs come from reconcile, LAN hosts' from LAN assist.
 */
export class FirstContactService {
  private local: readonly LocalPair[] = [];
  private forward: readonly ForwardPair[] = [];
  private applied: string | null = null;
  private failed: string | null = null;
  private appliedAt = 0;
  private queue: Promise<void> = Promise.resolve();
  problem: string | null = null;

  constructor(
    private readonly exec: (argv: string[], stdin?: string) => Promise<ExecResult>,
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
    private readonly enabled = true,
  ) {}

  setLocal(pairs: readonly LocalPair[]): Promise<void> {
    this.local = pairs;
    return this.apply();
  }

  setForward(pairs: readonly ForwardPair[]): Promise<void> {
    this.forward = pairs;
    return this.apply();
  }

  private apply(): Promise<void> {
    if (!this.enabled) return this.queue;
    this.queue = this.queue.then(() => this.applyNow());
    return this.queue;
  }

  private async applyNow(): Promise<void> {
    const script = pairsScript(this.local, this.forward);
    const same = script === this.applied;
    const recent = this.now() - this.appliedAt < HEAL_MS;
    // Healing, and retrying what failed, once a minute: never a process per reconcile.
    if ((same || script === this.failed) && recent) return;
    // New pairs get a new table: what it remembered about a removed or moved peer is stale.
    const run = (text: string) =>
      this.exec(["nft", "-f", "-"], text).catch((e: unknown) => ({
        code: 127,
        stdout: "",
        stderr: errorMessage(e),
      }));
    let r = same ? await run(script) : { code: 1, stdout: "", stderr: "" };
    if (r.code !== 0) r = await run(tableScript() + script);
    if (r.code !== 0) {
      const problem = `Cannot install the first-contact rules (table ${FIRST_CONTACT_TABLE}): ${
        r.stderr.trim().split("\n")[0] || `nft exited with ${r.code}`
      }; crossing handshakes are then left to WireGuard's retries`;
      if (problem !== this.problem) this.log(problem);
      this.problem = problem;
      this.applied = null;
      this.failed = script;
      this.appliedAt = this.now();
      return;
    }
    this.problem = null;
    this.failed = null;
    this.applied = script;
    this.appliedAt = this.now();
  }

  /** Remove the table (punchd stops). */
  async remove(): Promise<void> {
    await this.queue;
    if (!this.enabled) return;
    await this.exec(["nft", "delete", "table", ...FIRST_CONTACT_TABLE.split(" ")]).catch(() => {});
    this.applied = null;
  }
}
