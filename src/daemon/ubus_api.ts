/**
 * The `punch` ubus object: the control socket's methods under ubus names, with blobmsg
 * policies, run through the same dispatch table (handlers.ts). Pure: the connection and the
 * peer-state poll live in ubus_service.ts. Each method is "read" or "write"; the rpcd ACL
 * (openwrt/files/usr/share/rpcd/acl.d/punch.json, group `punch-ubus`) grants them that way.
 */
import { ParseError, UsageError } from "../lib/errors.ts";
import {
  type BlobmsgJson,
  BlobmsgType as T,
  type BlobmsgValue,
  Status,
  type UbusMethods,
  type UbusPolicy,
  UbusStatusError,
} from "../ubus/mod.ts";

/** Where the object lives on the bus. */
export const UBUS_OBJECT = "punch";

/** One ubus method: its control method, arguments and whether it changes anything. */
export interface UbusMethodSpec {
  /** Control method run through the dispatch table. */
  control: string;
  policy: UbusPolicy;
  access: "read" | "write";
  /** Reply key for results that are not a table (lists). */
  key?: string;
  /**
   * Pass the caller's login name as `user`: over HTTP, uhttpd adds the caller's rpcd session
   * as `ubus_rpc_session` (replacing any the client sent), whose `username` is looked up.
   */
  sessionUser?: true;
}

/** ubus method name → spec. ubus calls are rare next to the work they start; no batching. */
export const UBUS_METHODS: Readonly<Record<string, UbusMethodSpec>> = {
  status: { control: "status", policy: {}, access: "read" },
  netcheck: { control: "netcheck", policy: { refresh: T.INT8 }, access: "read" },
  peers: { control: "peer.list", policy: {}, access: "read", key: "peers" },
  peer_add: {
    control: "peer.add",
    policy: { publicKey: T.STRING, allowedIps: T.ARRAY, endpoint: T.STRING, name: T.STRING },
    access: "write",
  },
  peer_remove: { control: "peer.remove", policy: { peer: T.STRING }, access: "write" },
  invite: {
    control: "invite.create",
    policy: { name: T.STRING, expires: T.STRING },
    access: "write",
  },
  invites: { control: "invite.list", policy: {}, access: "read", key: "invites" },
  join: {
    control: "invite.join",
    policy: { token: T.STRING, name: T.STRING, allowOverlap: T.INT8, waitMs: T.INT32 },
    access: "write",
  },
  accept: {
    control: "invite.accept",
    policy: { reply: T.STRING, name: T.STRING, allowOverlap: T.INT8 },
    access: "write",
  },
  revoke: { control: "invite.revoke", policy: { id: T.STRING }, access: "write" },
  cards: { control: "cards.list", policy: {}, access: "read", key: "cards" },
  lan_hosts: { control: "lan.list", policy: {}, access: "read", key: "hosts" },
  lan_add: {
    control: "lan.add",
    policy: { name: T.STRING, host: T.STRING, port: T.INT32, remote: T.ARRAY },
    access: "write",
  },
  lan_remove: { control: "lan.remove", policy: { name: T.STRING }, access: "write" },
  // makes a fresh private key for the host: not for read-only users
  lan_config: {
    control: "lan.config",
    policy: { name: T.STRING, peerKey: T.STRING, address: T.STRING, allowedIps: T.STRING },
    access: "write",
  },
  // signs the caller into the web UI (LuCI's "Open Punch"): write access only
  web_ticket: {
    control: "web.ticket",
    policy: { ubus_rpc_session: T.STRING },
    access: "write",
    sessionUser: true,
  },
};

/** Method names by access, for the rpcd ACL. */
export function methodsWith(access: "read" | "write"): string[] {
  return Object.entries(UBUS_METHODS).filter(([, s]) => s.access === access).map(([n]) => n);
}

/** A control error as a ubus status: bad input is INVALID_ARGUMENT, the rest UNKNOWN_ERROR. */
export function ubusStatusOf(e: unknown): UbusStatusError {
  const message = e instanceof Error ? e.message : String(e);
  const bad = e instanceof UsageError || e instanceof ParseError;
  return new UbusStatusError(bad ? Status.INVALID_ARGUMENT : Status.UNKNOWN_ERROR, message);
}

/** A control result as a reply table: JSON-clean (no undefined), lists under `key`. */
export function replyTable(result: unknown, key = "result"): { [key: string]: BlobmsgValue } {
  const clean = result === undefined ? null : JSON.parse(JSON.stringify(result));
  if (clean !== null && typeof clean === "object" && !Array.isArray(clean)) return clean;
  return { [key]: clean };
}

/**
 * The ubus methods of `punch`, each running its control method through `dispatch`;
 * `sessionUser` names the login of an rpcd session (null when unknown).
 */
export function punchUbusMethods(
  dispatch: (method: string, params: Record<string, unknown>) => Promise<unknown>,
  sessionUser: (sid: string) => Promise<string | null> = () => Promise.resolve(null),
): UbusMethods {
  const out: UbusMethods = {};
  for (const [name, spec] of Object.entries(UBUS_METHODS)) {
    out[name] = {
      policy: spec.policy,
      handler: async (args: { [key: string]: BlobmsgJson }) => {
        try {
          let params: Record<string, unknown> = args;
          if (spec.sessionUser) {
            const { ubus_rpc_session: sid, ...rest } = args;
            const user = typeof sid === "string" ? await sessionUser(sid) : null;
            params = user === null ? rest : { ...rest, user };
          }
          return replyTable(await dispatch(spec.control, params), spec.key);
        } catch (e) {
          throw ubusStatusOf(e);
        }
      },
    };
  }
  return out;
}

/** A peer's state as `status`/`peers` report it. */
export interface PeerStateRow {
  name: string;
  publicKey: string;
  state: string;
}

/** A `peer.state` notification: a peer's state changed, appeared or went away ("removed"). */
export interface PeerStateEvent {
  name: string;
  publicKey: string;
  state: string;
  previous: string | null;
}

/** Differences between the last known states (by public key) and now; updates `known`. */
export function peerStateEvents(
  known: Map<string, PeerStateRow>,
  peers: readonly PeerStateRow[],
): PeerStateEvent[] {
  const events: PeerStateEvent[] = [];
  const seen = new Set<string>();
  for (const p of peers) {
    seen.add(p.publicKey);
    const before = known.get(p.publicKey);
    if (!before || before.state !== p.state) {
      events.push({
        name: p.name,
        publicKey: p.publicKey,
        state: p.state,
        previous: before?.state ?? null,
      });
    }
    known.set(p.publicKey, { name: p.name, publicKey: p.publicKey, state: p.state });
  }
  for (const [k, p] of [...known]) {
    if (seen.has(k)) continue;
    known.delete(k);
    events.push({ name: p.name, publicKey: k, state: "removed", previous: p.state });
  }
  return events;
}
