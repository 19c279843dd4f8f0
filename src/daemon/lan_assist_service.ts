import {
  AssistApplier,
  AssistHookError,
  type AssistState,
  fileIncludes,
  FW4_INCLUDE_DIR,
  OWN_TABLE_LAYOUT,
  publicPorts,
  renderHostConfig,
} from "../assist/mod.ts";
import { errorMessage, UsageError } from "../lib/errors.ts";
import { contains, type Endpoint, formatEndpoint, isIPv4, parseEndpoint } from "../lib/net.ts";
import { readLanWan } from "../uci/mod.ts";
import { isKey, privateKeyFromRandom, publicKeyOf } from "../wg/keys.ts";
import type { Daemon } from "./daemon.ts";
import type { Handler } from "./handlers.ts";
import { assistRemotes, lanHostChanges, type LanHostConfig, readLanHosts } from "./lan_hosts.ts";
import { lanHint, type PeerRouter } from "./lan_hints.ts";
import type { NetcheckService } from "./netcheck_service.ts";
import { checkName, Params } from "./params.ts";
import { readPeeringOptions } from "./peering/mod.ts";
import type { Timer } from "../lib/timer.ts";
import { forwardPairs } from "../wg/first_contact.ts";

/** How often the live rules are compared with the config. */
export const RESYNC_MS = 30_000;

export interface LanHostStatus {
  name: string;
  host: string;
  port: number;
  publicPort?: number;
  /** What the remote side puts as this host's endpoint. */
  publicEndpoint?: string;
  /** Every remote endpoint the host has pinholes for. */
  remotes: string[];
  /** The ones named with `--remote` (the rest come from other routers' cards). */
  namedRemotes: string[];
  /** What gets through and the next step, in words (see lan_hints.ts). */
  hint: string;
}

/** A `lan add` whose rules could not go in: the config was put back, the warning stays. */
interface AddFailure {
  name: string;
  cause: string;
  /** The cause was fw4's table or a hook chain missing: cleared once they are there. */
  hook: boolean;
}

/**
 * LAN assist in punchd: keeps the pinholes, port-preserving SNAT and conntrack of every LAN host
 * in step with /etc/config/punch, the WAN address and the remote endpoints peers announce.
 */
export class LanAssistService {
  private applier: AssistApplier;
  private cardRemotes: Endpoint[] = [];
  problems: string[] = [];
  private failure: AddFailure | undefined;
  /** What stopped the last sync from installing rules (a missing fw4 chain), for the hints. */
  private hookProblem: string | null = null;
  /** Other Punch routers (from peering's cards), for the hints; none until peering says. */
  routers: () => Promise<PeerRouter[]> = () => Promise.resolve([]);

  constructor(private readonly d: Daemon, private readonly netcheck: NetcheckService) {
    this.applier = this.makeApplier(false);
  }

  /** Rules inside fw4's table (OpenWrt, or Linux with fw4), or in a table of Punch's own. */
  private makeApplier(own: boolean): AssistApplier {
    const p = this.d.platform;
    return new AssistApplier((argv) => p.system.exec([...argv]), {
      ...(own ? { layout: OWN_TABLE_LAYOUT } : {}),
      ...(p.name === "openwrt" ? { includes: fileIncludes(`${p.root}${FW4_INCLUDE_DIR}`) } : {}),
    });
  }

  /** Remote endpoints learned from peer cards (their LAN hosts' public endpoints). */
  setCardRemotes(list: Endpoint[]): void {
    const key = (l: Endpoint[]) => l.map(formatEndpoint).sort().join(",");
    if (key(list) === key(this.cardRemotes)) return;
    this.cardRemotes = list;
    void this.sync().catch(() => {});
  }

  /** Called after a LAN host is added or removed (peering re-signs our card). */
  onHostsChanged: (() => void) | undefined;

  private async hosts(): Promise<LanHostConfig[]> {
    return readLanHosts(await this.d.platform.config.load("punch"), this.problems);
  }

  private async state(hosts: LanHostConfig[]): Promise<AssistState | null> {
    const wan = (await this.d.platform.system.wan()).address;
    if (!wan) return null;
    const cfg = await this.d.punchConfig();
    return {
      wanAddress: wan,
      hosts,
      remotes: assistRemotes(hosts, this.cardRemotes),
      reservedPorts: [
        cfg.listenPort,
        cfg.stunPort,
        readPeeringOptions(await this.d.platform.config.load("punch")).controlPort,
      ]
        .filter((p) => p > 0),
    };
  }

