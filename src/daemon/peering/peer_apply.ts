import { addPeerChanges, updatePeerChanges, type WgPeerPatch } from "../../uci/mod.ts";
import type { Endpoint } from "../../lib/net.ts";
import type { Daemon } from "../daemon.ts";
import { MANAGED_KEEPALIVE } from "../peer_handlers.ts";

/** A WireGuard peer that peering wants configured. */
export interface PeerWant {
  publicKey: string;
  name: string;
  allowedIps: string[];
  /**
   * Written to UCI only when the peer is added; a later endpoint is runtime state, kept by the
   * caller in `Daemon.learnedEndpoints` (RAM), so a peer's WAN change writes nothing.
   */
  endpoint?: Endpoint;
}

/**
 * Add the peer through the same UCI path as `peer.add`, or update only what differs (name,
 * allowed IPs, keepalive, never the endpoint). Returns true when the config changed (the caller
 * reconciles). Runs under `d.exclusive`.
 */
export function upsertPeer(d: Daemon, want: PeerWant): Promise<boolean> {
  return d.exclusive(async () => {
    const { model } = await d.model();
    const existing = model.peers.find((p) => p.publicKey === want.publicKey);
    const description = want.name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 32);
    if (!existing) {
      await d.platform.config.commit(
        "network",
        addPeerChanges(model.name, {
          ...(description !== "" ? { description } : {}),
          publicKey: want.publicKey,
          allowedIps: want.allowedIps,
          ...(want.endpoint
            ? { endpointHost: want.endpoint.host, endpointPort: want.endpoint.port }
            : {}),
          persistentKeepalive: MANAGED_KEEPALIVE,
          routeAllowedIps: true,
        }),
      );
      return true;
    }
    const patch: WgPeerPatch = {};
    if ([...existing.allowedIps].sort().join(",") !== [...want.allowedIps].sort().join(",")) {
      patch.allowedIps = want.allowedIps;
    }
    if (existing.description === "" && description !== "") patch.description = description;
    if (existing.persistentKeepalive !== MANAGED_KEEPALIVE) {
      patch.persistentKeepalive = MANAGED_KEEPALIVE;
    }
    if (!existing.routeAllowedIps) patch.routeAllowedIps = true;
    if (existing.disabled) patch.disabled = false;
    if (Object.keys(patch).length === 0) return false;
    await d.platform.config.commit(
      "network",
      updatePeerChanges(await d.network(), model.name, existing.name, patch),
    );
    return true;
  });
}
