/**
 * First contact without a handshake deadlock (sans-I/O: decisions and nftables text).
 *
 * WireGuard keeps one handshake state per peer. When both sides send an initiation at the same
 * moment, each consumes the other's, answers it, and drops the answer to its own (it is no longer
 * the initiator): neither completes. Persistent keepalives switched on at the same instant then
 * repeat the crossing in lockstep. The router is on the path of every initiation, its own and its
 * LAN hosts', so it breaks the tie: for each pair one side wins (the same answer on both routers).
 *
 * The winner's router notes a deadlock by its signature: a response of ours goes out and then,
 * within `RESPONSE_WINDOW_MS`, one of theirs comes in (we answered their initiation before they
 * answered ours, so our own handshake can no longer complete). The other order is harmless: ours
 * completed first, and we then answered a late initiation of theirs. Until the tunnel works
 * (their first transport packet) or `CROSSED_S` pass (longer than WireGuard's 5 s retry), the
 * router drops the other side's initiation when it arrives within `CROSS_WINDOW_MS` of ours.
 *
 * So a lockstep is broken on its second round, and an initiation that merely follows ours (ours
 * was lost because the other side was not ready yet) is never dropped. Nothing here holds keys or
 * reads payloads beyond the message type and length.
 */
import { ipFamily, isIPv4 } from "../lib/net.ts";

/** Table name; a table of its own, so fw4 reloads leave it alone and a drop in it is final. */
export const FIRST_CONTACT_TABLE = "inet punch_firstcontact";

/**
 * How long after our initiation one from the other side counts as crossing: a crossing one
 * arrives within a round trip; a later one means ours was lost (the other side was not ready).
 */
export const CROSS_WINDOW_MS = 500;

/** How long a noted deadlock makes the next crossing drop: two of WireGuard's 5 s retry rounds. */
export const CROSSED_S = 12;

/** Both responses of a deadlocked round pass within about a round trip of each other. */
export const RESPONSE_WINDOW_MS = 1000;

/** Bound on each set (pairs, and remembered initiations). */
export const SET_SIZE = 4096;

/** WireGuard's handshake initiation: type 1 (4 bytes, little-endian), 148 bytes (+ 8 UDP header). */
const INITIATION = "udp length 156 @th,64,32 0x01000000";
/** WireGuard's handshake response: type 2, 92 bytes (+ 8 UDP header). */
const RESPONSE = "udp length 100 @th,64,32 0x02000000";
/** WireGuard's transport data: type 4, at least 32 bytes (a keepalive). */
const TRANSPORT = "udp length >= 40 @th,64,32 0x04000000";

