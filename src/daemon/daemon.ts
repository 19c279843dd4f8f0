import { antiSpoofNft } from "./anti_spoof.ts";
import { readPeeringOptions } from "./peering/peering_options.ts";
import { LogLimiter } from "../lib/log_limiter.ts";
import {
  createInterfaceChanges,
  type PunchConfig,
  readLanWan,
  readPunchConfig,
  readWireguard,
  type UciSection,
  type WgInterfaceModel,
  type WgPeerModel,
} from "../uci/mod.ts";
import { errorMessage } from "../lib/errors.ts";
import { formatEndpoint } from "../lib/net.ts";
import type { Platform, WanState } from "../platform/types.ts";
import { privateKeyFromRandom, publicKeyOf } from "../wg/keys.ts";
import type { WgDesired } from "../wg/wg_desired.ts";
import type { WgDump } from "../wg/wg_dump.ts";
import { endpointNames, NameCache, withResolvedEndpoints } from "../wg/endpoint_names.ts";
import { resolveName } from "../platform/dns_deno.ts";
import { tunnelAddressFor } from "../wg/tunnel_address.ts";
import { interfacePublicKey, type PathContext, type PeerStatus, peerStatuses } from "./status.ts";
import { EndpointOverrides } from "./endpoint_overrides.ts";
import { LearnedEndpoints } from "./learned_endpoints.ts";
import { PathTracker } from "../wg/peer_path.ts";
import type { Timer } from "../lib/timer.ts";
import { FirstContactService } from "./first_contact_service.ts";
import { localPairs } from "../wg/first_contact.ts";

/** How often punchd re-checks that the live state matches the config. */
export const RECONCILE_MS = 10_000;

export interface DaemonDeps {
  platform: Platform;
  log: (msg: string) => void;
  now?: () => number;
  random?: (n: number) => Uint8Array;
  /** DNS lookup for endpoint names; must return within a few seconds and never throw. */
  resolve?: (name: string) => Promise<{ addresses: string[] } | { error: string }>;
  /** false: no first-contact tie-break (benchmarks compare against WireGuard alone). */
  tieBreak?: boolean;
}

export interface Status {
  name: string;
  platform: string;
  interface: string;
  publicKey: string;
  listenPort: number;
  addresses: string[];
  wan: WanState;
  peers: (PeerStatus & { problems?: string[] })[];
  warnings: string[];
  [part: string]: unknown;
}

/** A runtime endpoint for a peer (the relay's port for it); RAM only, never written to UCI. */
export interface EndpointOverride {
  endpoint: string;
  /** Name of the relay router, for the status. */
  relay: string;
  since: number;
}

/**
 * The model → desired state mapping: disabled peers are left out; endpoints as `host:port`;
 * a runtime override (relay) wins over the configured endpoint.
 */
export function desiredFrom(
  model: WgInterfaceModel,
  listenPort: number,
  overrides: ReadonlyMap<string, EndpointOverride> = new Map(),
): WgDesired {
  return {
    ifname: model.name,
    privateKey: model.privateKey,
    listenPort: model.listenPort ?? listenPort,
    addresses: model.addresses,
    ...(model.mtu !== undefined ? { mtu: model.mtu } : {}),
    peers: model.peers.filter((p) => !p.disabled).map((p) => ({
      publicKey: p.publicKey,
      ...(p.presharedKey ? { presharedKey: p.presharedKey } : {}),
      allowedIps: p.allowedIps,
      ...(overrides.has(p.publicKey)
        ? { endpoint: overrides.get(p.publicKey)!.endpoint }
        : p.endpointHost
        ? { endpoint: formatEndpoint({ host: p.endpointHost, port: p.endpointPort ?? 51820 }) }
        : {}),
      ...(p.persistentKeepalive ? { persistentKeepalive: p.persistentKeepalive } : {}),
      routeAllowedIps: p.routeAllowedIps,
    })),
  };
}

