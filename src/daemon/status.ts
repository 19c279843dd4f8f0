import type { WgInterfaceModel, WgPeerModel } from "../uci/mod.ts";
import type { WgDump } from "../wg/wg_dump.ts";
import { STALE_AFTER_S } from "../wg/wg_diff.ts";
import { publicKeyOf } from "../wg/keys.ts";
import { type PathKind, type PathTracker, peerPath } from "../wg/peer_path.ts";
import type { EndpointSource, LearnedEndpoint } from "./learned_endpoints.ts";

export type PeerState = "connected" | "stale" | "never" | "disabled";

export interface PeerStatus {
  name: string;
  description?: string;
  publicKey: string;
  /** The endpoint punchd gives WireGuard (`host:port`): learned from a card, else configured. */
  endpoint?: string;
  /** Set when `endpoint` was learned at run time (RAM, not in UCI): "card". */
  endpointSource?: EndpointSource;
  /** Endpoint WireGuard last heard from. */
  liveEndpoint?: string;
  allowedIps: string[];
  persistentKeepalive?: number;
  /** Unix seconds; 0 = never. */
  latestHandshake: number;
  handshakeAgeSec?: number;
  rxBytes: number;
  txBytes: number;
  state: PeerState;
  /** Which path the tunnel takes (same-lan, ipv6, direct, relayed, none), why, and since when. */
  path: PathKind;
  pathWhy: string;
  /** Unix ms. */
  pathSince?: number;
}

/** What `peerStatuses` needs beyond config and dump to tell the path. */
export interface PathContext {
  tracker: PathTracker;
  nowMs: number;
  verdict?: string | undefined;
  relays?: ReadonlyMap<string, string>;
  /** Per peer key: why no relay could be found (set by the relay service). */
  relayNotes?: ReadonlyMap<string, string>;
  /** Per peer key: the endpoint learned from its card, if any. */
  learned?: (publicKey: string) => LearnedEndpoint | undefined;
}

/** Join the configured peers with the live `wg show dump`; pure. */
export function peerStatuses(
  model: WgInterfaceModel,
  dump: WgDump | null,
  nowS: number,
  ctx?: PathContext,
): PeerStatus[] {
  const live = new Map((dump?.peers ?? []).map((p) => [p.publicKey, p]));
  ctx?.tracker.keepOnly(new Set(model.peers.map((p) => p.publicKey)));
  return model.peers.map((p: WgPeerModel): PeerStatus => {
    const l = live.get(p.publicKey);
    const hs = l?.latestHandshake ?? 0;
    const age = hs > 0 ? Math.max(0, nowS - hs) : undefined;
    const state: PeerState = p.disabled
      ? "disabled"
      : hs === 0
      ? "never"
      : age! < STALE_AFTER_S
      ? "connected"
      : "stale";
    const path = peerPath({
      state,
      liveEndpoint: l?.endpoint ?? undefined,
      handshakeAgeSec: age,
      ...(ctx?.verdict !== undefined ? { verdict: ctx.verdict } : {}),
      ...(ctx?.relays ? { relays: ctx.relays } : {}),
      ...(ctx?.relayNotes?.has(p.publicKey) ? { relayNote: ctx.relayNotes.get(p.publicKey) } : {}),
    });
    const learned = ctx?.learned?.(p.publicKey);
    return {
      name: p.description || (p.anonymous ? p.publicKey.slice(0, 8) : p.name),
      ...(p.description ? { description: p.description } : {}),
      publicKey: p.publicKey,
      ...(learned !== undefined
        ? { endpoint: learned.endpoint, endpointSource: learned.source }
        : p.endpointHost
        ? {
          endpoint: `${p.endpointHost.includes(":") ? `[${p.endpointHost}]` : p.endpointHost}:${
            p.endpointPort ?? 51820
          }`,
        }
        : {}),
      ...(l?.endpoint ? { liveEndpoint: l.endpoint } : {}),
      allowedIps: p.allowedIps,
      ...(p.persistentKeepalive !== undefined
        ? { persistentKeepalive: p.persistentKeepalive }
        : {}),
      latestHandshake: hs,
      ...(age !== undefined ? { handshakeAgeSec: age } : {}),
      rxBytes: l?.rxBytes ?? 0,
      txBytes: l?.txBytes ?? 0,
      state,
      path: path.path,
      pathWhy: path.why,
      ...(ctx ? { pathSince: ctx.tracker.since(p.publicKey, path.path, ctx.nowMs) } : {}),
    };
  });
}

/** The public key of the interface, from the model (never exposes the private key). */
export function interfacePublicKey(model: WgInterfaceModel): string {
  return publicKeyOf(model.privateKey);
}
