import { errorMessage } from "../lib/errors.ts";
import { ipFamily, isPrivateV4, parseEndpoint } from "../lib/net.ts";
import { inboundFrom } from "../nat/inbound.ts";
import { directHopeless } from "../peer/nat_hint.ts";
import {
  decodeRelayMessage,
  encodeRelayMessage,
  type RefuseReason,
  type RelayMessage,
} from "../peer/relay_messages.ts";
import { readRelayOption } from "../uci/mod.ts";
import { type Allocation, RelayAllocator } from "../wg/relay_alloc.ts";
import { askAgainAfter, HANDSHAKE_FRESH_S, relayDead, wantsRelay } from "../wg/relay_decide.ts";
import {
  parseRelayCounters,
  RELAY_TABLE,
  relayFirewall,
  relayTableScript,
} from "../wg/relay_rules.ts";
import type { Daemon } from "./daemon.ts";
import type { NetcheckService } from "./netcheck_service.ts";
import type { Datagram } from "./peering/control_port_deno.ts";
import type { PeeringService } from "./peering/peering_service.ts";
import { bestEndpoint } from "./peering/card_content.ts";
import { interfacePublicKey } from "./status.ts";
import { DirectTrials } from "./relay_direct.ts";
import { publicV4s } from "../wg/path_choice.ts";
import type { Timer } from "../lib/timer.ts";

/** How often peers are checked for a relay, and the relay's counters read. */
export const RELAY_TICK_MS = 1_000;
/** Ticks between two reads of the relay's kernel counters. */
export const COUNTERS_EVERY = 3;
/** A relay that does not answer within this is skipped for the next member. */
export const ANSWER_MS = 2_000;
/** After a round that failed for passing reasons: ask again this soon, at most this often. */
export const QUICK_RETRY_MS = 2_000;
export const QUICK_RETRIES = 10;
/** Userspace forwards the first packets (the handshake) this long, then the kernel takes over. */
export const USERSPACE_MS = 1_000;

interface Member {
  key: string;
  name: string;
  tunnel: string;
  controlPort: number;
}

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
 * The relay through a member router (issue 11), both roles:
 * - as a peer: a peer without a handshake `RELAY_AFTER_MS` after it got an endpoint is relayed
 *   (only the tie winner asks; directly paired members are asked in order through the tunnel);
 *   the granted endpoint becomes a runtime override in the daemon (RAM, never UCI);
 * - as the relay: allocations (authenticated by the tunnel address they come from, bounded),
 *   each side learned from its first packet on a Deno socket, the first packets forwarded from
 *   userspace, then nft DNAT+SNAT rules in the kernel; counters for idle expiry and the status.
 */
export class RelayService {
  readonly alloc = new RelayAllocator();
  private sockets = new Map<number, Deno.DatagramConn>();
  private pending = new Map<number, Pending>();
  private endpointSince = new Map<string, number>();
  private askedAt = new Map<string, number>();
  private nextId = 1;
  private timer: Timer | undefined;
  private applyQueue: Promise<void> = Promise.resolve();
  private unlisten: (() => void) | undefined;
  problem: string | undefined;
  private readonly direct: DirectTrials;

  constructor(
    private readonly d: Daemon,
    private readonly peering: PeeringService,
    private readonly netcheck: NetcheckService,
  ) {
    this.direct = new DirectTrials(d, {
      send: (peer, phase, id = 0) => {
        const m = this.memberByKey(peer);
        if (m) this.send(m, { kind: "direct", id, peer: this.ourKey ?? "", phase });
      },
      sendWan: (host, bytes) => void this.peering.send(host, this.peering.controlPort, bytes),
      publicHosts: (peer) =>
        publicHostsOf(this.peering.cards?.list().find((c) => c.card.wgPublicKey === peer)?.card),
      tunnelOf: (peer) => this.memberByKey(peer)?.tunnel,
      cardSeq: (peer) =>
        this.peering.cards?.list().find((c) => c.card.wgPublicKey === peer)?.card.seq,
    });
  }

  /** Our WireGuard public key (known after the first tick). */
  private ourKey: string | undefined;

  /** A mesh member by its WireGuard key (paired, or known by its card). */
  private memberByKey(key: string): Member | undefined {
    const m = this.members().find((x) => x.key === key);
    if (m) return m;
    const c = this.peering.cards?.list().find((x) => x.card.wgPublicKey === key)?.card;
    const tunnel = c?.tunnelAddresses[0]?.split("/")[0];
    return c && tunnel !== undefined
      ? { key, name: c.name, tunnel, controlPort: this.peering.controlPort }
      : undefined;
  }