  /** Bring the rules to the config; stores newly allocated public ports so they never move. */
  sync(): Promise<void> {
    return this.d.exclusive(async () => {
      this.problems = [];
      const hosts = await this.hosts();
      let problem: string | null = null;
      if (hosts.length || this.failure?.hook) {
        problem = await this.applier.checkHooks();
        if (problem === null && this.failure?.hook) this.failure = undefined;
      }
      this.hookProblem = hosts.length ? problem : null;
      const state = await this.state(hosts);
      if (!state) {
        if (hosts.length) this.problems.push("LAN assist is waiting for a WAN address");
        return;
      }
      const ports = publicPorts(state);
      if (problem !== null && hosts.length) {
        // Nothing can go in; what is no longer wanted still goes out.
        await this.applier.prune({
          ...state,
          hosts: hosts.map((h) => ({ ...h, publicPort: ports.get(h.name)! })),
        });
        throw new AssistHookError(problem);
      }
      const sections = await this.d.platform.config.load("punch");
      const changes = hosts.filter((h) => h.publicPort !== ports.get(h.name))
        .flatMap((h) => lanHostChanges(sections, { ...h, publicPort: ports.get(h.name)! }));
      if (changes.length) await this.d.platform.config.commit("punch", changes);
      // Before the pinholes open, so a host's first initiation through them is remembered.
      await this.d.firstContact.setForward(forwardPairs(await this.rows([])));
      const ops = await this.applier.sync({
        ...state,
        hosts: hosts.map((h) => ({ ...h, publicPort: ports.get(h.name)! })),
      });
      if (ops.length) this.d.log(`LAN assist: ${ops.length} rule/conntrack change(s)`);
    }).catch((e) => {
      this.problems.push(
        e instanceof AssistHookError
          ? e.message
          : `Cannot apply the LAN assist rules: ${errorMessage(e)}`,
      );
      throw e;
    });
  }

  private timer: Timer | undefined;

