import type { WgDesired } from "../wg/wg_desired.ts";
import { diffWg, type WgOp, wgSetArgs } from "../wg/wg_diff.ts";
import { parseWgDump, type WgDump } from "../wg/wg_dump.ts";
import { publicKeyOf } from "../wg/keys.ts";
import { exec, execOk } from "./exec_deno.ts";
import { errorMessage } from "../lib/errors.ts";

/** A `wg` call never takes longer than this (it only talks to the local interface). */
export const WG_TIMEOUT_MS = 5000;

/** `wg show <if> dump`, or null when the interface does not exist. */
export async function wgDump(ifname: string): Promise<WgDump | null> {
  try {
    const r = await exec(["wg", "show", ifname, "dump"], { timeoutMs: WG_TIMEOUT_MS });
    return r.code === 0 ? parseWgDump(r.stdout) : null;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null; // wireguard-tools missing: reported by apply
    throw e;
  }
}

/**
 * Diff the live interface against `want` and run `wg set` for each difference (secrets on
 * stdin). `applied` remembers pushed endpoints across calls; `only` filters the operations.
 * A peer whose change fails does not stop the others: its failure is pushed to `problems`
 * (one line naming the peer); interface-wide changes (key, port) still throw.
 */
export async function syncPeers(
  want: WgDesired,
  live: WgDump,
  applied: Map<string, string>,
  only: (op: WgOp) => boolean = () => true,
  problems: string[] = [],
): Promise<number> {
  const ops = diffWg(want, live, applied, Math.floor(Date.now() / 1000), publicKeyOf).filter(only);
  let n = 0;
  for (const op of ops) {
    const { args, stdin } = wgSetArgs(op, want);
    try {
      await execOk(
        ["wg", "set", want.ifname, ...args],
        { timeoutMs: WG_TIMEOUT_MS, ...(stdin === undefined ? {} : { stdin }) },
      );
    } catch (e) {
      if (op.kind !== "set-peer" && op.kind !== "remove-peer") throw e;
      problems.push(`Cannot configure peer ${op.publicKey.slice(0, 8)}…: ${errorMessage(e)}`);
      continue;
    }
    n++;
    if (op.kind === "set-peer" && op.endpoint !== undefined) applied.set(op.publicKey, op.endpoint);
    if (op.kind === "remove-peer") applied.delete(op.publicKey);
  }
  return n;
}
