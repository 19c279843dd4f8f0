import { errorMessage } from "../lib/errors.ts";
import { type DirectPhase, encodeRelayMessage } from "../peer/relay_messages.ts";
import type { Timer } from "../lib/timer.ts";
import { winsTie } from "../wg/first_contact.ts";
import {
  BLIND_TRY_EVERY_MS,
  directTryDue,
  PROBE_COUNT,
  PROBE_GAP_MS,
  PROBE_VALID_MS,
  probeDue,
  TRIAL_WAIT_MS,
} from "../wg/relay_decide.ts";
import type { Daemon, EndpointOverride } from "./daemon.ts";

/** Between sending "start" through the relay and leaving it. */
const START_GRACE_MS = 500;
/**
 * Pings through the tunnel during a try: one a second until the first answer, at most 5 s (the
 * other side needs a moment to hear "start" through the relay and move its endpoint too).
 */
const PING = (host: string) => ["ping", "-c", "1", "-w", "5", host];

/** What the direct tries need from the relay service. */
export interface DirectHost {
  /** Send a `direct` message to the peer through the tunnel (`id`: a probe round's id). */
  send(peer: string, phase: DirectPhase, id?: number): void;
  /** Send bytes over the WAN to `host`'s control port (probes). */
  sendWan(host: string, bytes: Uint8Array): void;
  /** The peer's public IPv4 addresses from its card (where its probes come from and go to). */
  publicHosts(peer: string): string[];
  /** The peer's tunnel address (to ping through WireGuard), if known. */
  tunnelOf(peer: string): string | undefined;
  /** The peer's card seq, if we hold its card (a new card may carry a new endpoint). */
  cardSeq(peer: string): number | undefined;
  /** The pair left the relay for the direct path (watch it: back to the relay if it dies). */
  wentDirect(peer: string): void;
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
  /** Peers whose pings got through directly during our running try (their "reached"). */
  private reachedBy = new Set<string>();
  /** Probe rounds per peer: the id in use and when it started (RAM). */
  private probes = new Map<string, { id: number; at: number }>();
  private lastProbe = new Map<string, number>();
  private probeTimers = new Set<Timer>();
  /** Probes that got through, and WAN probes ignored (unknown id or sender), for the status. */
  readonly probeStats = { rounds: 0, seen: 0, ignored: 0 };

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

  /** Called every tick: start a probe round or a try where one is due. */
  tick(ours: string): void {
    const now = this.d.now();
    for (const m of [this.probes, this.lastProbe]) {
      for (const k of m.keys()) if (!this.d.endpointOverrides.has(k)) m.delete(k);
    }
    for (const peer of this.d.endpointOverrides.keys()) {
      const seq = this.host.cardSeq(peer);
      if (this.seqSeen.has(peer) && seq !== this.seqSeen.get(peer)) this.triggered.add(peer);
      this.seqSeen.set(peer, seq);
      if (winsTie(ours, peer) && !this.running.has(peer)) {
        if (now - (this.lastTry.get(peer) ?? now) >= BLIND_TRY_EVERY_MS) this.triggered.add(peer);
        if (probeDue(this.lastProbe.get(peer), now)) this.startProbes(ours, peer);
      }
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
    this.reachedBy.delete(peer);
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
      // Either side's pings through count: the other side's went both ways over the direct path.
      const through = ping.code === 0 || this.reachedBy.delete(peer);
      if (through && live && live !== o.endpoint) {
        this.d.log(`relay: ${peer.slice(0, 8)}… reached directly at ${live}; leaving "${o.relay}"`);
        this.host.wentDirect(peer);
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

  /** The winner's probe round: tell the peer through the tunnel, then probe over the WAN. */
  private startProbes(ours: string, peer: string): void {
    if (this.host.publicHosts(peer).length === 0) return;
    const b = this.d.random(4);
    const id = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    this.lastProbe.set(peer, this.d.now());
    this.probeStats.rounds++;
    this.host.send(peer, "probe", id);
    this.probe(ours, peer, id);
  }

  /** Send `PROBE_COUNT` probes with round `id` to the peer's public addresses. */
  private probe(ours: string, peer: string, id: number): void {
    this.probes.set(peer, { id, at: this.d.now() });
    const bytes = encodeRelayMessage({ kind: "probe", id, from: ours });
    const hosts = this.host.publicHosts(peer);
    for (let i = 0; i < PROBE_COUNT; i++) {
      const t = setTimeout(() => {
        this.probeTimers.delete(t);
        for (const h of hosts) this.host.sendWan(h, bytes);
      }, i * PROBE_GAP_MS);
      this.probeTimers.add(t);
    }
  }

  /**
   * A probe that came over the WAN from `host`: a direct path works at least for datagrams. The
   * winner tries the real thing at once; the other side asks it to (through the tunnel).
   */
  onWanProbe(ours: string, m: { id: number; from: string }, host: string): void {
    const round = this.probes.get(m.from);
    const fresh = round !== undefined && round.id === m.id &&
      this.d.now() - round.at <= PROBE_VALID_MS;
    if (!fresh || !this.host.publicHosts(m.from).includes(host)) {
      this.probeStats.ignored++;
      return;
    }
    this.probes.delete(m.from);
    this.probeStats.seen++;
    if (!this.d.endpointOverrides.has(m.from)) return;
    this.d.log(`relay: a probe from ${m.from.slice(0, 8)}… came directly from ${host}`);
    if (winsTie(ours, m.from)) this.triggered.add(m.from);
    else this.host.send(m.from, "request");
  }

  /** A `direct` message from the relayed peer `from` (`id`: a probe round's). */
  async onMessage(ours: string, from: string, phase: DirectPhase, id: number): Promise<void> {
    if (phase === "request") {
      if (this.d.endpointOverrides.has(from)) this.triggered.add(from);
      return;
    }
    if (phase === "probe") {
      if (this.d.endpointOverrides.has(from)) this.probe(ours, from, id);
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
        const r = await this.d.platform.system.exec(PING(tunnel));
        const { model } = await this.d.model();
        const live = (await this.d.platform.wg.dump(model.name))?.peers.find((p) =>
          p.publicKey === from
        )?.endpoint;
        if (r.code === 0 && live && live !== o.endpoint) this.host.send(from, "reached");
      }
      return;
    }
    if (phase === "reached") {
      if (this.running.has(from)) this.reachedBy.add(from);
      return;
    }
    const s = this.stash.get(from);
    if (!s) return;
    if (phase === "ok") {
      clearTimeout(s.timer);
      this.stash.delete(from);
      this.d.log(`relay: ${from.slice(0, 8)}… reached directly; leaving "${s.o.relay}"`);
      this.host.wentDirect(from);
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
    const want = this.d.wanted(model, cfg.listenPort).peers.find((p) => p.publicKey === peer)
      ?.endpoint;
    if (want === undefined) return;
    await this.d.exclusive(() =>
      this.d.platform.system.exec(["wg", "set", model.name, "peer", peer, "endpoint", want])
    );
  }

  stop(): void {
    for (const s of this.stash.values()) clearTimeout(s.timer);
    for (const t of this.probeTimers) clearTimeout(t);
  }
}