/** punchd's core: owns the WireGuard interface Punch manages and keeps it in step with UCI. */
export class Daemon {
  readonly platform: Platform;
  readonly log: (msg: string) => void;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  private readonly resolve: NonNullable<DaemonDeps["resolve"]>;
  private readonly names = new NameCache();
  private readonly asking = new Map<string, Promise<void>>();
  private lock: Promise<unknown> = Promise.resolve();
  private timer: Timer | undefined;
  private wanWatch: { close(): void } | undefined;
  private lastWan: string | undefined;
  private wanListeners: ((wan: WanState) => void)[] = [];
  problems: string[] = [];
  private statusParts = new Map<string, () => unknown>();
  /** Log lines strangers can cause (bad packets): one per kind a minute, all counted in status. */
  readonly floods = new LogLimiter();
  private warningSources: (() => string[])[] = [];
  private readonly paths = new PathTracker();
  /** Peers sent through a relay: public key → relay endpoint (RAM only; consulted by reconcile). */
  readonly endpointOverrides = new Map<string, EndpointOverride>();
  /** Peers no relay could be found for: public key → why, in plain words (for the status). */
  readonly relayNotes = new Map<string, string>();
  /** Path choice's runtime endpoints (IPv6, same LAN); a relay's override wins over them. */
  readonly pathOverrides = new EndpointOverrides();
  /** Endpoints learned from peers' cards (RAM only): they replace the configured endpoint. */
  readonly learnedEndpoints = new LearnedEndpoints();
  /** This router's netcheck verdict, for the advice when a peer has no path (set by netcheck). */
  verdict: () => string | undefined = () => undefined;
  /** Breaks ties between handshake initiations that cross (ours and our LAN hosts'). */
  readonly firstContact: FirstContactService;

  constructor(deps: DaemonDeps) {
    this.platform = deps.platform;
    this.log = deps.log;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    this.firstContact = new FirstContactService(
      (argv, stdin) => this.platform.system.exec(argv, stdin),
      this.log,
      this.now,
      deps.tieBreak ?? true,
    );
    this.resolve = deps.resolve ?? ((n) => resolveName(n));
    this.addStatus("badPackets", () => this.floods.counts());
  }

  /** Run `fn` with no other config change or reconcile in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => {});
    return next;
  }

  async punchConfig(): Promise<PunchConfig> {
    return readPunchConfig(await this.platform.config.load("punch"));
  }

  async network(): Promise<UciSection[]> {
    return await this.platform.config.load("network");
  }

  /** The managed interface's model; throws when it is missing. */
  async model(): Promise<{ cfg: PunchConfig; model: WgInterfaceModel }> {
    const cfg = await this.punchConfig();
    const model = readWireguard(await this.network(), cfg.interface);
    if (!model) {
      throw new Error(
        `WireGuard interface "${cfg.interface}" is missing from the network config; restart punchd to recreate it`,
      );
    }
    return { cfg, model };
  }

  /** First start: adopt the interface named in /etc/config/punch, or create it. */
  async setup(): Promise<void> {
    await this.exclusive(async () => {
      const cfg = await this.punchConfig();
      const existing = readWireguard(await this.network(), cfg.interface);
      if (existing) {
        this.log(
          `adopted WireGuard interface ${cfg.interface} (public key ${
            interfacePublicKey(existing)
          })`,
        );
        return;
      }
      const privateKey = privateKeyFromRandom(this.random(32));
      const address = tunnelAddressFor(cfg.tunnelPrefix, publicKeyOf(privateKey));
      await this.platform.config.commit(
        "network",
        createInterfaceChanges(cfg.interface, {
          privateKey,
          listenPort: cfg.listenPort,
          addresses: [address],
        }),
      );
      this.log(
        `created WireGuard interface ${cfg.interface} with address ${address} (public key ${
          publicKeyOf(privateKey)
        })`,
      );
    });
  }

  /**
   * The wanted state before names are resolved: the config, with the endpoints learned from
   * cards over the configured ones and a relay's override over both (all RAM, never UCI).
   */
  wanted(model: WgInterfaceModel, listenPort: number): WgDesired {
    return this.learnedEndpoints.applyTo(
      desiredFrom(model, listenPort, this.endpointOverrides),
      this.endpointOverrides,
    );
  }

  /** A peer's endpoint before path choice and relays: learned from its card, else configured. */
  baseEndpoint(p: WgPeerModel): string | undefined {
    return this.learnedEndpoints.get(p.publicKey)?.endpoint ??
      (p.endpointHost
        ? formatEndpoint({ host: p.endpointHost, port: p.endpointPort ?? 51820 })
        : undefined);
  }

