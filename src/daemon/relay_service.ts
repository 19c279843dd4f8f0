import { errorMessage } from "../lib/errors.ts";
import { parseEndpoint } from "../lib/net.ts";
import { directHopeless } from "../peer/nat_hint.ts";
import {
  decodeRelayMessage,
  encodeRelayMessage,
  type RefuseReason,
  type RelayMessage,
} from "../peer/relay_messages.ts";
import {
  askAgainAfter,
  DIRECT_DEAD_MS,
  directDied,
  HANDSHAKE_FRESH_S,
  relayDead,
  wantsRelay,
} from "../wg/relay_decide.ts";
import { publicV4s } from "../wg/path_choice.ts";
import type { Daemon } from "./daemon.ts";
import type { NetcheckService } from "./netcheck_service.ts";
import type { Datagram } from "./peering/control_port_deno.ts";
import type { PeeringService } from "./peering/peering_service.ts";
import { interfacePublicKey } from "./status.ts";
import { DirectTrials } from "./relay_direct.ts";
import { RelayHost } from "./relay_host.ts";
import { type Member, RelayMembers } from "./relay_members.ts";
import type { Timer } from "../lib/timer.ts";

/** How often peers are checked for a relay, and the relay's counters read. */
export const RELAY_TICK_MS = 1_000;
/** A relay that does not answer within this is skipped for the next member. */
export const ANSWER_MS = 2_000;
/** Ticks between two looks at the rx counters of direct paths that replaced a relay. */
export const WATCH_EVERY = 3;
/** After a round that failed for passing reasons: ask again this soon, at most this often. */
export const QUICK_RETRY_MS = 2_000;
export const QUICK_RETRIES = 10;

interface Pending {
  peer: string;
  relays: Member[];
  timer: Timer | undefined;
  /** What each member asked so far answered, in plain words. */
  tried: string[];
  /** Every answer so far may change soon (no answer, or "no tunnel to the other side yet"). */
  passing: boolean;
}

/** A card's public IPv4 literals (no private, CGNAT or DNS names): where its WAN probes go. */
function publicHostsOf(card: { endpoints: readonly string[] } | undefined): string[] {
  return [...new Set(publicV4s(card?.endpoints ?? []))].slice(0, 2);
}

/** A refusal in plain words, for the peer's status. */
const REFUSED: Record<RefuseReason, string> = {
  "disabled": "relaying is off there (option relay '0')",
  "not-reachable": "it has no public address itself",
  "not-member": "it is not paired with both routers",
  "limit": "it relays for too many pairs already",
  "no-path": "it has no tunnel to the other router",
};

/**
 * The relay through a member router (issue 11). The relay role is `RelayHost`; this is the
 * relayed side and the wiring: a peer without a handshake `RELAY_AFTER_MS` after it got an
 * endpoint (at once when the cards' NAT hints rule out a direct path) is relayed. Only the tie
 * winner asks; directly paired members are asked in order through the tunnel. The granted
 * endpoint becomes a runtime override in the daemon (RAM, never UCI), and `DirectTrials` moves the
 * pair back to direct when it can.
 */
export class RelayService {
  readonly members: RelayMembers;
  readonly host: RelayHost;
  private pending = new Map<number, Pending>();
  private endpointSince = new Map<string, number>();
  private askedAt = new Map<string, number>();
  private nextId = 1;
  private timer: Timer | undefined;
  private unlisten: (() => void) | undefined;
  private readonly direct: DirectTrials;

  constructor(
    private readonly d: Daemon,
    private readonly peering: PeeringService,
    private readonly netcheck: NetcheckService,
  ) {
    this.members = new RelayMembers(peering);
    this.host = new RelayHost(d, peering, netcheck, this.members, (to, m) => this.send(to, m));
    this.direct = new DirectTrials(d, {
      send: (peer, phase, id = 0) => {
        const m = this.members.byKey(peer);
        if (m) this.send(m, { kind: "direct", id, peer: this.ourKey ?? "", phase });
      },
      sendWan: (host, bytes) => void this.peering.send(host, this.peering.controlPort, bytes),
      publicHosts: (peer) =>
        publicHostsOf(this.peering.cards?.list().find((c) => c.card.wgPublicKey === peer)?.card),
      tunnelOf: (peer) => this.members.byKey(peer)?.tunnel,
      cardSeq: (peer) =>
        this.peering.cards?.list().find((c) => c.card.wgPublicKey === peer)?.card.seq,
      wentDirect: (peer) => this.watch.set(peer, { rx: -1, rxAt: this.d.now() }),
    });
  }

