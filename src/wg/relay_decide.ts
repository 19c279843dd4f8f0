/**
 * When a peer needs the relay (sans-I/O): no handshake `RELAY_AFTER_MS` after it got an
 * endpoint, or at once when the two cards' NAT hints rule out a direct path (`hopeless`), and only
 * on the side that wins the tie (`winsTie`), so one allocation is made per pair.
 */
import { winsTie } from "./first_contact.ts";

/** How long a peer may go without a handshake before the relay is asked. */
export const RELAY_AFTER_MS = 5_000;
/** A handshake older than this counts as none (WireGuard rekeys every 2 min while in use). */
export const HANDSHAKE_FRESH_S = 180;
/** Between two rounds of asking for the same peer. */
export const ASK_AGAIN_MS = 30_000;

export interface RelayPeerState {
  key: string;
  /** When this peer first had an endpoint (ms), or undefined while it has none. */
  endpointSince?: number | undefined;
  /** Latest handshake (seconds since the epoch), 0 = never. */
  handshakeAt: number;
  /** Already relayed (a runtime endpoint override is in place). */
  relayed: boolean;
  /** When we last asked a relay for this peer (ms), if ever. */
  askedAt?: number | undefined;
  /** Wait between two rounds for this peer (default `ASK_AGAIN_MS`; longer after failures). */
  againMs?: number | undefined;
  /** Both NATs are known and no direct path can exist (`directHopeless`): no wait. */
  hopeless?: boolean | undefined;
  /** A direct path we moved to from a relay went silent (`directDied`): ask now, fresh or not. */
  fellBack?: boolean | undefined;
}

/** Longest wait between two rounds of asking (a peer that is offline for good). */
export const ASK_AGAIN_MAX_MS = 10 * 60_000;

/** The wait after `failed` rounds in a row that found no relay: 30 s, doubling, at most 10 min. */
export function askAgainAfter(failed: number): number {
  return Math.min(ASK_AGAIN_MS * 2 ** Math.min(failed, 10), ASK_AGAIN_MAX_MS);
}

/** True when we should ask a relay for `p` now. */
export function wantsRelay(ourKey: string, p: RelayPeerState, nowMs: number): boolean {
  if (p.relayed || p.endpointSince === undefined) return false;
  if (!winsTie(ourKey, p.key)) return false;
  const fresh = p.handshakeAt > 0 && nowMs / 1000 - p.handshakeAt < HANDSHAKE_FRESH_S;
  if (fresh && !p.fellBack) return false;
  if (!p.hopeless && !p.fellBack && nowMs - p.endpointSince < RELAY_AFTER_MS) return false;
  return p.askedAt === undefined || nowMs - p.askedAt >= (p.againMs ?? ASK_AGAIN_MS);
}

/** A relayed peer whose relay stopped working (no fresh handshake): drop the override. */
export function relayDead(handshakeAt: number, relayedSince: number, nowMs: number): boolean {
  if (nowMs - relayedSince < 3 * RELAY_AFTER_MS + 15_000) return false;
  return handshakeAt === 0 || nowMs / 1000 - handshakeAt >= HANDSHAKE_FRESH_S;
}

/** At most one try at the direct path per relayed peer this often. */
export const UPGRADE_EVERY_MS = 20_000;
/**
 * While relayed, the tie winner has both routers probe each other over the WAN (control port to
 * control port, a few datagrams each) this often: when a probe gets through, a direct path has
 * opened, and the real try (which moves WireGuard for a moment) follows.
 */
export const PROBE_EVERY_MS = 10_000;
/** Datagrams per probe round and side, and the gap between them. */
export const PROBE_COUNT = 5;
export const PROBE_GAP_MS = 200;
/** A probe round's id is honoured this long. */
export const PROBE_VALID_MS = 4_000;
/**
 * Without any sign of a direct path, a real try still happens this often: a port forwarded to the
 * WireGuard port alone (not the control port) shows only there.
 */
export const BLIND_TRY_EVERY_MS = 5 * 60_000;

/** Whether the tie winner starts a probe round for a relayed peer now. */
export function probeDue(lastProbeAt: number | undefined, nowMs: number): boolean {
  return lastProbeAt === undefined || nowMs - lastProbeAt >= PROBE_EVERY_MS;
}
/** How long the other side waits for the winner's verdict before it goes back to the relay. */
export const TRIAL_WAIT_MS = 15_000;

/**
 * Whether to try the direct path for a relayed peer now: only the tie winner, only when something
 * changed that could make it work, and not more often than `UPGRADE_EVERY_MS`.
 */
export function directTryDue(
  p: { winner: boolean; triggered: boolean; lastTryAt?: number | undefined; running: boolean },
  nowMs: number,
): boolean {
  if (!p.winner || !p.triggered || p.running) return false;
  return p.lastTryAt === undefined || nowMs - p.lastTryAt >= UPGRADE_EVERY_MS;
}

/**
 * After a move from the relay to direct: nothing received for this long, while WireGuard's
 * keepalive (every 5 s on Punch's peers) would have brought something, means the direct path died.
 */
export const DIRECT_DEAD_MS = 12_000;

/** Whether a direct path we moved to has gone silent (`rxAt`: when its rx counter last grew). */
export function directDied(rxAt: number, nowMs: number): boolean {
  return nowMs - rxAt >= DIRECT_DEAD_MS;
}