  /** Bring live state to the config; safe to call at any time. */
  async reconcile(): Promise<void> {
    // Names are asked outside the lock, so a slow resolver never holds up config changes.
    await this.model().then(
      ({ cfg, model }) => this.askNames(endpointNames(this.wanted(model, cfg.listenPort))),
      () => {},
    );
    return await this.exclusive(async () => {
      const problems: string[] = [];
      try {
        const { cfg, model } = await this.model();
        this.learnedEndpoints.keepOnly(new Set(model.peers.map((p) => p.publicKey)));
        // Runtime endpoints in RAM only, never in UCI: a relay's, else the path chooser's, else
        // the one learned from the peer's card.
        const want = this.pathOverrides.applyTo(
          await this.resolveEndpoints(this.wanted(model, cfg.listenPort)),
          this.endpointOverrides,
        );
        // Before the apply: a new peer's first initiation leaves at once and must be remembered.
        const live = await this.platform.wg.dump(model.name).catch(() => null);
        await this.firstContact.setLocal(
          localPairs(
            interfacePublicKey(model),
            live?.iface.listenPort ?? want.listenPort ?? cfg.listenPort,
            [
              ...want.peers,
              // Where a wanted peer roamed to; a peer being removed no longer counts.
              ...(live?.peers ?? []).filter((p) =>
                want.peers.some((w) => w.publicKey === p.publicKey)
              )
                .map((p) => ({ publicKey: p.publicKey, endpoint: p.endpoint ?? undefined })),
            ],
          ),
        );
        const n = await this.platform.wg.apply(want);
        if (n > 0) this.log(`applied ${n} change(s) to ${model.name}`);
        const wgProblems = this.platform.wg.problems ?? [];
        problems.push(...wgProblems);
        for (const p of wgProblems) if (!this.problems.includes(p)) this.log(p);
        await this.platform.firewall.allowWanUdp("wg", model.listenPort ?? cfg.listenPort);
        const network = readLanWan(await this.network());
        await this.platform.firewall.allowTunnel(model.name, network.lanDevice ?? null, {
          input: cfg.tunnelInput,
          controlPort: readPeeringOptions(await this.platform.config.load("punch")).controlPort,
        });
        await this.guardWan(model, network.lan.map((c) => `${c.address}/${c.prefix}`));
      } catch (e) {
        problems.push(`Cannot apply the WireGuard config: ${errorMessage(e)}`);
        this.log(problems[problems.length - 1]!);
      }
      this.problems = problems;
    });
  }

  private antiSpoof: string | null | undefined;

  /** Drop WAN packets with a tunnel or LAN source (rewritten only when the prefixes change). */
  private async guardWan(model: WgInterfaceModel, lan: string[]): Promise<void> {
    const wan = await this.platform.system.wan();
    const text = antiSpoofNft(wan.device, [
      ...model.addresses,
      ...model.peers.filter((p) => !p.disabled).flatMap((p) => p.allowedIps),
      ...lan,
    ], [...(wan.address !== undefined ? [wan.address] : []), ...wan.v6]);
    if (text === this.antiSpoof) return;
    await this.platform.firewall.setRules("antispoof", text);
    this.antiSpoof = text;
  }

  /** Ask the names that are due (each at most once at a time); bounded by `resolve`'s timeout. */
  private async askNames(names: readonly string[]): Promise<void> {
    this.names.keepOnly(names);
    await Promise.all(
      this.names.due(names, this.now()).map((n) => {
        let p = this.asking.get(n);
        if (p === undefined) {
          p = this.resolve(n).catch((e) => ({ error: errorMessage(e) })).then((r) => {
            this.names.record(n, r, this.now());
          }).finally(() => this.asking.delete(n));
          this.asking.set(n, p);
        }
        return p;
      }),
    );
  }

  /**
   * DNS endpoints replaced by addresses: `wg` never resolves names itself (it would block every
   * change while the resolver waits). A peer whose name does not resolve is left without an
   * endpoint change this pass, logged once and shown in status; the others apply.
   */
  private async resolveEndpoints(want: WgDesired): Promise<WgDesired> {
    await this.askNames(endpointNames(want));
    const r = withResolvedEndpoints(want, this.names);
    const bad = new Map(r.unresolved.map((u) => [u.publicKey, u]));
    for (const p of want.peers) {
      const u = bad.get(p.publicKey);
      const msgs = u === undefined ? [] : [
        `Cannot resolve the endpoint "${u.endpoint}": ${u.problem}; the peer keeps its current ` +
        `endpoint and punchd asks again later. Check the name, or give an address with ` +
        `punchctl peer add --endpoint`,
      ];
      if (this.setPeerProblems("endpoint", p.publicKey, msgs)) {
        for (const m of msgs) this.log(m);
      }
    }
    return r.want;
  }

