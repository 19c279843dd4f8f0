import { errorMessage } from "../../lib/errors.ts";
import { toBase64 } from "../../lib/base64.ts";
import { formatEndpoint } from "../../lib/net.ts";
import { readLanWan } from "../../uci/mod.ts";
import {
  CardSeqs,
  CardStore,
  decodeCardBundle,
  handleJoinRequest,
  InviteStore,
  type PeerCard,
  type RouterKeys,
  routerKeys,
  signCard,
  type SignedCard,
} from "../../peer/mod.ts";
import type { Daemon } from "../daemon.ts";
import type { Handler } from "../handlers.ts";
import type { NetcheckService } from "../netcheck_service.ts";
import { Params } from "../params.ts";
import { interfacePublicKey } from "../status.ts";
import {
  bestEndpoint,
  cardBody,
  type CardInputs,
  hostRoute,
  planRoutes,
  sameBody,
} from "./card_content.ts";
import {
  acceptFlow,
  createInviteFlow,
  joinFlow,
  type PairingHost,
  type PeerFacts,
  PUSH_RETRY_MS,
  REPUSH_MS,
} from "./pairing_flows.ts";
import { cardsView } from "./cards_view.ts";
import { publicV4s } from "../../wg/path_choice.ts";
import { isTunnelSource, packBundles, pushTargets } from "./card_push.ts";
import { ControlPort, type Datagram } from "./control_port_deno.ts";
import { DEFAULT_CONTROL_PORT, readPeeringOptions } from "./peering_options.ts";
import {
  loadOrCreateSignSeed,
  loadReceived,
  loadState,
  peeringPaths,
  StateWriter,
} from "./identity_store_deno.ts";
import { upsertPeer } from "./peer_apply.ts";
import { type PathPeer, PathService } from "./path_service.ts";
import {
  emptyState,
  mergeCards,
  type PairedPeer,
  type PeeringState,
  type ReceivedCards,
  splitCards,
} from "./peering_state.ts";
import type { Timer } from "../../lib/timer.ts";
import { type LanBridge, remoteLanHosts } from "./lan_bridge.ts";
import { inviteList } from "./invite_list.ts";
import { UsageError } from "../../lib/errors.ts";

/** Our card goes to every peer this often even without a change (a peer may have restarted). */
export const REFRESH_PUSH_MS = 5 * 60_000;
/** How often the control port's WAN rule is re-checked. */
export const FIREWALL_RECHECK_MS = 30_000;
/** Card bundles per second taken from outside the tunnel (signature checks cost CPU). */
export const WAN_BUNDLES_PER_S = 20;

/**
 * punchd's peering: invites and joins on the UDP control port, our signed card kept current
 * (WAN or netcheck changes bump its seq and push it to every peer at once), received cards
 * turned into WireGuard peers (site-to-site routes), and peer exchange for a mesh.
 */
export class PeeringService implements PairingHost {
  // Read by the pairing flows (pairing_flows.ts); not for other callers.
  keys!: RouterKeys;
  invites = new InviteStore();
  cards!: CardStore;
  state!: PeeringState;
  own: SignedCard | undefined;
  controlPort = DEFAULT_CONTROL_PORT;
  private writer!: StateWriter;
  /** The received cards, in RAM (`/var/run/punch/peering.json`): a card never writes to flash. */
  private received!: StateWriter<ReceivedCards>;
  private seqs!: CardSeqs;
  private port: ControlPort | undefined;
  private dnsName: string | undefined;
  private listeners = new Set<(m: Datagram) => boolean>();
  private timers = new Set<Timer>();
  private queue: Promise<unknown> = Promise.resolve();
  private refreshTimer: Timer | undefined;
  private firewallTimer: Timer | undefined;
  private paths: PathService | undefined;
  private wanBudget = { second: 0, used: 0 };
  private problem: string | undefined = "not started";
  private readonly started = Promise.withResolvers<void>();

  constructor(readonly d: Daemon, readonly netcheck: NetcheckService) {}

