import {
  addPeerChanges,
  removePeerChanges,
  updatePeerChanges,
  type WgPeerModel,
} from "../uci/mod.ts";
import { UsageError } from "../lib/errors.ts";
import { parseCidr, parseEndpoint } from "../lib/net.ts";
import { isKey } from "../wg/keys.ts";
import { manualRouteProblem, reachedWith } from "../peer/route_policy.ts";
import type { Daemon } from "./daemon.ts";
import { checkName, Params } from "./params.ts";
import { interfacePublicKey } from "./status.ts";

/** PersistentKeepalive for every peer Punch manages (the seed technique's value). */
export const MANAGED_KEEPALIVE = 5;

function findPeer(peers: readonly WgPeerModel[], ref: string): WgPeerModel | undefined {
  return peers.find((p) => p.publicKey === ref || p.description === ref || p.name === ref);
}

/** `peer.add`: add a peer, or update the peer with the same public key in place. */
export async function peerAdd(d: Daemon, raw: Record<string, unknown>): Promise<unknown> {
  const p = new Params(raw);
  const publicKey = p.str("publicKey").trim();
  if (!isKey(publicKey)) {
    throw new UsageError(
      `Cannot add peer: "${publicKey}" is not a WireGuard public key (44 base64 characters)`,
    );
  }
  const allowedIps = p.strList("allowedIps") ?? [];
  if (allowedIps.length === 0) {
    throw new UsageError(
      "Cannot add peer: give its tunnel address with --allowed-ips (e.g. 10.77.0.2/32)",
    );
  }
  for (const c of allowedIps) parseCidr(c);
  const endpointText = p.optStr("endpoint");
  const endpoint = endpointText === undefined ? undefined : parseEndpoint(endpointText, 51820);
  const name = p.optStr("name");
  if (name !== undefined) checkName(name, "peer name");
  return await d.exclusive(async () => {
    const { model } = await d.model();
    if (publicKey === interfacePublicKey(model)) {
      throw new UsageError("Cannot add peer: that is this router's own public key");
    }
    const existing = findPeer(model.peers, publicKey);
    // A full tunnel, or a prefix the router reaches through its uplink, would cut it off.
    const reached = reachedWith(
      await d.platform.system.reached(model.name),
      endpoint?.host ?? existing?.endpointHost,
    );
    const problem = manualRouteProblem(allowedIps, reached);
    if (problem !== null) throw new UsageError(`Cannot add peer: ${problem}`);
    if (name !== undefined) {
      const clash = findPeer(model.peers, name);
      if (clash && clash.publicKey !== publicKey) {
        throw new UsageError(`Cannot add peer: the name "${name}" is taken by another peer`);
      }
    }
    const sections = await d.network();
    const changes = existing
      ? updatePeerChanges(sections, model.name, existing.name, {
        allowedIps,
        ...(name !== undefined ? { description: name } : {}),
        ...(endpoint ? { endpointHost: endpoint.host, endpointPort: endpoint.port } : {}),
        persistentKeepalive: MANAGED_KEEPALIVE,
        routeAllowedIps: true,
        disabled: false,
      })
      : addPeerChanges(model.name, {
        ...(name !== undefined ? { description: name } : {}),
        publicKey,
        allowedIps,
        ...(endpoint ? { endpointHost: endpoint.host, endpointPort: endpoint.port } : {}),
        persistentKeepalive: MANAGED_KEEPALIVE,
        routeAllowedIps: true,
      });
    await d.platform.config.commit("network", changes);
    // An endpoint given by hand wins over one learned from the peer's card (until its next card).
    if (endpoint) d.learnedEndpoints.clear(publicKey);
    return { publicKey, updated: existing !== undefined };
  }).then(async (r) => {
    await d.reconcile();
    return r;
  });
}

/** `peer.remove`: by description (name), section name or public key. */
export async function peerRemove(d: Daemon, raw: Record<string, unknown>): Promise<unknown> {
  const ref = new Params(raw).str("peer");
  const removed = await d.exclusive(async () => {
    const { model } = await d.model();
    const peer = findPeer(model.peers, ref);
    if (!peer) {
      throw new UsageError(`Cannot remove peer "${ref}": no such peer (see punchctl peer list)`);
    }
    await d.platform.config.commit(
      "network",
      removePeerChanges(await d.network(), model.name, peer.publicKey),
    );
    return peer.publicKey;
  });
  await d.peerRemoved(removed);
  await d.reconcile();
  return { publicKey: removed };
}

/** `peer.list`: configured peers with their live state. */
export async function peerList(d: Daemon): Promise<unknown> {
  const { model } = await d.model();
  return d.peerStatusList(model, await d.platform.wg.dump(model.name));
}