  async status(): Promise<Status> {
    const { cfg, model } = await this.model();
    // At once, not one after the other: each part may wait on a process (wg, ip) or a file.
    const [dump, wan, partList] = await Promise.all([
      this.platform.wg.dump(model.name),
      this.platform.system.wan(),
      Promise.all([...this.statusParts].map(async ([k, fn]) => [k, await fn()] as const)),
    ]);
    const parts: Record<string, unknown> = {};
    for (const [k, v] of partList) if (v !== undefined) parts[k] = v;
    return {
      ...parts,
      name: cfg.name,
      platform: this.platform.name,
      interface: model.name,
      publicKey: interfacePublicKey(model),
      listenPort: dump?.iface.listenPort ?? model.listenPort ?? cfg.listenPort,
      addresses: model.addresses,
      wan,
      peers: this.peerStatusList(model, dump),
      warnings: [
        ...this.problems,
        ...(this.platform.config.lastProblem ? [this.platform.config.lastProblem] : []),
        ...(this.firstContact.problem ? [this.firstContact.problem] : []),
        ...this.warningSources.flatMap((fn) => fn()),
      ],
    };
  }

  /** What peer statuses need to tell each peer's path and since when. */
  pathContext(): PathContext {
    const relays = new Map([...this.endpointOverrides.values()].map((o) => [o.endpoint, o.relay]));
    return {
      tracker: this.paths,
      nowMs: this.now(),
      verdict: this.verdict(),
      relays,
      relayNotes: this.relayNotes,
      learned: (key) => this.learnedEndpoints.get(key),
    };
  }

  /** Log `msg` unless a line of `kind` was logged in the last minute; counted in status either way. */
  logFlood(kind: string, msg: string): void {
    const line = this.floods.note(kind, msg, this.now());
    if (line !== undefined) this.log(line);
  }

  /** Add a named part to `status` (netcheck, LAN hosts, ...), computed when status is asked for. */
  addStatus(name: string, part: () => unknown): void {
    this.statusParts.set(name, part);
  }

  private problemsBySource = new Map<string, Map<string, string[]>>();

  /**
   * Record what is wrong with one peer, per source ("routes", "endpoint"): shown with that peer
   * in `status`. Returns true when it differs from what was recorded (log it then, once).
   */
  setPeerProblems(source: string, publicKey: string, problems: readonly string[]): boolean {
    let m = this.problemsBySource.get(source);
    if (m === undefined) this.problemsBySource.set(source, m = new Map());
    const before = m.get(publicKey) ?? [];
    if (problems.length === 0) m.delete(publicKey);
    else m.set(publicKey, [...problems]);
    return before.join("\n") !== problems.join("\n");
  }

  /** Each peer's status: config joined with the live dump, its path and its problems. */
  peerStatusList(model: WgInterfaceModel, dump: WgDump | null): PeerStatus[] {
    return peerStatuses(model, dump, Math.floor(this.now() / 1000), this.pathContext()).map(
      (p) => {
        const problems = this.peerProblems(p.publicKey);
        return problems.length > 0 ? { ...p, problems } : p;
      },
    );
  }

  /** Everything recorded for one peer by `setPeerProblems`. */
  peerProblems(publicKey: string): string[] {
    return [...this.problemsBySource.values()].flatMap((m) => m.get(publicKey) ?? []);
  }

  /** Add a source of warnings shown in `status`. */
  addWarnings(fn: () => string[]): void {
    this.warningSources.push(fn);
  }

  private peerRemovedListeners: ((publicKey: string) => Promise<void>)[] = [];

  /** Register a callback for `peer.remove` (peering stops trusting that router's cards). */
  onPeerRemoved(fn: (publicKey: string) => Promise<void>): void {
    this.peerRemovedListeners.push(fn);
  }

  async peerRemoved(publicKey: string): Promise<void> {
    for (const fn of this.peerRemovedListeners) {
      await fn(publicKey).catch((e) => this.log(errorMessage(e)));
    }
  }

  /** Register a callback for WAN address changes (used by netcheck and peer cards). */
  onWanChange(fn: (wan: WanState) => void): void {
    this.wanListeners.push(fn);
  }

  private async checkWan(): Promise<void> {
    const wan = await this.platform.system.wan();
    const key = `${wan.address ?? ""}|${wan.v6.join(",")}`;
    if (this.lastWan !== undefined && key !== this.lastWan) {
      this.log(`WAN address changed to ${wan.address ?? "none"}`);
      for (const fn of this.wanListeners) fn(wan);
    }
    this.lastWan = key;
  }

  /** Periodic reconcile plus WAN watching. */
  start(): void {
    const tick = async () => {
      await this.reconcile();
      await this.checkWan().catch((e) => this.log(`Cannot read WAN state: ${errorMessage(e)}`));
    };
    this.timer = setInterval(tick, RECONCILE_MS);
    this.wanWatch = this.platform.system.watchWan(() => void this.checkWan().catch(() => {}));
    void this.checkWan().catch(() => {});
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.wanWatch?.close();
    await this.lock;
    await this.firstContact.remove().catch(() => {});
  }
}