/** A pair where our side wins: the router's own WireGuard port and a peer's endpoint. */
export interface LocalPair {
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** A pair where our LAN host wins: the host's LAN address and port, and its remote's endpoint. */
export interface ForwardPair {
  readonly lanAddress: string;
  readonly lanPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * Whether our side wins the tie with `theirs`. Both routers compare the same two values (public
 * keys for routers, published public endpoints for LAN hosts) and get opposite answers.
 * @example winsTie("AAA=", "BBB=") // true
 */
export function winsTie(ours: string, theirs: string): boolean {
  return ours < theirs;
}

function v4(pairs: readonly LocalPair[]) {
  return pairs.filter((p) => isIPv4(p.remoteAddress));
}
function v6(pairs: readonly LocalPair[]) {
  return pairs.filter((p) => ipFamily(p.remoteAddress) === 6);
}

function elements(items: string[]): string {
  return [...new Set(items)].sort().join(", ");
}

/** The nft commands that make the sets' pairs exactly these (the table must exist). */
export function pairsScript(
  local: readonly LocalPair[],
  forward: readonly ForwardPair[],
): string {
  const t = FIRST_CONTACT_TABLE;
  const lines: string[] = [];
  const fill = (set: string, items: string[]) => {
    lines.push(`flush set ${t} ${set}`);
    if (items.length) lines.push(`add element ${t} ${set} { ${elements(items)} }`);
  };
  fill("local4", v4(local).map((p) => `${p.localPort} . ${p.remoteAddress} . ${p.remotePort}`));
  fill("local6", v6(local).map((p) => `${p.localPort} . ${p.remoteAddress} . ${p.remotePort}`));
  fill(
    "fwd4",
    forward.filter((p) => isIPv4(p.lanAddress) && isIPv4(p.remoteAddress)).map((p) =>
      `${p.lanAddress} . ${p.lanPort} . ${p.remoteAddress} . ${p.remotePort}`
    ),
  );
  return lines.join("\n") + "\n";
}

const LOCAL4 = "inet_service . ipv4_addr . inet_service";
const LOCAL6 = "inet_service . ipv6_addr . inet_service";
const FWD4 = "ipv4_addr . inet_service . ipv4_addr . inet_service";

function sets(name: string, type: string): string[] {
  const dyn = (timeout: string) =>
    `{ type ${type}; flags dynamic,timeout; timeout ${timeout}; size ${SET_SIZE}; }`;
  return [
    `  set ${name} { type ${type}; size ${SET_SIZE}; }`,
    `  set sent_${name} ${dyn(`${CROSS_WINDOW_MS}ms`)}`,
    `  set rsp_out_${name} ${dyn(`${RESPONSE_WINDOW_MS}ms`)}`,
    `  set crossed_${name} ${dyn(`${CROSSED_S}s`)}`,
  ];
}

/**
 * The rules of one family of pairs. Outgoing: remember our initiations and responses. Incoming:
 * drop their initiation that crosses ours after a deadlock; their response after ours marks one;
 * their transport data ends it (they have a working session with us).
 */
function rules(name: string, out: string, back: string): { out: string[]; back: string[] } {
  return {
    out: [
      `${INITIATION} ${out} @${name} update @sent_${name} { ${out} }`,
      `${RESPONSE} ${out} @${name} update @rsp_out_${name} { ${out} }`,
    ],
    back: [
      `${INITIATION} ${back} @sent_${name} ${back} @crossed_${name} counter drop`,
      `${RESPONSE} ${back} @rsp_out_${name} update @crossed_${name} { ${back} }`,
      `${TRANSPORT} ${back} @crossed_${name} delete @crossed_${name} { ${back} }`,
    ],
  };
}

/**
 * The whole table (replacing any earlier one: its remembered initiations are dropped too), with
 * hooks just before fw4's filter chains.
 */
export function tableScript(): string {
  const t = FIRST_CONTACT_TABLE;
  const l4 = rules(
    "local4",
    "udp sport . ip daddr . udp dport",
    "udp dport . ip saddr . udp sport",
  );
  const l6 = rules(
    "local6",
    "udp sport . ip6 daddr . udp dport",
    "udp dport . ip6 saddr . udp sport",
  );
  const f4 = rules(
    "fwd4",
    "ip saddr . udp sport . ip daddr . udp dport",
    "ip daddr . udp dport . ip saddr . udp sport",
  );
  const chain = (name: string, hook: string, body: string[]) => [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority filter - 10; policy accept;`,
    ...body.map((r) => `    ${r}`),
    "  }",
  ];
  return [
    `table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    ...sets("local4", LOCAL4),
    ...sets("local6", LOCAL6),
    ...sets("fwd4", FWD4),
    ...chain("output", "output", [...l4.out, ...l6.out]),
    ...chain("input", "input", [...l4.back, ...l6.back]),
    ...chain("forward", "forward", [...f4.out, ...f4.back]),
    "}",
    "",
  ].join("\n");
}

/** A peer as configured or live: its key and `host:port` endpoint (names are skipped). */
export interface TiePeer {
  readonly publicKey: string;
  readonly endpoint?: string | undefined;
}

/** The router's own pairs this side wins: every peer with a larger key and an address endpoint. */
export function localPairs(
  ourKey: string,
  listenPort: number,
  peers: readonly TiePeer[],
): LocalPair[] {
  const out: LocalPair[] = [];
  for (const p of peers) {
    if (!p.endpoint || !winsTie(ourKey, p.publicKey)) continue;
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(p.endpoint);
    if (!m || ipFamily(m[1]!) === null) continue;
    out.push({ localPort: listenPort, remoteAddress: m[1]!, remotePort: Number(m[2]) });
  }
  return out;
}

/** A LAN host as LAN assist lists it: where it is, what it publishes, whom it talks to. */
export interface TieHost {
  readonly host: string;
  readonly port: number;
  readonly publicEndpoint?: string | undefined;
  readonly remotes: readonly string[];
}

/**
 * The LAN hosts' pairs this side wins: the host's published endpoint against the remote's (for a
 * remote learned from a card, the endpoint the other router publishes for its host).
 */
export function forwardPairs(hosts: readonly TieHost[]): ForwardPair[] {
  const out: ForwardPair[] = [];
  for (const h of hosts) {
    if (!h.publicEndpoint) continue;
    for (const r of h.remotes) {
      const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(r);
      if (!m || !isIPv4(m[1]!) || !winsTie(h.publicEndpoint, r)) continue;
      out.push({
        lanAddress: h.host,
        lanPort: h.port,
        remoteAddress: m[1]!,
        remotePort: Number(m[2]),
      });
    }
  }
  return out;
}