  /** Load keys and state, open the control port, and start keeping our card current. */
  async start(): Promise<void> {
    try {
      await this.prepare();
      await this.startInner();
      this.problem = undefined;
    } catch (e) {
      // punchd keeps running its tunnels; the peering methods say why they are unavailable.
      this.problem = errorMessage(e);
      this.d.log(`peering is off: ${this.problem}`);
    } finally {
      this.started.resolve();
    }
  }

  private preparing: Promise<void> | undefined;

  /**
   * Load keys, state and the cards kept in RAM, and hand their endpoints to the daemon: call it
   * before the first reconcile, so that a restart of punchd does not point WireGuard back at the
   * endpoints in UCI (those of the pairing). `start` calls it too; it runs once.
   */
  prepare(): Promise<void> {
    this.preparing ??= this.load();
    return this.preparing;
  }

  private async load(): Promise<void> {
    const d = this.d;
    const paths = peeringPaths(d.platform.root);
    const { model } = await d.model();
    if (model.privateKey === "") {
      throw new Error(`Cannot start peering: interface "${model.name}" has no private key yet`);
    }
    const seed = await loadOrCreateSignSeed(paths.signKey, d.random);
    this.keys = routerKeys(model.privateKey, seed);
    this.state = await loadState(paths.state, d.log);
    this.writer = new StateWriter(paths.state);
    this.writer.seen(this.state);
    const received = await loadReceived(paths.received, d.log);
    this.received = new StateWriter(paths.received);
    this.received.seen(received);
    const self = [this.b64(this.keys.signPublicKey), interfacePublicKey(model)] as const;
    try {
      this.invites = InviteStore.fromJSON(this.state.invites);
      this.cards = CardStore.fromJSON(
        mergeCards(this.state.cards, received),
        ...self,
        d.now(),
      );
    } catch (e) {
      d.log(`Cannot read the peering state (${errorMessage(e)}); starting empty`);
      await Deno.rename(paths.state, `${paths.state}.bad`).catch(() => {});
      this.state = { ...emptyState(), seq: this.state.seq }; // seqs must still grow
      this.invites = new InviteStore();
      this.cards = new CardStore(...self);
    }
    // The one flash write of a start: a new seq epoch, so that every seq of this run is new.
    this.seqs = new CardSeqs(this.state.seq);
    this.state.seq = this.seqs.stored;
    await this.persist();
    this.learnFromCards();
  }

  private async startInner(): Promise<void> {
    const d = this.d;
    const opts = readPeeringOptions(await d.platform.config.load("punch"));
    this.controlPort = opts.controlPort;
    this.dnsName = opts.dnsName;
    this.port = new ControlPort(this.controlPort, (m) => this.onDatagram(m), d.log);
    this.port.start();
    await d.platform.firewall.allowWanUdp("control", this.controlPort);
    await this.serial(() => this.refreshCard());
    d.onWanChange(() => void this.endpointsMayHaveChanged("WAN address changed"));
    this.netcheck.onReport(() => void this.endpointsMayHaveChanged("netcheck report"));
    d.addStatus("peering", () => ({
      controlPort: this.controlPort,
      seq: this.own?.card.seq,
      paired: this.state.paired.length,
      cards: this.cards.list().length,
    }));
    this.refreshTimer = setInterval(() => this.pushAll([0]), REFRESH_PUSH_MS);
    // Like the WireGuard port in reconcile: a firewall reload that dropped the rule is healed.
    this.firewallTimer = setInterval(
      () => void d.platform.firewall.allowWanUdp("control", this.controlPort).catch(() => {}),
      FIREWALL_RECHECK_MS,
    );
    this.paths = new PathService(
      d,
      () => this.pathPeers(),
      () => publicV4s(this.own?.card.endpoints ?? [])[0],
    );
    this.paths.start();
    // Peers keep our card in RAM only: one that restarted meanwhile learns it from these pushes.
    this.pushAll([0, 2000, ...REPUSH_MS]);
    d.log(`peering on UDP port ${this.controlPort} (card seq ${this.own?.card.seq})`);
  }

  /** Endpoints of the cards kept in RAM (a restart of punchd), before the first reconcile. */
  private learnFromCards(): void {
    for (const c of this.cards.list()) {
      const e = bestEndpoint(c.card.endpoints);
      if (e !== undefined) this.d.learnedEndpoints.set(c.card.wgPublicKey, formatEndpoint(e));
    }
  }

