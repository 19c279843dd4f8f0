import { errorMessage } from "../lib/errors.ts";
import type { DirectPhase } from "../peer/relay_messages.ts";
import type { Timer } from "../lib/timer.ts";
import { winsTie } from "../wg/first_contact.ts";
import { directTryDue, TRIAL_WAIT_MS } from "../wg/relay_decide.ts";
import { type Daemon, desiredFrom, type EndpointOverride } from "./daemon.ts";

/** Between sending "start" through the relay and leaving it. */
const START_GRACE_MS = 500;
/** Pings through the tunnel during a try (one a second; any answer counts). */
const PING = (host: string) => ["ping", "-c", "6", "-W", "1", host];

/** What the direct tries need from the relay service. */
export interface DirectHost {
  /** Send a `direct` message to the peer through the tunnel. */
  send(peer: string, phase: DirectPhase): void;
  /** The peer's tunnel address (to ping through WireGuard), if known. */
  tunnelOf(peer: string): string | undefined;
  /** The peer's card seq, if we hold its card (a new card may carry a new endpoint). */
  cardSeq(peer: string): number | undefined;
}

/**
 * Upgrade to direct while relayed. When something changed that could make the direct path work
 * (a new card from the peer, a new netcheck report on either side), the tie winner tries it, at
 * most every `UPGRADE_EVERY_MS`: both sides point WireGuard at the other's card endpoint for a
 * moment and ping through the tunnel. The try works when the winner's pings are answered and
 * WireGuard still talks to the direct endpoint (an answer through the relay would have moved it
 * back). Otherwise both sides go back to the relay. Only the endpoint changes, never the session.
 */
export class DirectTrials {
  private triggered = new Set<string>();
  private lastTry = new Map<string, number>();
  private seqSeen = new Map<string, number | undefined>();
  private stash = new Map<string, { o: EndpointOverride; timer: Timer }>();
  private running = new Set<string>();

  constructor(private readonly d: Daemon, private readonly host: DirectHost) {}

  /** A relay was granted for `peer`: what it looked like then is the basis for "changed". */
  relayed(peer: string): void {
    this.seqSeen.set(peer, this.host.cardSeq(peer));
    this.lastTry.set(peer, this.d.now());
  }

  /** Our netcheck has a new report: the winner tries again; a loser asks the winner to. */
  netcheckChanged(ours: string): void {
    for (const peer of this.d.endpointOverrides.keys()) {
      if (winsTie(ours, peer)) this.triggered.add(peer);
      else this.host.send(peer, "request");
    }
  }

  /** Called every tick: start a try where one is due. */
  tick(ours: string): void {
    const now = this.d.now();
    for (const peer of this.d.endpointOverrides.keys()) {
      const seq = this.host.cardSeq(peer);
      if (this.seqSeen.has(peer) && seq !== this.seqSeen.get(peer)) this.triggered.add(peer);
      this.seqSeen.set(peer, seq);
      const due = directTryDue({
        winner: winsTie(ours, peer),
        triggered: this.triggered.has(peer),
        lastTryAt: this.lastTry.get(peer),
        running: this.running.has(peer),
      }, now);
      if (due) void this.tryDirect(peer).catch((e) => this.d.log(`relay: ${errorMessage(e)}`));
    }
  }

  /** The winner's side of a try. */
  private async tryDirect(peer: string): Promise<void> {
    const o = this.d.endpointOverrides.get(peer);
    const tunnel = this.host.tunnelOf(peer);
    this.triggered.delete(peer);
    this.lastTry.set(peer, this.d.now());
    if (!o || tunnel === undefined) return;
    this.running.add(peer);
    this.d.log(`relay: trying the direct path to ${peer.slice(0, 8)}…`);
    try {
      // Through the relay, before we leave it: WireGuard picks the endpoint when it encrypts,
      // so the message needs a moment to get out before the endpoint changes.
      this.host.send(peer, "start");
      await new Promise((r) => setTimeout(r, START_GRACE_MS));
      this.d.endpointOverrides.delete(peer);
      await this.point(peer);
      // Long enough for the other side to hear "start" and answer from its direct address.
      const ping = await this.d.platform.system.exec(PING(tunnel));
      const { model } = await this.d.model();
      const live = (await this.d.platform.wg.dump(model.name))?.peers.find((p) =>
        p.publicKey === peer
      )?.endpoint;
      if (ping.code === 0 && live && live !== o.endpoint) {
        this.d.log(`relay: ${peer.slice(0, 8)}… reached directly at ${live}; leaving "${o.relay}"`);
        this.host.send(peer, "ok");
        return;
      }
      this.d.endpointOverrides.set(peer, o);
      await this.point(peer);
      this.host.send(peer, "failed");
      this.d.log(`relay: direct path to ${peer.slice(0, 8)}… still does not work; staying relayed`);
    } finally {
      this.running.delete(peer);
    }
  }

  /** A `direct` message from the relayed peer `from`. */
  async onMessage(from: string, phase: DirectPhase): Promise<void> {
    if (phase === "request") {
      if (this.d.endpointOverrides.has(from)) this.triggered.add(from);
      return;
    }
    if (phase === "start") {
      const o = this.d.endpointOverrides.get(from);
      this.d.log(
        `relay: ${from.slice(0, 8)}… tries the direct path${o ? "" : " (not relayed here)"}`,
      );
      if (!o) return;
      // Back to the relay unless the winner says it worked.
      const timer = setTimeout(() => void this.restore(from), TRIAL_WAIT_MS);
      this.stash.set(from, { o, timer });
      this.d.endpointOverrides.delete(from);
      await this.point(from);
      const tunnel = this.host.tunnelOf(from);
      if (tunnel !== undefined) {
        // Packets from us open our NAT for the winner's and let its WireGuard find us.
        await this.d.platform.system.exec(PING(tunnel));
      }
      return;
    }
    const s = this.stash.get(from);
    if (!s) return;
    if (phase === "ok") {
      clearTimeout(s.timer);
      this.stash.delete(from);
      this.d.log(`relay: ${from.slice(0, 8)}… reached directly; leaving "${s.o.relay}"`);
    } else await this.restore(from);
  }

  private async restore(peer: string): Promise<void> {
    const s = this.stash.get(peer);
    if (!s) return;
    clearTimeout(s.timer);
    this.stash.delete(peer);
    this.d.endpointOverrides.set(peer, s.o);
    await this.point(peer);
  }

  /**
   * Reconcile, then point WireGuard at the wanted endpoint explicitly: reconcile leaves a peer
   * that roamed alone when the wanted endpoint did not change since it last set it, and a try
   * must move the endpoint whatever WireGuard last heard.
   */
  private async point(peer: string): Promise<void> {
    await this.d.reconcile();
    const { cfg, model } = await this.d.model();
    const want = desiredFrom(model, cfg.listenPort, this.d.endpointOverrides).peers.find((p) =>
      p.publicKey === peer
    )?.endpoint;
    if (want === undefined) return;
    await this.d.exclusive(() =>
      this.d.platform.system.exec(["wg", "set", model.name, "peer", peer, "endpoint", want])
    );
  }

  stop(): void {
    for (const s of this.stash.values()) clearTimeout(s.timer);
  }
}
