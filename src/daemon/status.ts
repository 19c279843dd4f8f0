import type { WgInterfaceModel, WgPeerModel } from "../uci/mod.ts";
import type { WgDump } from "../wg/wg_dump.ts";
import { STALE_AFTER_S } from "../wg/wg_diff.ts";
import { publicKeyOf } from "../wg/keys.ts";

export type PeerState = "connected" | "stale" | "never" | "disabled";

export interface PeerStatus {
  name: string;
  description?: string;
  publicKey: string;
  /** Configured endpoint (`host:port`). */
  endpoint?: string;
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
}

/** Join the configured peers with the live `wg show dump`; pure. */
export function peerStatuses(
  model: WgInterfaceModel,
  dump: WgDump | null,
  nowS: number,
): PeerStatus[] {
  const live = new Map((dump?.peers ?? []).map((p) => [p.publicKey, p]));
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
    return {
      name: p.description || (p.anonymous ? p.publicKey.slice(0, 8) : p.name),
      ...(p.description ? { description: p.description } : {}),
      publicKey: p.publicKey,
      ...(p.endpointHost
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
    };
  });
}

/** The public key of the interface, from the model (never exposes the private key). */
export function interfacePublicKey(model: WgInterfaceModel): string {
  return publicKeyOf(model.privateKey);
}