  async start(): Promise<void> {
    if ((await this.d.platform.firewall.flavour?.()) === "own") {
      this.applier = this.makeApplier(true);
    }
    await this.applier.persist().catch(() => {});
    this.d.onWanChange(() => void this.sync().catch(() => {}));
    this.d.addWarnings(() => [
      ...this.problems,
      ...(this.failure
        ? [
          `LAN host "${this.failure.name}" was not added: ${this.failure.cause}; then add it again (punchctl lan add)`,
        ]
        : []),
    ]);
    // Re-checked now and then so a firewall reload that dropped the rules is healed.
    this.timer = setInterval(() => void this.sync().catch(() => {}), RESYNC_MS);
    await this.sync().catch((e) => this.d.log(errorMessage(e)));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Public endpoints of our LAN hosts, for our peer card. */
  async publicEndpoints(): Promise<{ name: string; publicEndpoint: string }[]> {
    // Without the hints: peering asks for this while it starts, before it can answer them.
    return (await this.rows([])).filter((h) => h.publicEndpoint).map((h) => ({
      name: h.name,
      publicEndpoint: h.publicEndpoint!,
    }));
  }

  async list(): Promise<LanHostStatus[]> {
    return await this.rows(await this.routers().catch(() => []));
  }

  private async rows(routers: PeerRouter[]): Promise<LanHostStatus[]> {
    const hosts = await this.hosts();
    const pub = this.netcheck.report?.publicV4?.host ??
      (await this.d.platform.system.wan()).address;
    return hosts.map((h) => {
      const publicEndpoint = h.publicPort && pub
        ? formatEndpoint({ host: pub, port: h.publicPort })
        : undefined;
      const remotes = assistRemotes([h], this.cardRemotes).map((r) => formatEndpoint(r.remote));
      const namedRemotes = h.remotes.map(formatEndpoint);
      return {
        name: h.name,
        host: h.address,
        port: h.port,
        ...(h.publicPort ? { publicPort: h.publicPort } : {}),
        ...(publicEndpoint ? { publicEndpoint } : {}),
        remotes,
        namedRemotes,
        hint: this.hookProblem !== null
          ? `No pinhole can open until this is fixed: ${this.hookProblem}`
          : lanHint({
            name: h.name,
            host: formatEndpoint({ host: h.address, port: h.port }),
            ...(publicEndpoint ? { publicEndpoint } : {}),
            namedRemotes,
            cardRemotes: remotes.filter((r) => !namedRemotes.includes(r)),
            routers,
          }),
      };
    });
  }

  private async add(raw: Record<string, unknown>): Promise<LanHostStatus> {
    const p = new Params(raw);
    const name = checkName(p.str("name"), "LAN host name");
    const hostText = p.str("host");
    const ep = parseEndpoint(hostText, p.optInt("port", 1, 65535) ?? 51820);
    if (!isIPv4(ep.host)) {
      throw new UsageError(`Cannot add LAN host "${hostText}": give its IPv4 address on the LAN`);
    }
    const lan = readLanWan(await this.d.network()).lan;
    if (lan.length && !lan.some((c) => contains(c, ep.host))) {
      throw new UsageError(
        `Cannot add LAN host ${ep.host}: it is not on the LAN (${
          lan.map((c) => `${c.address}/${c.prefix}`).join(", ")
        })`,
      );
    }
    const remotes = (p.strList("remote") ?? []).map((r) => parseEndpoint(r));
    const old = await this.d.exclusive(async () => {
      const sections = await this.d.platform.config.load("punch");
      const old = readLanHosts(sections).find((h) => h.name === name);
      const keepPort = old && old.address === ep.host && old.port === ep.port
        ? old.publicPort
        : undefined;
      const host: LanHostConfig = {
        name,
        address: ep.host,
        port: ep.port,
        ...(keepPort ? { publicPort: keepPort } : {}),
        remotes: [...(old?.remotes ?? []), ...remotes].filter((r, i, a) =>
          a.findIndex((x) => formatEndpoint(x) === formatEndpoint(r)) === i
        ),
      };
      await this.d.platform.config.commit("punch", lanHostChanges(sections, host));
      return old;
    });
    try {
      await this.sync();
    } catch (e) {
      await this.undoAdd(name, old);
      const cause = e instanceof AssistHookError ? e.problem : errorMessage(e);
      this.failure = { name, cause, hook: e instanceof AssistHookError };
      throw new Error(`Cannot add LAN host "${name}", nothing was saved: ${cause}`);
    }
    if (this.failure?.name === name) this.failure = undefined;
    this.onHostsChanged?.();
    return (await this.list()).find((h) => h.name === name)!;
  }

  /** Put the host's section back as it was before a failed `lan add` (`old` absent: none). */
  private async undoAdd(name: string, old: LanHostConfig | undefined): Promise<void> {
    await this.d.exclusive(async () => {
      const sections = await this.d.platform.config.load("punch");
      const changes = old
        ? lanHostChanges(sections, old)
        : sections.some((s) => s.name === name)
        ? [{ op: "delete", section: name } as const]
        : [];
      if (changes.length) await this.d.platform.config.commit("punch", changes);
    }).catch((e) => this.d.log(`Cannot undo the LAN host change: ${errorMessage(e)}`));
    // Brings the other hosts' rules back to the config; a failure stays in the warnings.
    await this.sync().catch(() => {});
  }

  private async remove(raw: Record<string, unknown>): Promise<unknown> {
    const name = new Params(raw).str("name");
    await this.d.exclusive(async () => {
      const sections = await this.d.platform.config.load("punch");
      if (!readLanHosts(sections).some((h) => h.name === name)) {
        throw new UsageError(
          `Cannot remove LAN host "${name}": no such host (see punchctl lan list)`,
        );
      }
      await this.d.platform.config.commit("punch", [{ op: "delete", section: name }]);
    });
    if (this.failure?.name === name) this.failure = undefined;
    // Its rules are gone even when fw4 lacks a hook chain; that problem stays in the warnings.
    await this.sync().catch((e) => {
      if (!(e instanceof AssistHookError)) throw e;
    });
    this.onHostsChanged?.();
    return { name };
  }

  /** A wg-quick config for a host that has no WireGuard yet: fresh key, the right port and endpoint. */
  private async config(raw: Record<string, unknown>): Promise<unknown> {
    const p = new Params(raw);
    const name = p.str("name");
    const h = (await this.list()).find((x) => x.name === name);
    if (!h) {
      throw new UsageError(
        `Cannot make a config for "${name}": no such LAN host (see punchctl lan list)`,
      );
    }
    const peerKey = p.optStr("peerKey");
    if (peerKey !== undefined && !isKey(peerKey)) {
      throw new UsageError(`Cannot use peer key "${peerKey}": not a WireGuard public key`);
    }
    const address = p.optStr("address") ?? "10.99.0.1/24";
    const privateKey = privateKeyFromRandom(this.d.random(32));
    const remote = h.remotes[0];
    const text = renderHostConfig({
      privateKey,
      addresses: [address],
      listenPort: h.port,
      peers: [{
        publicKey: peerKey ?? "<public key of the remote side>",
        ...(remote ? { endpoint: parseEndpoint(remote) } : {}),
        allowedIps: [p.optStr("allowedIps") ?? "10.99.0.0/24"],
        persistentKeepalive: 5,
      }],
    });
    return {
      name,
      text,
      publicKey: publicKeyOf(privateKey),
      ...(h.publicEndpoint ? { publicEndpoint: h.publicEndpoint } : {}),
    };
  }

  handlers(): Handler[] {
    return [
      {
        name: "lan.list",
        summary: "LAN hosts with their public endpoints",
        run: () => this.list(),
      },
      {
        name: "lan.add",
        summary: "register a LAN host that runs WireGuard",
        run: (_d, p) => this.add(p),
      },
      {
        name: "lan.remove",
        summary: "remove a LAN host and its rules",
        run: (_d, p) => this.remove(p),
      },
      {
        name: "lan.config",
        summary: "a WireGuard config for a LAN host",
        run: (_d, p) => this.config(p),
      },
    ];
  }
}
