/**
 * Endpoints learned at run time (a peer's card), kept in RAM and applied with `wg set`, never
 * written to UCI: a WAN change of a peer costs no flash write, no rpcd apply (which would hold up,
 * or be refused by, a LuCI apply waiting for its confirmation) and no `config.change`. UCI keeps
 * the endpoint the peer was added with. After a restart of punchd they come back from the cards
 * kept in RAM (`/var/run/punch/peering.json`), after a reboot from the peers' next push.
 */
import type { WgDesired } from "../wg/wg_desired.ts";

/** Where a learned endpoint came from, shown in status as `endpointSource`. */
export type EndpointSource = "card";

export interface LearnedEndpoint {
  /** `host:port` or `[v6]:port` (a name is resolved by the reconcile like a configured one). */
  endpoint: string;
  source: EndpointSource;
}

export class LearnedEndpoints {
  private readonly byKey = new Map<string, LearnedEndpoint>();

  /** Learn `publicKey`'s endpoint; true when that changed anything (reconcile then). */
  set(publicKey: string, endpoint: string, source: EndpointSource = "card"): boolean {
    const was = this.byKey.get(publicKey);
    if (was?.endpoint === endpoint && was.source === source) return false;
    this.byKey.set(publicKey, { endpoint, source });
    return true;
  }

  get(publicKey: string): LearnedEndpoint | undefined {
    return this.byKey.get(publicKey);
  }

  /** Forget one peer's endpoint (removed, or the owner set one by hand); true when one was known. */
  clear(publicKey: string): boolean {
    return this.byKey.delete(publicKey);
  }

  /** Forget peers no longer configured. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of [...this.byKey.keys()]) if (!keys.has(k)) this.byKey.delete(k);
  }

  /**
   * `want` with each peer's configured endpoint replaced by the learned one; peers in `except`
   * (a relay's override, which is stronger) are left alone.
   */
  applyTo(want: WgDesired, except: ReadonlyMap<string, unknown> = new Map()): WgDesired {
    if (this.byKey.size === 0) return want;
    return {
      ...want,
      peers: want.peers.map((p) => {
        const l = this.byKey.get(p.publicKey);
        return l === undefined || except.has(p.publicKey) ? p : { ...p, endpoint: l.endpoint };
      }),
    };
  }
}