  /** Every peer whose card (or pairing record) lists endpoints, for the path chooser. */
  private pathPeers(): PathPeer[] {
    const own = this.own?.card.wgPublicKey;
    const out = new Map<string, PathPeer>();
    for (const p of this.state.paired) {
      out.set(p.wgPublicKey, {
        publicKey: p.wgPublicKey,
        name: p.name,
        endpoints: p.endpoints ?? [],
      });
    }
    for (const c of this.cards.list()) {
      const k = c.card.wgPublicKey;
      out.set(k, { publicKey: k, name: c.card.name, endpoints: c.card.endpoints });
    }
    if (own !== undefined) out.delete(own);
    return [...out.values()];
  }

  async stop(): Promise<void> {
    this.paths?.stop();
    clearInterval(this.refreshTimer);
    clearInterval(this.firewallTimer);
    for (const t of this.timers) clearTimeout(t);
    await this.queue.catch(() => {});
    await this.port?.close();
  }

  /** Control methods: invite.create, invite.join, invite.accept, cards.list. */
  handlers(): Handler[] {
    return this.table().map((h) => ({
      ...h,
      run: async (d, p) => {
        await this.started.promise; // a call may arrive while start() is still running
        if (this.problem !== undefined) {
          throw new Error(`Peering is not running: ${this.problem}; see punchd's log`);
        }
        return await h.run(d, p);
      },
    }));
  }

  private table(): Handler[] {
    return [
      {
        name: "invite.create",
        summary: "make a single-use invite token {name?, expires?} → {token, expiresAt}",
        run: (_d, p) => this.serial(() => createInviteFlow(this, new Params(p))),
      },
      {
        name: "invite.join",
        summary: "join with an invite token {token, name?, allowOverlap?} → {peer, reply?}",
        run: (_d, p) => joinFlow(this, new Params(p)),
      },
      {
        name: "invite.accept",
        summary: "accept a reply token from a router that joined {reply} → {peer}",
        run: (_d, p) => this.serial(() => acceptFlow(this, new Params(p))),
      },
      {
        name: "invite.list",
        summary: "invites handed out: outstanding, used, expired or revoked",
        run: () => Promise.resolve(inviteList(this.invites.list(), this.d.now())),
      },
      {
        name: "invite.revoke",
        summary: "withdraw an outstanding invite {id}",
        run: (_d, p) =>
          this.serial(async () => {
            const id = new Params(p).str("id");
            const open = this.invites.outstanding(this.d.now()).some((r) => r.id === id);
            if (!open || !this.invites.revoke(id)) {
              throw new UsageError(
                `Cannot revoke invite "${id}": no outstanding invite with that id (see punchctl invites)`,
              );
            }
            await this.save();
            return { id, revoked: true };
          }),
      },
      {
        name: "cards.list",
        summary: "known peer cards, ours first",
        run: () => Promise.resolve(cardsView(this.own, this.cards.list(), this.state.paired)),
      },
    ];
  }

  // ---- our card ---------------------------------------------------------------------------

  private b64(b: Uint8Array): string {
    return toBase64(b);
  }

  async inputs(): Promise<CardInputs> {
    const d = this.d;
    const { cfg, model } = await d.model();
    const wan = await d.platform.system.wan();
    const report = this.netcheck.report;
    return {
      wgPublicKey: interfacePublicKey(model),
      signPublicKey: this.b64(this.keys.signPublicKey),
      name: (cfg.name || Deno.hostname()).slice(0, 63),
      listenPort: model.listenPort ?? cfg.listenPort,
      ...(wan.address !== undefined ? { wanAddress: wan.address } : {}),
      wanV6: wan.v6,
      ...(report !== undefined ? { report } : {}),
      ...(this.dnsName !== undefined ? { dnsName: this.dnsName } : {}),
      tunnelAddresses: model.addresses,
      lanSubnets: readLanWan(await d.network()).lan.map((c) => `${c.address}/${c.prefix}`),
      lanHosts: (await this.lanBridge?.endpoints()) ?? [],
      introduces: this.state.paired.map((p) => ({
        wgPublicKey: p.wgPublicKey,
        signPublicKey: p.signPublicKey,
      })),
    };
  }

