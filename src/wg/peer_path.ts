/**
 * Which path a peer's tunnel takes, and why, in plain words (sans-I/O). Derived from the state
 * WireGuard reports: the endpoint it last heard the peer from and the handshake age.
 */
import { ipFamily, isCgnatV4, isPrivateV4 } from "../lib/net.ts";

/** Best first: same LAN / upstream network, IPv6, public IPv4, through a relay, nothing. */
export type PathKind = "same-lan" | "ipv6" | "direct" | "relayed" | "none";

export interface PeerPath {
  path: PathKind;
  /** Why this path, or why none; what would fix it. */
  why: string;
}

/** What classifying a peer needs. */
export interface PathInput {
  state: "connected" | "stale" | "never" | "disabled";
  /** The endpoint WireGuard last heard from (`host:port`, `[v6]:port`). */
  liveEndpoint?: string | undefined;
  /** Relay endpoints in use, `host:port` → relay router's name. */
  relays?: ReadonlyMap<string, string>;
  /** This router's netcheck verdict, when known (for the "none" advice). */
  verdict?: string | undefined;
  /** Why no relay could be found for this peer, when we asked (for the "none" advice). */
  relayNote?: string | undefined;
  handshakeAgeSec?: number | undefined;
}

const FIX =
  "a member router with a public address (it relays), IPv6 on both sides, or bridge mode on the modem in front would fix it";

/** Classify one peer. */
export function peerPath(i: PathInput): PeerPath {
  if (i.state === "disabled") return { path: "none", why: "The peer is disabled" };
  if (i.state === "never") {
    const nat = i.verdict && i.verdict !== "public" && i.verdict !== "unknown"
      ? ` (this router: ${i.verdict})`
      : "";
    if (i.relayNote !== undefined) {
      return {
        path: "none",
        why: `No handshake yet: no direct path${nat}, and ${i.relayNote}; ${FIX}`,
      };
    }
    return {
      path: "none",
      why:
        `No handshake yet. If this lasts, both routers are behind NATs that filter${nat}; ${FIX}`,
    };
  }
  if (i.state === "stale") {
    const min = i.handshakeAgeSec === undefined
      ? ""
      : ` for ${Math.floor(i.handshakeAgeSec / 60)} min`;
    return {
      path: "none",
      why: `No handshake${min}: the peer is offline, or its address changed and no card reached us`,
    };
  }
  const ep = i.liveEndpoint ?? "";
  const relay = i.relays?.get(ep);
  if (relay !== undefined) {
    return {
      path: "relayed",
      why: `No direct path works; WireGuard goes through router "${relay}"`,
    };
  }
  const host = ep.startsWith("[") ? ep.slice(1, ep.indexOf("]")) : ep.slice(0, ep.lastIndexOf(":"));
  const fam = ipFamily(host);
  if (fam === 6) return { path: "ipv6", why: "Directly over IPv6, no NAT on the way" };
  if (fam === 4 && isPrivateV4(host) && !isCgnatV4(host)) {
    return {
      path: "same-lan",
      why:
        "The peer is on a network this router reaches without the internet (same LAN or same upstream network)",
    };
  }
  return {
    path: "direct",
    why: "Directly to the peer's public endpoint (hole punching or an open port)",
  };
}

/** Remembers since when each peer has been on its path (RAM only). */
export class PathTracker {
  private readonly seen = new Map<string, { path: PathKind; since: number }>();

  /** The moment `key` entered `path` (now, if it just did). Forgets keys not in `keep`. */
  since(key: string, path: PathKind, now: number): number {
    const last = this.seen.get(key);
    if (last && last.path === path) return last.since;
    this.seen.set(key, { path, since: now });
    return now;
  }

  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of this.seen.keys()) if (!keys.has(k)) this.seen.delete(k);
  }
}
