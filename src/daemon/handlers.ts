import type { Daemon } from "./daemon.ts";
import { peerAdd, peerList, peerRemove } from "./peer_handlers.ts";

/** One control method: what it does and how. */
export interface Handler {
  name: string;
  summary: string;
  run(d: Daemon, params: Record<string, unknown>): Promise<unknown>;
}

/** Every method of the control socket (and of the web UI, which calls the same table). */
export const HANDLERS: readonly Handler[] = [
  {
    name: "status",
    summary: "interface, public key, WAN and every peer's state",
    run: (d) => d.status(),
  },
  { name: "peer.list", summary: "configured peers with live state", run: (d) => peerList(d) },
  { name: "peer.add", summary: "add a peer or update the one with that key", run: peerAdd },
  { name: "peer.remove", summary: "remove a peer by name or key", run: peerRemove },
];

/** Dispatch a method by name, for the control socket and the web UI. */
export function makeDispatch(d: Daemon, extra: readonly Handler[] = []) {
  const table = new Map([...HANDLERS, ...extra].map((h) => [h.name, h]));
  return (method: string, params: Record<string, unknown>): Promise<unknown> => {
    const h = table.get(method);
    if (!h) return Promise.reject(new Error(`Unknown method "${method}"`));
    return h.run(d, params);
  };
}
