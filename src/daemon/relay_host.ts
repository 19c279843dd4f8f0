import { errorMessage } from "../lib/errors.ts";
import { ipFamily, isPrivateV4 } from "../lib/net.ts";
import { inboundFrom } from "../nat/inbound.ts";
import type { RefuseReason, RelayMessage } from "../peer/relay_messages.ts";
import { readRelayOption } from "../uci/mod.ts";
import { type Allocation, RelayAllocator } from "../wg/relay_alloc.ts";
import { HANDSHAKE_FRESH_S } from "../wg/relay_decide.ts";
import {
  parseRelayCounters,
  RELAY_TABLE,
  relayFirewall,
  relayTableScript,
} from "../wg/relay_rules.ts";
import type { Daemon } from "./daemon.ts";
import type { NetcheckService } from "./netcheck_service.ts";
import type { PeeringService } from "./peering/peering_service.ts";
import { bestEndpoint } from "./peering/card_content.ts";
import type { Member, RelayMembers } from "./relay_members.ts";

/** Ticks between two reads of the relay's kernel counters. */
export const COUNTERS_EVERY = 3;
/** Userspace forwards the first packets (the handshake) this long, then the kernel takes over. */
export const USERSPACE_MS = 1_000;

/**
 * The relay role (issue 11): allocations for two members (authenticated by the tunnel address
 * they come from, bounded), each side learned from its first packet on a Deno socket, the first
 * packets forwarded from userspace, then nft DNAT+SNAT rules in the kernel; counters for idle
 * expiry and the status. It never holds the pair's keys.
 */
export class RelayHost {
  readonly alloc = new RelayAllocator();
  private sockets = new Map<number, Deno.DatagramConn>();
  private applyQueue: Promise<void> = Promise.resolve();
  private ticks = 0;
  problem: string | undefined;

  constructor(
    private readonly d: Daemon,
    private readonly peering: PeeringService,
    private readonly netcheck: NetcheckService,
    private readonly members: RelayMembers,
    private readonly send: (to: { tunnel: string; controlPort: number }, m: RelayMessage) => void,
  ) {}

  /** Rules left by a punchd that did not stop cleanly belong to allocations that are gone. */
  async start(): Promise<void> {
    await this.exec(["nft", "delete", "table", ...RELAY_TABLE.split(" ")]).catch(() => {});
    await this.d.platform.firewall.allowRelay([], []).catch(() => {});
  }

  async stop(): Promise<void> {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    await this.applyQueue;
    if (this.alloc.list().some((x) => x.kernel)) {
      await this.exec(["nft", "delete", "table", ...RELAY_TABLE.split(" ")]);
    }
    await this.d.platform.firewall.allowRelay([], []).catch(() => {});
  }

  /** Every tick: counters (one nft process) every few ticks, for the idle expiry and the status. */
  async tick(): Promise<void> {
    if (this.ticks++ % COUNTERS_EVERY === 0) await this.readCounters();
    await this.release(this.alloc.expire(this.d.now()));
  }

  /** A member is gone: its allocations too. */
  dropMember(key: string): Promise<void> {
    return this.release(this.alloc.dropMember(key));
  }

  private exec(argv: string[], stdin?: string) {
    return this.d.platform.system.exec(argv, stdin);
  }

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

  async onAllocate(
    msg: Extract<RelayMessage, { kind: "allocate" }>,
    from: Member,
    reply: { tunnel: string; controlPort: number },
  ): Promise<void> {
    const refuse = (reason: RefuseReason) => {
      this.d.log(`relay: refused "${from.name}" for ${msg.other.slice(0, 8)}…: ${reason}`);
      this.send(reply, { kind: "refuse", id: msg.id, peer: msg.other, reason });
    };
    if (msg.requester !== from.key) return refuse("not-member");
    const other = this.members.list().find((x) => x.key === msg.other);
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
  async release(gone: Allocation[]): Promise<void> {
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

  status(): unknown {
    const names = new Map(this.members.list().map((m) => [m.key, m.name]));
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