  /** Re-sign our card when what it says changed; true when it did. Call inside `serial`. */
  async refreshCard(): Promise<boolean> {
    const body = cardBody(await this.inputs());
    if (this.own && sameBody(body, this.own.card)) return false;
    const now = this.d.now();
    const { seq, newEpoch } = this.seqs.next();
    this.own = signCard({ ...body, seq, issuedAt: now }, this.keys.signSeed);
    if (newEpoch) { // after 2^32 cards in one run: store the new epoch
      this.state.seq = this.seqs.stored;
      await this.save();
    }
    return true;
  }

  private endpointsMayHaveChanged(why: string): Promise<void> {
    return this.serial(async () => {
      if (await this.refreshCard()) {
        this.d.log(
          `${why}: card seq ${this.own!.card.seq} → ${
            this.own!.card.endpoints.join(", ") || "no public endpoint"
          }; pushing to peers`,
        );
        this.pushAll(PUSH_RETRY_MS);
      }
    }).catch((e) => this.d.log(`Cannot update our card: ${errorMessage(e)}`));
  }

  /** Write what changed: the state file (flash) only when pairing facts did, cards to RAM. */
  async save(): Promise<void> {
    this.invites.prune(this.d.now());
    this.state.invites = this.invites.toJSON();
    await this.persist();
    this.lanBridge?.remotes(
      remoteLanHosts(this.cards.list().map((c) => c.card), this.own?.card.wgPublicKey),
    );
  }

  private async persist(): Promise<void> {
    const { kept, received } = splitCards(this.cards.toJSON());
    this.state.cards = kept;
    await this.writer.save(this.state);
    await this.received.save(received);
  }

  private lanBridge: LanBridge | undefined;

  /** Connect LAN assist: our hosts' endpoints go into our card, peers' hosts become pinholes. */
  setLanBridge(b: LanBridge): void {
    this.lanBridge = b;
  }

  /** Our LAN hosts changed: re-sign and push the card. */
  lanHostsChanged(): void {
    void this.endpointsMayHaveChanged("LAN hosts changed");
  }

  /** `peer.remove` of a paired router: stop trusting its cards so it does not come back. */
  forget(wgPublicKey: string): Promise<void> {
    return this.serial(async () => {
      const p = this.state.paired.find((x) => x.wgPublicKey === wgPublicKey);
      const card = this.cards.list().find((c) => c.card.wgPublicKey === wgPublicKey);
      const sign = p?.signPublicKey ?? card?.card.signPublicKey;
      if (sign === undefined) return;
      this.cards.unpin(sign);
      this.d.setPeerProblems("routes", wgPublicKey, []);
      this.state.paired = this.state.paired.filter((x) => x.wgPublicKey !== wgPublicKey);
      await this.save();
      await this.refreshCard();
      this.d.log(`forgot peer ${wgPublicKey.slice(0, 8)}…: its cards are no longer trusted`);
    });
  }

