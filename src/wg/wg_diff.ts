import type { WgDump, WgDumpPeer } from "./wg_dump.ts";
import { canonicalAllowedIps, type WgDesired, type WgDesiredPeer } from "./wg_desired.ts";

/** One change to a live WireGuard interface; `secret` goes to `wg` on stdin, never argv. */
export type WgOp =
  | { kind: "set-private-key" }
  | { kind: "set-listen-port"; port: number }
  | { kind: "remove-peer"; publicKey: string }
  | {
    kind: "set-peer";
    publicKey: string;
    allowedIps?: string[];
    endpoint?: string;
    persistentKeepalive?: number;
    presharedKey?: boolean;
  };

/** What was last pushed, so a roaming peer's live endpoint is not forced back every pass. */
export type AppliedEndpoints = ReadonlyMap<string, string>;

/** Seconds after which a handshake counts as stale (WireGuard's REJECT_AFTER_TIME is 180 s). */
export const STALE_AFTER_S = 180;

function peerOps(
  want: WgDesiredPeer,
  live: WgDumpPeer | undefined,
  applied: AppliedEndpoints,
  nowS: number,
): WgOp | null {
  const op: Extract<WgOp, { kind: "set-peer" }> = { kind: "set-peer", publicKey: want.publicKey };
  const allowed = canonicalAllowedIps(want.allowedIps);
  if (!live || canonicalAllowedIps(live.allowedIps).join(",") !== allowed.join(",")) {
    op.allowedIps = allowed;
  }
  if (want.endpoint !== undefined) {
    const fresh = live !== undefined && live.latestHandshake > 0 &&
      nowS - live.latestHandshake < STALE_AFTER_S;
    const changed = applied.get(want.publicKey) !== want.endpoint;
    if (
      !live || (changed && live.endpoint !== want.endpoint) ||
      (!fresh && live.endpoint !== want.endpoint)
    ) {
      op.endpoint = want.endpoint;
    }
  }
  const ka = want.persistentKeepalive ?? null;
  if (!live || (live.persistentKeepalive ?? null) !== ka) op.persistentKeepalive = ka ?? 0;
  const psk = want.presharedKey ?? null;
  if (!live ? psk !== null : live.presharedKey !== psk) op.presharedKey = true;
  return Object.keys(op).length > 2 || !live ? op : null;
}

/**
 * Operations that turn the live interface (`wg show dump`) into the desired one, touching only
 * what differs, so unchanged peers keep their session.
 * @example diffWg(desired, parseWgDump(text), new Map(), Date.now() / 1000)
 */
export function diffWg(
  want: WgDesired,
  live: WgDump,
  applied: AppliedEndpoints,
  nowS: number,
  publicKeyOfPrivate: (priv: string) => string,
): WgOp[] {
  const ops: WgOp[] = [];
  if (live.iface.publicKey !== publicKeyOfPrivate(want.privateKey)) {
    ops.push({ kind: "set-private-key" });
  }
  if (want.listenPort !== undefined && live.iface.listenPort !== want.listenPort) {
    ops.push({ kind: "set-listen-port", port: want.listenPort });
  }
  const wanted = new Set(want.peers.map((p) => p.publicKey));
  for (const p of live.peers) {
    if (!wanted.has(p.publicKey)) ops.push({ kind: "remove-peer", publicKey: p.publicKey });
  }
  const byKey = new Map(live.peers.map((p) => [p.publicKey, p]));
  for (const p of want.peers) {
    const op = peerOps(p, byKey.get(p.publicKey), applied, nowS);
    if (op) ops.push(op);
  }
  return ops;
}

/** `wg` argv for one operation (after `wg set <if>`), and what to feed on stdin. */
export function wgSetArgs(op: WgOp, want: WgDesired): { args: string[]; stdin?: string } {
  switch (op.kind) {
    case "set-private-key":
      return { args: ["private-key", "/dev/stdin"], stdin: want.privateKey + "\n" };
    case "set-listen-port":
      return { args: ["listen-port", String(op.port)] };
    case "remove-peer":
      return { args: ["peer", op.publicKey, "remove"] };
    case "set-peer": {
      const args = ["peer", op.publicKey];
      if (op.allowedIps) args.push("allowed-ips", op.allowedIps.join(","));
      if (op.endpoint !== undefined) args.push("endpoint", op.endpoint);
      if (op.persistentKeepalive !== undefined) {
        args.push(
          "persistent-keepalive",
          op.persistentKeepalive === 0 ? "off" : String(op.persistentKeepalive),
        );
      }
      if (op.presharedKey) {
        const psk = want.peers.find((p) => p.publicKey === op.publicKey)?.presharedKey;
        args.push("preshared-key", "/dev/stdin");
        return { args, stdin: (psk ?? "") + "\n" };
      }
      return { args };
    }
  }
}
