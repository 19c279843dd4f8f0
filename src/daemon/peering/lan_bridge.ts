import { type Endpoint, parseEndpoint } from "../../lib/net.ts";
import type { PeerCard } from "../../peer/mod.ts";

/** What peering needs from LAN assist, and gives it. */
export interface LanBridge {
  /** Our LAN hosts' public endpoints, for our card. */
  endpoints(): Promise<{ name: string; publicEndpoint: string }[]>;
  /** The LAN hosts other routers announce: the remotes our hosts get pinholes for. */
  remotes(list: Endpoint[]): void;
}

/** Public endpoints of every other router's LAN hosts, from their cards; bad entries skipped. */
export function remoteLanHosts(cards: readonly PeerCard[], ownKey: string | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const c of cards) {
    if (c.wgPublicKey === ownKey) continue;
    for (const h of c.lanHosts ?? []) {
      try {
        out.push(parseEndpoint(h.publicEndpoint));
      } catch { /* a malformed entry in a signed card only loses that entry */ }
    }
  }
  return out;
}