  /** Serialise peering state changes (datagrams, control calls, WAN events). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  // ---- pushing cards ----------------------------------------------------------------------

  send(host: string, port: number, bytes: Uint8Array): Promise<boolean> {
    return this.port?.send(host, port, bytes) ?? Promise.resolve(false);
  }

  listen(fn: (m: Datagram) => boolean): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private sendBundles(host: string, port: number): void {
    if (!this.own) return;
    for (const b of packBundles(this.own, this.cards.list())) void this.port?.send(host, port, b);
  }

  /** Send our card and what we know to every peer now and at each later delay (bounded). */
  pushAll(delays: readonly number[]): void {
    for (const at of delays) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        for (const x of pushTargets(this.cards.list(), this.state.paired, this.controlPort)) {
          this.sendBundles(x.host, x.port);
        }
      }, at);
      this.timers.add(t);
    }
  }

  // ---- datagrams --------------------------------------------------------------------------

  private onDatagram(m: Datagram): void {
    for (const fn of this.listeners) if (fn(m)) return;
    const [a, b] = [m.bytes[0], m.bytes[1]];
    if (a === 0x50 && b === 0x4a) {
      void this.serial(() => this.onJoinRequest(m)).catch((e) =>
        this.d.logFlood("join", `join request from ${m.host}: ${errorMessage(e)}`)
      );
    } else if (a === 0x50 && b === 0x42 && this.admitBundle(m.host)) {
      void this.serial(() => this.onBundle(m)).catch((e) =>
        this.d.logFlood("cards", `cards from ${m.host}: ${errorMessage(e)}`)
      );
    }
  }

  /**
   * Bundles from a peer's tunnel address are authenticated by WireGuard (cryptokey routing);
   * others (a push to our WAN while the tunnel is down) are rate-limited, then signature-checked.
   */
  private admitBundle(host: string): boolean {
    if (isTunnelSource(host, this.cards.list(), this.state.paired)) return true;
    const second = Math.floor(this.d.now() / 1000);
    if (this.wanBudget.second !== second) this.wanBudget = { second, used: 0 };
    return ++this.wanBudget.used <= WAN_BUNDLES_PER_S;
  }

  private async onJoinRequest(m: Datagram): Promise<void> {
    if (!this.own) return;
    const now = this.d.now();
    let h;
    try {
      h = handleJoinRequest(
        this.keys,
        this.invites,
        this.own,
        m.bytes,
        now,
        this.d.random,
        this.cards.list(),
      );
    } catch {
      return; // malformed: not worth an answer
    }
    if (h === null) return;
    if (h.kind !== "accepted") {
      if (h.kind === "rejected") this.d.logFlood("join", `${h.message} (from ${m.host})`);
      await this.port?.send(m.host, m.port, h.reply);
      return;
    }
    const joiner = h.joiner.card;
    await this.save(); // the invite is spent before anyone hears it worked
    await this.admitEarly(joiner);
    await this.port?.send(m.host, m.port, h.reply);
    this.d.log(`"${joiner.name}" joined with invite ${h.record.id} from ${m.host}`);
    this.cards.pin(joiner.signPublicKey, now);
    this.cards.offer(h.joiner, now);
    await this.recordPaired(joiner, undefined);
    await this.applyCard(joiner, true).catch((e) =>
      this.d.log(`Cannot add "${joiner.name}" as a peer: ${errorMessage(e)}`)
    );
    await this.refreshCard();
    await this.save();
    await this.d.reconcile();
    this.pushAll([...PUSH_RETRY_MS.slice(0, 3), ...REPUSH_MS]);
  }

  /**
   * The joiner's WireGuard initiates as soon as it hears back. Let WireGuard know the joiner's key
   * before that (runtime only, its tunnel addresses unless another peer has them; the reconcile
   * that follows writes the config): otherwise the first initiation is dropped, and WireGuard sends
   * the next one only 5 s later.
   */
  private async admitEarly(joiner: PeerCard): Promise<void> {
    try {
      const { model } = await this.d.model();
      const taken = new Set(model.peers.flatMap((p) => p.allowedIps));
      const routes = joiner.tunnelAddresses.map(hostRoute).filter((r) => !taken.has(r));
      if (routes.length === 0 || model.peers.some((p) => p.publicKey === joiner.wgPublicKey)) {
        return;
      }
      await this.d.exclusive(() =>
        this.d.platform.system.exec([
          "wg",
          "set",
          model.name,
          "peer",
          joiner.wgPublicKey,
          "allowed-ips",
          routes.join(","),
        ])
      );
    } catch (e) {
      this.d.log(`Cannot admit "${joiner.name}" early: ${errorMessage(e)}`);
    }
  }

  private async onBundle(m: Datagram): Promise<void> {
    let list: Uint8Array[] | null;
    try {
      list = decodeCardBundle(m.bytes);
    } catch {
      return;
    }
    if (list === null) return;
    const now = this.d.now();
    const accepted: SignedCard[] = [];
    for (const bytes of list) {
      const r = this.cards.offer(bytes, now);
      if (r.status === "accepted" && r.card) accepted.push(r.card);
      accepted.push(...r.promoted);
      if (r.status === "invalid") {
        this.d.logFlood("cards", `dropped a card from ${m.host}: ${r.reason}`);
      }
      for (const k of r.removed) {
        this.d.log(`card of signer ${k.slice(0, 8)}… lost its introduction`);
      }
    }
    if (accepted.length === 0) return;
    await this.save();
    let changed = false;
    for (const c of accepted) {
      this.d.log(
        `card from ${m.host}: "${c.card.name}" seq ${c.card.seq} at ${
          c.card.endpoints.join(", ") || "no public endpoint"
        }`,
      );
      try {
        changed = (await this.applyCard(c.card, true)) || changed;
      } catch (e) {
        this.d.log(`Cannot add "${c.card.name}" as a peer: ${errorMessage(e)}`);
      }
    }
    if (changed) await this.d.reconcile();
    this.sendBundles(m.host, m.port); // the sender may lack ours (newly paired, or restarted)
    this.pushAll([0, 1000]); // relay to the rest of the mesh; stale copies stop there
  }

  // ---- pairing ----------------------------------------------------------------------------

  async recordPaired(
    c: PeerFacts,
    controlPort: number | undefined,
  ): Promise<void> {
    const rest = this.state.paired.filter((p) => p.wgPublicKey !== c.wgPublicKey);
    const p: PairedPeer = {
      wgPublicKey: c.wgPublicKey,
      signPublicKey: c.signPublicKey,
      name: c.name,
      pairedAt: this.d.now(),
      tunnel: [...c.tunnelAddresses],
      endpoints: [...c.endpoints],
      ...(controlPort ? { controlPort } : {}),
    };
    this.state.paired = [...rest, p];
    await this.save();
  }

  /** Configure the WireGuard peer a card describes; overlapping subnets are left out (logged). */
  /** LAN subnets (not host routes) already routed to WireGuard peers other than `exceptKey`. */
  async routedElsewhere(exceptKey: string): Promise<{ peer: string; subnets: string[] }[]> {
    const { model } = await this.d.model();
    return model.peers.filter((p) => p.publicKey !== exceptKey && !p.disabled).map((p) => ({
      peer: p.description || p.publicKey.slice(0, 8),
      subnets: p.allowedIps.filter((a) => !/\/(32|128)$/.test(a) && a.includes("/")),
    }));
  }

  async applyCard(
    c: Omit<PeerFacts, "signPublicKey">,
    allowOverlap: boolean,
    localName?: string,
  ): Promise<boolean> {
    if (c.wgPublicKey === this.own?.card.wgPublicKey) return false;
    const { model } = await this.d.model();
    const ours = {
      ...(await this.inputs()),
      routed: await this.routedElsewhere(c.wgPublicKey),
      reached: await this.d.platform.system.reached(model.name),
    };
    const plan = planRoutes(ours, c, allowOverlap);
    for (const x of plan.explanations) this.d.log(`${x} (left out of the routes to "${c.name}")`);
    const refused = plan.refused.map((r) => r.reason);
    if (this.d.setPeerProblems("routes", c.wgPublicKey, refused)) {
      for (const r of refused) this.d.log(r);
    }
    const endpoint = bestEndpoint(c.endpoints);
    // A new peer's first initiation goes to the best candidate, not to IPv4 and 5 s later on.
    const primed = this.paths?.prime(
      { publicKey: c.wgPublicKey, name: localName ?? c.name, endpoints: c.endpoints },
      endpoint ? formatEndpoint(endpoint) : undefined,
    ).catch((e) => this.d.log(`path choice failed: ${errorMessage(e)}`));
    const changed = await upsertPeer(this.d, {
      publicKey: c.wgPublicKey,
      name: localName ?? c.name,
      allowedIps: plan.allowedIps,
      ...(endpoint ? { endpoint } : {}),
    });
    // The endpoint is runtime state: RAM and `wg set`, never UCI after the peer was added.
    const learned = endpoint !== undefined &&
      this.d.learnedEndpoints.set(c.wgPublicKey, formatEndpoint(endpoint));
    await primed; // before the caller's reconcile
    return changed || learned;
  }
}
