import type { WgDesired } from "../wg/wg_desired.ts";
import { diffWg, type WgOp, wgSetArgs } from "../wg/wg_diff.ts";
import { parseWgDump, type WgDump } from "../wg/wg_dump.ts";
import { publicKeyOf } from "../wg/keys.ts";
import { exec, execOk } from "./exec_deno.ts";

/** `wg show <if> dump`, or null when the interface does not exist. */
export async function wgDump(ifname: string): Promise<WgDump | null> {
  try {
    const r = await exec(["wg", "show", ifname, "dump"]);
    return r.code === 0 ? parseWgDump(r.stdout) : null;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null; // wireguard-tools missing: reported by apply
    throw e;
  }
}

/**
 * Diff the live interface against `want` and run `wg set` for each difference (secrets on
 * stdin). `applied` remembers pushed endpoints across calls; `only` filters the operations.
 */
export async function syncPeers(
  want: WgDesired,
  live: WgDump,
  applied: Map<string, string>,
  only: (op: WgOp) => boolean = () => true,
): Promise<number> {
  const ops = diffWg(want, live, applied, Math.floor(Date.now() / 1000), publicKeyOf).filter(only);
  for (const op of ops) {
    const { args, stdin } = wgSetArgs(op, want);
    await execOk(["wg", "set", want.ifname, ...args], stdin === undefined ? {} : { stdin });
    if (op.kind === "set-peer" && op.endpoint !== undefined) applied.set(op.publicKey, op.endpoint);
    if (op.kind === "remove-peer") applied.delete(op.publicKey);
  }
  return ops.length;
}
