/**
 * Runtime WireGuard endpoints that replace the configured one for a peer, in RAM only (never
 * written to UCI): the path chooser's pick (IPv6, same LAN), later a relay. The reconcile applies
 * them after resolving names, so WireGuard moves endpoint without touching the session.
 */
import type { WgDesired } from "../wg/wg_desired.ts";

export interface EndpointOverride {
  /** `host:port` or `[v6]:port`. */
  endpoint: string;
  /** Who set it ("path", "relay"), for status and logs. */
  source: string;
}

export class EndpointOverrides {
  private readonly byKey = new Map<string, EndpointOverride>();

  /** Set `publicKey`'s endpoint; returns true when that changed anything. */
  set(publicKey: string, endpoint: string, source: string): boolean {
    const was = this.byKey.get(publicKey);
    if (was?.endpoint === endpoint && was.source === source) return false;
    this.byKey.set(publicKey, { endpoint, source });
    return true;
  }

  /** Drop `publicKey`'s override (only one set by `source`, when given); true when one was dropped. */
  clear(publicKey: string, source?: string): boolean {
    const was = this.byKey.get(publicKey);
    if (was === undefined || (source !== undefined && was.source !== source)) return false;
    this.byKey.delete(publicKey);
    return true;
  }

  get(publicKey: string): EndpointOverride | undefined {
    return this.byKey.get(publicKey);
  }

  /**
   * `want` with each overridden peer's endpoint replaced (peers not in `want`, and peers in
   * `except`, whose endpoint a stronger override already set, are left alone).
   */
  applyTo(want: WgDesired, except: ReadonlyMap<string, unknown> = new Map()): WgDesired {
    if (this.byKey.size === 0) return want;
    return {
      ...want,
      peers: want.peers.map((p) => {
        const o = this.byKey.get(p.publicKey);
        return o === undefined || except.has(p.publicKey) ? p : { ...p, endpoint: o.endpoint };
      }),
    };
  }
}