  /** Our WireGuard public key (known after the first tick). */
  private ourKey: string | undefined;

  async start(): Promise<void> {
    await this.host.start();
    this.unlisten = this.peering.listen((m) => this.onDatagram(m));
    this.timer = setInterval(
      () => void this.tick().catch((e) => this.d.log(errorMessage(e))),
      RELAY_TICK_MS,
    );
    this.d.addStatus("relay", () => this.host.status());
    this.d.addWarnings(() => (this.host.problem ? [this.host.problem] : []));
    this.d.onPeerRemoved((key) => this.host.dropMember(key));
    this.netcheck.onReport(() => {
      if (this.ourKey !== undefined) this.direct.netcheckChanged(this.ourKey);
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.direct.stop();
    this.unlisten?.();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    await this.host.stop();
  }

  private send(to: { tunnel: string; controlPort: number }, m: RelayMessage): void {
    void this.peering.send(to.tunnel, to.controlPort, encodeRelayMessage(m));
  }

  // ---- datagrams --------------------------------------------------------------------------

  private onDatagram(m: Datagram): boolean {
    let msg: RelayMessage | null;
    try {
      msg = decodeRelayMessage(m.bytes);
    } catch (e) {
      this.d.log(`relay message from ${m.host}: ${errorMessage(e)}`);
      return true;
    }
    if (msg === null) return false;
    if (msg.kind === "probe") {
      // The one message that comes over the WAN: checked against the round it belongs to.
      if (this.ourKey !== undefined) this.direct.onWanProbe(this.ourKey, msg, m.host);
      return true;
    }
    const from = this.members.at(m.host);
    if (!from) return true; // not through a member's tunnel: not authenticated
    const peer = { tunnel: m.host, controlPort: m.port };
    if (msg.kind === "allocate") {
      void this.host.onAllocate(msg, from, peer).catch((e) => this.d.log(errorMessage(e)));
    } else if (msg.kind === "grant") {
      void this.onGrant(msg, from).catch((e) => this.d.log(errorMessage(e)));
    } else if (msg.kind === "refuse") this.onRefuse(msg, from);
    else if (msg.peer === from.key) {
      void this.direct.onMessage(this.ourKey ?? "", from.key, msg.phase, msg.id).catch((e) =>
        this.d.log(errorMessage(e))
      );
    }
    return true;
  }

  // ---- peer role --------------------------------------------------------------------------

  private async tick(): Promise<void> {
    await this.host.tick();
    const { model } = await this.d.model();
    const now = this.d.now();
    this.ourKey = interfacePublicKey(model);
    this.direct.tick(this.ourKey);
    const peers = model.peers.filter((p) => !p.disabled);
    // `wg show dump` is a process: skip it while every peer is known to have a fresh handshake
    // and no direct path that replaced a relay is being watched.
    const watching = this.watch.size > 0 && this.ticks++ % WATCH_EVERY === 0;
    if (!watching && peers.every((p) => (this.freshUntil.get(p.publicKey) ?? 0) > now)) return;
    const dump = await this.d.platform.wg.dump(model.name);
    const ours = interfacePublicKey(model);
    const overrides = this.d.endpointOverrides;
    const fresh = (key: string) => {
      const hs = dump?.peers.find((x) => x.publicKey === key)?.latestHandshake ?? 0;
      return hs > 0 && now / 1000 - hs < HANDSHAKE_FRESH_S;
    };
    let changed = false;
    for (const p of peers) {
      const live = dump?.peers.find((x) => x.publicKey === p.publicKey);
      const hasEndpoint = this.d.baseEndpoint(p) !== undefined || (live?.endpoint ?? null) !== null;
      if (hasEndpoint && !this.endpointSince.has(p.publicKey)) {
        this.endpointSince.set(p.publicKey, now);
      }
      const hs = live?.latestHandshake ?? 0;
      if (hs > 0 && !this.fellBack.has(p.publicKey)) {
        this.d.relayNotes.delete(p.publicKey);
        this.failedRounds.delete(p.publicKey);
        this.quickRetry.delete(p.publicKey);
        this.freshUntil.set(p.publicKey, (hs + HANDSHAKE_FRESH_S) * 1000 - 60_000);
      }
      const o = overrides.get(p.publicKey);
      const w = this.watch.get(p.publicKey);
      if (w && !o && live) {
        if (live.rxBytes !== w.rx) {
          this.watch.set(p.publicKey, { rx: live.rxBytes, rxAt: now });
          this.fellBack.delete(p.publicKey); // alive (again)
        } else if (!this.fellBack.has(p.publicKey) && directDied(w.rxAt, now)) {
          this.d.log(
            `relay: nothing from ${p.publicKey.slice(0, 8)}… over the direct path for ${
              DIRECT_DEAD_MS / 1000
            } s; back to a relay`,
          );
          this.fellBack.add(p.publicKey);
          this.askedAt.delete(p.publicKey);
          this.quickRetry.delete(p.publicKey);
          this.failedRounds.delete(p.publicKey);
        }
      }
      if (o) this.watch.delete(p.publicKey);
      if (o && relayDead(hs, o.since, now)) {
        this.d.log(
          `relay: no handshake with ${
            p.publicKey.slice(0, 8)
          }… through "${o.relay}"; trying direct again`,
        );
        overrides.delete(p.publicKey);
        this.endpointSince.set(p.publicKey, now);
        changed = true;
        continue;
      }
      const state = {
        key: p.publicKey,
        endpointSince: this.endpointSince.get(p.publicKey),
        handshakeAt: hs,
        relayed: o !== undefined,
        askedAt: this.askedAt.get(p.publicKey),
        againMs: this.quickRetry.has(p.publicKey)
          ? QUICK_RETRY_MS
          : askAgainAfter(this.failedRounds.get(p.publicKey) ?? 0),
        // No wait only once a member's tunnel is up to carry the request.
        fellBack: this.fellBack.has(p.publicKey),
        hopeless: this.hopeless(p.publicKey) &&
          this.members.list().some((m) => m.key !== p.publicKey && fresh(m.key)),
      };
      // Only mesh members (known by their card): a relay takes nothing else.
      if (wantsRelay(ours, state, now) && this.members.isMember(p.publicKey)) {
        this.ask(ours, p.publicKey);
      }
    }
    // Forget peers that are gone (RAM only, like everything here).
    const keys = new Set(model.peers.map((p) => p.publicKey));
    const maps = [
      overrides,
      this.d.relayNotes,
      this.endpointSince,
      this.askedAt,
      this.freshUntil,
      this.failedRounds,
      this.quickRetry,
      this.watch,
    ];
    for (const m of maps) {
      for (const k of m.keys()) if (!keys.has(k)) (m.delete(k), changed ||= m === overrides);
    }
    if (changed) await this.d.reconcile();
  }

  /**
   * Whether the two cards rule out every direct path to `peer`: both NAT hints together
   * (`directHopeless`), and no IPv6 on both sides (the path chooser tries that first).
   */
  private hopeless(peer: string): boolean {
    const own = this.peering.own?.card;
    const theirs = this.peering.cards?.list().find((c) => c.card.wgPublicKey === peer)?.card;
    if (!own || !theirs || !directHopeless(own.nat, theirs.nat)) return false;
    const v6 = (c: { endpoints: readonly string[] }) => c.endpoints.some((e) => e.startsWith("["));
    return !(v6(own) && v6(theirs));
  }

  /** Per peer: until when its last handshake is known to be fresh (no dump needed). */
  private freshUntil = new Map<string, number>();
  /** Per peer: rounds in a row that found no relay (the next round waits longer). */
  private failedRounds = new Map<string, number>();
  /**
   * Per peer: rounds in a row that failed only for passing reasons (a relay without a tunnel to
   * the other side yet, or no answer: the tunnels of a new mesh come up one by one). They are
   * asked again after `QUICK_RETRY_MS`, at most `QUICK_RETRIES` times, before the long waits.
   */
  private quickRetry = new Map<string, number>();
  private ticks = 0;
  /** Pairs that left the relay for direct: their rx counter, and when it last grew (RAM). */
  private watch = new Map<string, { rx: number; rxAt: number }>();
  /** Peers whose direct path died after a relay: asked for at once, fresh handshake or not. */
  private fellBack = new Set<string>();

  /** Ask the members in turn (not the peer itself) for a relay to `peer`. */
  private ask(ours: string, peer: string): void {
    this.askedAt.set(peer, this.d.now());
    const relays = this.members.list().filter((m) => m.key !== peer);
    this.next({ peer, relays, timer: undefined, tried: [], passing: true }, ours);
  }

  private next(p: Pending, ours: string): void {
    const relay = p.relays.shift();
    if (!relay) {
      const quick = this.quickRetry.get(p.peer) ?? 0;
      if (p.passing && p.tried.length > 0 && quick < QUICK_RETRIES) {
        this.quickRetry.set(p.peer, quick + 1);
        this.d.relayNotes.set(p.peer, `no member router could relay yet (${p.tried.join("; ")})`);
        return;
      }
      this.quickRetry.delete(p.peer);
      this.failedRounds.set(p.peer, (this.failedRounds.get(p.peer) ?? 0) + 1);
      this.d.relayNotes.set(
        p.peer,
        p.tried.length
          ? `no member router could relay (${p.tried.join("; ")})`
          : "this router is paired with no other router that could relay",
      );
      this.d.log(
        `relay: no member can relay to ${p.peer.slice(0, 8)}…; asking again in ${
          askAgainAfter(this.failedRounds.get(p.peer)!) / 1000
        } s`,
      );
      return;
    }
    const id = this.nextId++;
    p.timer = setTimeout(() => {
      this.pending.delete(id);
      p.tried.push(`"${relay.name}" did not answer`);
      this.next(p, ours);
    }, ANSWER_MS);
    this.pending.set(id, p);
    this.send(relay, { kind: "allocate", id, requester: ours, other: p.peer });
  }

  private onRefuse(msg: Extract<RelayMessage, { kind: "refuse" }>, from: Member): void {
    const p = this.pending.get(msg.id);
    if (!p || p.peer !== msg.peer) return;
    this.d.log(`relay: "${from.name}" cannot relay (${msg.reason})`);
    clearTimeout(p.timer);
    this.pending.delete(msg.id);
    p.tried.push(`"${from.name}" refused: ${REFUSED[msg.reason]}`);
    if (msg.reason !== "no-path") p.passing = false;
    void this.d.model().then(({ model }) => this.next(p, interfacePublicKey(model)));
  }

  private async onGrant(
    msg: Extract<RelayMessage, { kind: "grant" }>,
    from: Member,
  ): Promise<void> {
    const p = this.pending.get(msg.id);
    if (p && p.peer === msg.peer) {
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
    }
    const { model } = await this.d.model();
    const peer = model.peers.find((x) => x.publicKey === msg.peer && !x.disabled);
    if (!peer || msg.peer === from.key) return;
    parseEndpoint(msg.endpoint);
    this.d.relayNotes.delete(msg.peer);
    this.direct.relayed(msg.peer);
    this.fellBack.delete(msg.peer);
    this.d.endpointOverrides.set(msg.peer, {
      endpoint: msg.endpoint,
      relay: from.name,
      since: this.d.now(),
    });
    this.d.log(
      `relay: "${
        peer.description || msg.peer.slice(0, 8)
      }" through "${from.name}" at ${msg.endpoint}`,
    );
    // WireGuard sends at most one initiation per 5 s per peer, and its last one went to the
    // direct endpoint. A peer without a working session loses nothing when it is re-created,
    // and the new one initiates through the relay at once (reconcile adds it back).
    const live = (await this.d.platform.wg.dump(model.name))?.peers.find((x) =>
      x.publicKey === msg.peer
    );
    const hs = live?.latestHandshake ?? 0;
    if (live && (hs === 0 || this.d.now() / 1000 - hs >= HANDSHAKE_FRESH_S)) {
      await this.d.exclusive(() =>
        this.d.platform.system.exec(["wg", "set", model.name, "peer", msg.peer, "remove"])
      );
    }
    await this.d.reconcile();
    // Something for WireGuard to send: its handshake then goes through the relay at once.
    const tunnel = peer.allowedIps.find((a) => a.endsWith("/32"))?.split("/")[0];
    if (tunnel) {
      void this.peering.send(tunnel, this.peering.controlPort, new Uint8Array([0x50, 0x4b]));
    }
  }
}