  async start(): Promise<void> {
    // Rules left by a punchd that did not stop cleanly belong to allocations that are gone.
    await this.exec(["nft", "delete", "table", ...RELAY_TABLE.split(" ")]).catch(() => {});
    await this.d.platform.firewall.allowRelay([], []).catch(() => {});
    this.unlisten = this.peering.listen((m) => this.onDatagram(m));
    this.timer = setInterval(
      () => void this.tick().catch((e) => this.d.log(errorMessage(e))),
      RELAY_TICK_MS,
    );
    this.d.addStatus("relay", () => this.status());
    this.d.addWarnings(() => (this.problem ? [this.problem] : []));
    this.d.onPeerRemoved((key) => this.release(this.alloc.dropMember(key)));
    this.netcheck.onReport(() => {
      if (this.ourKey !== undefined) this.direct.netcheckChanged(this.ourKey);
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.direct.stop();
    this.unlisten?.();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    await this.applyQueue;
    if (this.alloc.list().some((x) => x.kernel)) {
      await this.exec(["nft", "delete", "table", ...RELAY_TABLE.split(" ")]);
    }
    await this.d.platform.firewall.allowRelay([], []).catch(() => {});
  }

  private exec(argv: string[], stdin?: string) {
    return this.d.platform.system.exec(argv, stdin);
  }

  // ---- members ----------------------------------------------------------------------------

  /** Directly paired members with a tunnel address, in pairing order. */
  private members(): Member[] {
    const cards = this.peering.cards?.list() ?? [];
    return (this.peering.state?.paired ?? []).flatMap((p) => {
      const card = cards.find((c) => c.card.wgPublicKey === p.wgPublicKey)?.card;
      const tunnel = (card?.tunnelAddresses ?? p.tunnel ?? [])[0]?.split("/")[0];
      if (tunnel === undefined) return [];
      return [{
        key: p.wgPublicKey,
        name: card?.name ?? p.name,
        tunnel,
        controlPort: p.controlPort ?? this.peering.controlPort,
      }];
    });
  }

  private isMember(key: string): boolean {
    return (this.peering.cards?.list() ?? []).some((c) => c.card.wgPublicKey === key);
  }

  /** The member (paired, or known by its card) whose tunnel address is `host`. */
  private memberAt(host: string): Member | undefined {
    const known = this.members().find((m) => m.tunnel === host);
    if (known) return known;
    const c = (this.peering.cards?.list() ?? []).find((x) =>
      x.card.tunnelAddresses.some((t) => t.split("/")[0] === host)
    )?.card;
    return c
      ? { key: c.wgPublicKey, name: c.name, tunnel: host, controlPort: this.peering.controlPort }
      : undefined;
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
    const from = this.memberAt(m.host);
    if (!from) return true; // not through a member's tunnel: not authenticated
    const peer = { tunnel: m.host, controlPort: m.port };
    if (msg.kind === "allocate") {
      void this.onAllocate(msg, from, peer).catch((e) => this.d.log(errorMessage(e)));
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

  // ---- relay role -------------------------------------------------------------------------

  /** Our public IPv4 address for relaying, or why we cannot relay. */
  private async relayAddress(): Promise<string | RefuseReason> {
    try {
      if (!readRelayOption(await this.d.platform.config.load("punch"))) return "disabled";
    } catch (e) {
      this.problem = errorMessage(e);
      return "disabled";
    }
    const wan = await this.d.platform.system.wan();
    if (inboundFrom(wan.address, this.netcheck.report) !== "reachable") return "not-reachable";
    const ep = bestEndpoint(this.peering.own?.card.endpoints ?? []);
    if (ep && ipFamily(ep.host) === 4 && !isPrivateV4(ep.host)) return ep.host;
    return wan.address !== undefined && !isPrivateV4(wan.address) ? wan.address : "not-reachable";
  }

  private async onAllocate(
    msg: Extract<RelayMessage, { kind: "allocate" }>,
    from: Member,
    reply: { tunnel: string; controlPort: number },
  ): Promise<void> {
    const refuse = (reason: RefuseReason) => {
      this.d.log(`relay: refused "${from.name}" for ${msg.other.slice(0, 8)}…: ${reason}`);
      this.send(reply, { kind: "refuse", id: msg.id, peer: msg.other, reason });
    };
    if (msg.requester !== from.key) return refuse("not-member");
    const other = this.members().find((x) => x.key === msg.other);
    if (!other) return refuse("not-member");
    const addr = await this.relayAddress();
    if (addr === "disabled" || addr === "not-reachable" || addr === "not-member") {
      return refuse(addr as RefuseReason);
    }
    // The other side hears of its port through our tunnel to it, which must be up.
    const { model } = await this.d.model();
    const hs =
      (await this.d.platform.wg.dump(model.name))?.peers.find((x) => x.publicKey === other.key)
        ?.latestHandshake ?? 0;
    if (hs === 0 || this.d.now() / 1000 - hs >= HANDSHAKE_FRESH_S) return refuse("no-path");
    const now = this.d.now();
    const old = this.alloc.find(from.key, other.key);
    const r = this.alloc.allocate(from.key, other.key, now);
    if (!r.ok) return refuse("limit");
    if (old) await this.release([old]);
    const x = r.alloc;
    try {
      for (const port of [x.a.port, x.b.port]) this.listen(port);
    } catch (e) {
      this.d.log(`relay: cannot open port: ${errorMessage(e)}`);
      await this.release(this.alloc.dropMember(from.key).filter((y) => y.id === x.id));
      return refuse("limit");
    }
    await this.applyFirewall();
    this.send(reply, {
      kind: "grant",
      id: msg.id,
      peer: other.key,
      endpoint: `${addr}:${x.a.port}`,
    });
    this.send(other, {
      kind: "grant",
      id: msg.id,
      peer: from.key,
      endpoint: `${addr}:${x.b.port}`,
    });
    this.d.log(
      `relay: "${from.name}" ↔ "${other.name}" on ports ${x.a.port}/${x.b.port} (allocation ${x.id})`,
    );
  }

  /** A learning socket on `port`: each side's first packet tells its address. */
  private listen(port: number): void {
    const conn = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port });
    this.sockets.set(port, conn);
    void (async () => {
      try {
        for (let i = 0; i < 10_000; i++) {
          const [bytes, addr] = await conn.receive(new Uint8Array(2048));
          if (addr.transport !== "udp") continue;
          const r = this.alloc.learn(port, { host: addr.hostname, port: addr.port }, this.d.now());
          if (!r) continue;
          if (r.forwardTo) {
            await this.sockets.get(r.via)?.send(bytes, {
              transport: "udp",
              ...r.forwardTo,
              hostname: r.forwardTo.host,
            })
              .catch(() => 0);
            if (!r.alloc.kernel && !this.switching.has(r.alloc.id)) {
              this.switching.add(r.alloc.id);
              setTimeout(() => void this.toKernel(r.alloc), USERSPACE_MS);
            }
          }
        }
      } catch { /* closed */ }
    })();
  }

  private switching = new Set<number>();

  /** Both sides known and the handshake through: the kernel forwards from now on. */
  private async toKernel(x: Allocation): Promise<void> {
    this.switching.delete(x.id);
    if (!this.alloc.list().includes(x)) return;
    x.kernel = true;
    for (const p of [x.a.port, x.b.port]) {
      this.sockets.get(p)?.close();
      this.sockets.delete(p);
    }
    await this.applyKernel();
    // Entries made while userspace answered would deliver the next packets to a closed socket.
    for (const p of [x.a.port, x.b.port]) {
      await this.exec(["conntrack", "-D", "-p", "udp", "--orig-port-dst", String(p)]);
      await this.exec(["conntrack", "-D", "-p", "udp", "--orig-port-src", String(p)]);
    }
    this.d.log(
      `relay: allocation ${x.id} forwarded by the kernel (${x.a.learned!.host}:${
        x.a.learned!.port
      } ↔ ${x.b.learned!.host}:${x.b.learned!.port})`,
    );
  }

  private applyKernel(): Promise<void> {
    this.applyQueue = this.applyQueue.then(async () => {
      await this.readCounters();
      this.alloc.rebase();
      const addr = await this.relayAddress();
      const kernel = this.alloc.list().filter((y) => y.kernel);
      if (kernel.length === 0) {
        await this.exec(["nft", "delete", "table", ...RELAY_TABLE.split(" ")]);
      } else if (addr.includes(".")) {
        const r = await this.exec(["nft", "-f", "-"], relayTableScript(addr, kernel));
        this.problem = r.code === 0
          ? undefined
          : `Cannot install the relay rules (table ${RELAY_TABLE}): ${
            r.stderr.trim().split("\n")[0]
          }`;
        if (this.problem) this.d.log(this.problem);
      }
      await this.applyFirewall();
    }).catch((e) => this.d.log(`relay: ${errorMessage(e)}`));
    return this.applyQueue;
  }

  private async applyFirewall(): Promise<void> {
    const fw = relayFirewall(this.alloc.list());
    await this.d.platform.firewall.allowRelay(fw.input, fw.forward);
  }

  private async readCounters(): Promise<void> {
    if (!this.alloc.list().some((x) => x.kernel)) return;
    const r = await this.exec(["nft", "list", "table", ...RELAY_TABLE.split(" ")]);
    if (r.code !== 0) return;
    const now = this.d.now();
    for (const [id, c] of parseRelayCounters(r.stdout)) {
      this.alloc.count(id, c.packets, c.bytes, now);
    }
  }

  /** Close sockets and remove rules of allocations that are gone. */
  private async release(gone: Allocation[]): Promise<void> {
    if (gone.length === 0) return;
    for (const x of gone) {
      for (const p of [x.a.port, x.b.port]) {
        this.sockets.get(p)?.close();
        this.sockets.delete(p);
      }
      this.d.log(`relay: allocation ${x.id} released (${x.packets} packets relayed)`);
    }
    if (gone.some((x) => x.kernel)) await this.applyKernel();
    else await this.applyFirewall();
  }

  // ---- peer role --------------------------------------------------------------------------

  private ticks = 0;

  private async tick(): Promise<void> {
    // Counters (one nft process) every few seconds: enough for the idle expiry and the status.
    if (this.ticks++ % COUNTERS_EVERY === 0) await this.readCounters();
    await this.release(this.alloc.expire(this.d.now()));
    const { model } = await this.d.model();
    const now = this.d.now();
    this.ourKey = interfacePublicKey(model);
    this.direct.tick(this.ourKey);
    const peers = model.peers.filter((p) => !p.disabled);
    // `wg show dump` is a process: skip it while every peer is known to have a fresh handshake.
    if (peers.every((p) => (this.freshUntil.get(p.publicKey) ?? 0) > now)) return;
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
      const hasEndpoint = p.endpointHost !== undefined || (live?.endpoint ?? null) !== null;
      if (hasEndpoint && !this.endpointSince.has(p.publicKey)) {
        this.endpointSince.set(p.publicKey, now);
      }
      const hs = live?.latestHandshake ?? 0;
      if (hs > 0) {
        this.d.relayNotes.delete(p.publicKey);
        this.failedRounds.delete(p.publicKey);
        this.quickRetry.delete(p.publicKey);
        this.freshUntil.set(p.publicKey, (hs + HANDSHAKE_FRESH_S) * 1000 - 60_000);
      }
      const o = overrides.get(p.publicKey);
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
        hopeless: this.hopeless(p.publicKey) &&
          this.members().some((m) => m.key !== p.publicKey && fresh(m.key)),
      };
      // Only mesh members (known by their card): a relay takes nothing else.
      if (wantsRelay(ours, state, now) && this.isMember(p.publicKey)) this.ask(ours, p.publicKey);
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

  /** Ask the members in turn (not the peer itself) for a relay to `peer`. */
  private ask(ours: string, peer: string): void {
    this.askedAt.set(peer, this.d.now());
    const relays = this.members().filter((m) => m.key !== peer);
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
        this.exec(["wg", "set", model.name, "peer", msg.peer, "remove"])
      );
    }
    await this.d.reconcile();
    // Something for WireGuard to send: its handshake then goes through the relay at once.
    const tunnel = peer.allowedIps.find((a) => a.endsWith("/32"))?.split("/")[0];
    if (tunnel) {
      void this.peering.send(tunnel, this.peering.controlPort, new Uint8Array([0x50, 0x4b]));
    }
  }

  // ---- status -----------------------------------------------------------------------------

  private status(): unknown {
    const names = new Map(this.members().map((m) => [m.key, m.name]));
    const now = this.d.now();
    const list = this.alloc.list();
    if (list.length === 0) return undefined;
    return {
      allocations: list.map((x) => ({
        id: x.id,
        a: names.get(x.a.key) ?? x.a.key.slice(0, 8),
        b: names.get(x.b.key) ?? x.b.key.slice(0, 8),
        ports: [x.a.port, x.b.port],
        forwarding: x.kernel ? "kernel" : "learning",
        packets: x.packets,
        bytes: x.bytes,
        idleSec: Math.floor((now - x.lastActiveAt) / 1000),
      })),
    };
  }
}
