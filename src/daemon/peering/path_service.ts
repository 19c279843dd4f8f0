import { errorMessage } from "../../lib/errors.ts";
import type { Timer } from "../../lib/timer.ts";
import {
  type Candidate,
  DEAD_AFTER_MS,
  PathChooser,
  rankCandidates,
} from "../../wg/path_choice.ts";
import type { Daemon } from "../daemon.ts";

/** How often peers without a working path are looked at (one `wg show` each time). */
export const PATH_TICK_MS = 1000;
/** How often peers that all work are looked at. */
export const PATH_IDLE_MS = 10_000;
/** How long the router's own subnets and IPv6 state are reused. */
const CONTEXT_MS = 30_000;
/** Override source name (the relay uses its own). */
const SOURCE = "path";

/** A peer whose card lists endpoint candidates. */
export interface PathPeer {
  publicKey: string;
  name: string;
  endpoints: readonly string[];
}

/**
 * Picks each card peer's endpoint among its candidates, best first (same LAN, IPv6, IPv4), and
 * moves on when one gives no handshake (`path_choice.ts`). The pick is a runtime override
 * (`Daemon.pathOverrides`) over the IPv4 endpoint the card gave (`Daemon.learnedEndpoints`).
 */
export class PathService {
  private readonly chooser = new PathChooser();
  private timer: Timer | undefined;
  private busy = false;
  /** Peers this service set an override for. */
  private readonly mine = new Set<string>();
  private lastFull = 0;
  private allAlive = false;
  private ctx: { at: number; ownSubnets: string[]; haveV6: boolean } | undefined;

  constructor(
    private readonly d: Daemon,
    private readonly peers: () => PathPeer[],
    /** Our public IPv4 as our card says it (same upstream = same public address). */
    private readonly publicV4: () => string | undefined = () => undefined,
  ) {}

  start(): void {
    this.d.onWanChange(() => (this.ctx = undefined));
    // Known before the first pairing, so priming a new peer costs no `ip` calls.
    void this.d.model().then(({ model }) => this.context(model.name, this.d.now())).catch(() => {});
    this.timer = setInterval(() => void this.tick(), PATH_TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; skipped while the last one runs, and mostly skipped while every peer works. */
  async tick(): Promise<void> {
    const now = this.d.now();
    if (this.busy || (this.allAlive && now - this.lastFull < PATH_IDLE_MS)) return;
    this.busy = true;
    try {
      this.lastFull = now;
      if (await this.pass(now)) void this.d.reconcile();
    } catch (e) {
      this.d.log(`path choice failed: ${errorMessage(e)}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Before a card peer is configured or its card applied: a new peer without a working tunnel gets
   * its best candidate at once, so WireGuard's first initiation goes there (the next may only
   * follow 5 s later); a known peer keeps its pick even when the configured endpoint changes.
   */
  async prime(p: PathPeer, configured: string | undefined): Promise<void> {
    const now = this.d.now();
    const { model } = await this.d.model();
    // Only a peer already configured can have a working tunnel (one `wg show` to find out).
    const live = model.peers.some((c) => c.publicKey === p.publicKey)
      ? (await this.d.platform.wg.dump(model.name))?.peers.find((l) => l.publicKey === p.publicKey)
      : undefined;
    const hsMs = (live?.latestHandshake ?? 0) * 1000;
    const alive = hsMs > 0 && now - hsMs < DEAD_AFTER_MS;
    if (!this.chooser.knows(p.publicKey) && alive) return; // working: the ticks take it from here
    const ctx = await this.context(model.name, now);
    const pick = this.chooser.step({
      publicKey: p.publicKey,
      candidates: rankCandidates(p.endpoints, ctx),
      latestHandshakeMs: hsMs,
      liveEndpoint: live?.endpoint ?? undefined,
    }, now);
    this.apply(p, pick, configured);
  }

  private async pass(now: number): Promise<boolean> {
    const peers = this.peers();
    const { model } = await this.d.model();
    if (peers.length === 0) await this.context(model.name, now); // kept warm for priming
    const dump = peers.length === 0 ? null : await this.d.platform.wg.dump(model.name);
    let changed = false;
    this.allAlive = true;
    if (dump !== null) {
      const ctx = await this.context(model.name, now);
      for (const p of peers) {
        const conf = model.peers.find((c) => c.publicKey === p.publicKey && !c.disabled);
        const live = dump.peers.find((l) => l.publicKey === p.publicKey);
        // Not configured (yet): a primed choice waits for the reconcile that adds the peer.
        if (conf === undefined || live === undefined) continue;
        const hsMs = live.latestHandshake * 1000;
        if (!(hsMs > 0 && now - hsMs < DEAD_AFTER_MS)) this.allAlive = false;
        const pick = this.chooser.step({
          publicKey: p.publicKey,
          candidates: rankCandidates(p.endpoints, ctx),
          latestHandshakeMs: hsMs,
          liveEndpoint: live.endpoint ?? undefined,
        }, now);
        changed = this.apply(p, pick, this.d.baseEndpoint(conf)) || changed;
      }
    }
    // Peers no longer paired or carded: forget them and drop their overrides.
    const keys = new Set(peers.map((p) => p.publicKey));
    this.chooser.keepOnly(keys);
    for (const k of [...this.mine]) {
      if (keys.has(k)) continue;
      this.mine.delete(k);
      changed = this.d.pathOverrides.clear(k, SOURCE) || changed;
    }
    return changed;
  }

  private apply(p: PathPeer, pick: Candidate | undefined, configured: string | undefined): boolean {
    const o = this.d.pathOverrides;
    if (pick === undefined || pick.endpoint === configured) {
      const cleared = o.clear(p.publicKey, SOURCE);
      if (cleared && pick) {
        this.d.log(`path to "${p.name}": trying ${pick.endpoint} (${pick.kind})`);
      }
      return cleared;
    }
    if (o.get(p.publicKey) !== undefined && o.get(p.publicKey)!.source !== SOURCE) return false;
    this.mine.add(p.publicKey);
    const set = o.set(p.publicKey, pick.endpoint, SOURCE);
    if (set) this.d.log(`path to "${p.name}": trying ${pick.endpoint} (${pick.kind})`);
    return set;
  }

  private async context(ifname: string, now: number) {
    if (this.ctx === undefined || now - this.ctx.at > CONTEXT_MS) {
      const [wan, reached] = await Promise.all([
        this.d.platform.system.wan(),
        this.d.platform.system.reached(ifname),
      ]);
      this.ctx = { at: now, ownSubnets: reached.map((r) => r.prefix), haveV6: wan.v6.length > 0 };
    }
    return { ...this.ctx, publicV4: this.publicV4() };
  }
}
