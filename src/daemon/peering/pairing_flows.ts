import { errorMessage, UsageError } from "../../lib/errors.ts";
import {
  acceptReply,
  type CardStore,
  createInvite,
  decodeReplyToken,
  DEFAULT_INVITE_TTL_MS,
  type InviteStore,
  makeReplyToken,
  parseInvite,
  PeerError,
  type RouterKeys,
  type SignedCard,
  startJoin,
} from "../../peer/mod.ts";
import type { Daemon } from "../daemon.ts";
import { inboundFrom } from "../../nat/inbound.ts";
import type { Params } from "../params.ts";
import { type CardInputs, joinHosts, planRoutes } from "./card_content.ts";
import type { Datagram } from "./control_port_deno.ts";
import { parseDuration } from "./duration.ts";
import { JOIN_WAIT_MS, runJoin } from "./join_client.ts";
import type { PeeringState } from "./peering_state.ts";

/** When a changed card is pushed again (ms after the change); bounded, UDP may drop any one. */
export const PUSH_RETRY_MS = [0, 500, 1500, 3500, 7500];
/**
 * Later pushes after a start or a pairing: a peer keeps received cards in RAM only, so one that
 * restarted (or whose tunnel came up late) learns ours again within a minute and a half.
 */
export const REPUSH_MS = [10_000, 30_000, 90_000];

/** Card-like facts about a peer (a card, an invite or a reply token). */
export interface PeerFacts {
  wgPublicKey: string;
  signPublicKey: string;
  name: string;
  endpoints: readonly string[];
  tunnelAddresses: readonly string[];
  lanSubnets: readonly string[];
}

/** What the pairing flows need from the peering service (its state and primitives). */
export interface PairingHost {
  readonly d: Daemon;
  readonly keys: RouterKeys;
  readonly invites: InviteStore;
  readonly cards: CardStore;
  readonly state: PeeringState;
  readonly own: SignedCard | undefined;
  readonly controlPort: number;
  serial<T>(fn: () => Promise<T>): Promise<T>;
  inputs(): Promise<CardInputs>;
  routedElsewhere(exceptKey: string): Promise<{ peer: string; subnets: string[] }[]>;
  refreshCard(): Promise<boolean>;
  save(): Promise<void>;
  recordPaired(c: PeerFacts, controlPort: number | undefined): Promise<void>;
  applyCard(
    c: PeerFacts | Omit<PeerFacts, "signPublicKey">,
    allowOverlap: boolean,
    localName?: string,
  ): Promise<boolean>;
  pushAll(delays: readonly number[]): void;
  send(host: string, port: number, bytes: Uint8Array): Promise<unknown>;
  listen(fn: (m: Datagram) => boolean): () => void;
}

/** `invite.create`: a single-use token with our keys, endpoints and subnets. */
export async function createInviteFlow(s: PairingHost, p: Params): Promise<unknown> {
  const expires = p.optStr("expires");
  const ttl = expires === undefined ? DEFAULT_INVITE_TTL_MS : parseDuration(expires);
  await s.refreshCard();
  const own = s.own!.card;
  const now = s.d.now();
  const inputs = await s.inputs();
  // A token whose control port the NAT in front filters would only make the joiner wait.
  const inbound = inboundFrom(inputs.wanAddress, inputs.report);
  const invite = createInvite(
    {
      wgPublicKey: own.wgPublicKey,
      signPublicKey: own.signPublicKey,
      name: p.optStr("name") ?? own.name,
      controlPort: own.endpoints.length > 0 && inbound !== "filtered" ? s.controlPort : 0,
      endpoints: own.endpoints,
      tunnelAddresses: own.tunnelAddresses,
      lanSubnets: own.lanSubnets,
    },
    now,
    s.d.random,
    ttl,
  );
  s.invites.add(invite, now);
  await s.save();
  return {
    token: invite.token,
    id: invite.id,
    expiresAt: invite.expiresAt,
    reachable: invite.controlPort !== 0,
    inbound,
  };
}

/** `invite.join`: the handshake when the inviter answers, else a reply token to carry back. */
export async function joinFlow(s: PairingHost, p: Params): Promise<unknown> {
  const token = p.str("token");
  const allowOverlap = p.bool("allowOverlap");
  const waitMs = p.optInt("waitMs", 0, 60_000) ?? JOIN_WAIT_MS;
  const localName = p.optStr("name");
  const invite = parseInvite(token, s.d.now());
  const prep = await s.serial(async () => {
    if (invite.wgPublicKey === s.own?.card.wgPublicKey) {
      throw new PeerError(
        "self",
        'This is this router\'s own invite: run "punchctl join" on the other router',
      );
    }
    const known = s.state.paired.find((x) => x.wgPublicKey === invite.wgPublicKey);
    if (known) {
      throw new UsageError(`Already paired with "${known.name}": nothing to do (punchctl cards)`);
    }
    planRoutes(await ours(s, invite.wgPublicKey), invite, allowOverlap); // explain overlaps first
    await s.refreshCard();
    return s.own!;
  });
  if (invite.controlPort !== 0 && invite.endpoints.length > 0) {
    const { state } = startJoin(s.keys, invite, prep, s.d.now(), s.d.random);
    const { model } = await s.d.model();
    const reached = await s.d.platform.system.reached(model.name).catch(() => []);
    const hosts = joinHosts(invite.endpoints, reached.map((r) => r.prefix));
    const out = await runJoin(
      {
        send: (h, port, b) => s.send(h, port, b),
        listen: (fn) => s.listen(fn),
      },
      state,
      hosts,
      invite.controlPort,
      waitMs,
    );
    if (out.kind === "rejected") throw new PeerError(out.code, out.message);
    if (out.kind === "joined") {
      return await s.serial(async () => {
        const now = s.d.now();
        s.cards.pin(invite.signPublicKey, now);
        s.cards.offer(out.inviter, now);
        const others = out.cards.map((b) => s.cards.offer(b, now)).flatMap((r) =>
          r.status === "accepted" && r.card ? [r.card, ...r.promoted] : r.promoted
        );
        await s.recordPaired(out.inviter.card, invite.controlPort);
        await s.applyCard(out.inviter.card, allowOverlap, localName);
        await s.refreshCard();
        await s.save();
        await s.d.reconcile();
        s.pushAll([...PUSH_RETRY_MS.slice(0, 3), ...REPUSH_MS]);
        // The other members (peer exchange) follow without holding up the answer.
        void s.serial(async () => {
          for (const c of others) {
            await s.applyCard(c.card, true).catch((e) => s.d.log(errorMessage(e)));
          }
          if (others.length > 0) await s.d.reconcile();
        }).catch((e) => s.d.log(`Cannot add the other members: ${errorMessage(e)}`));
        return {
          peer: peerView(out.inviter.card, localName),
          mesh: others.map((c) => c.card.name),
        };
      });
    }
    for (const m of out.invalid) s.d.log(`join: ${m}`);
  }
  return await s.serial(async () => {
    const reply = makeReplyToken(s.keys, invite, s.own!.card, s.d.now());
    s.cards.pin(invite.signPublicKey, s.d.now());
    await s.recordPaired(invite, invite.controlPort || undefined);
    await s.applyCard(invite, allowOverlap, localName);
    await s.refreshCard();
    await s.save();
    await s.d.reconcile();
    return { peer: peerView(invite, localName), reply };
  });
}

/** `invite.accept`: finish a pairing from a reply token. */
export async function acceptFlow(s: PairingHost, p: Params): Promise<unknown> {
  const text = p.str("reply");
  const allowOverlap = p.bool("allowOverlap");
  const decoded = decodeReplyToken(text);
  planRoutes(await ours(s, decoded.wgPublicKey), decoded, allowOverlap); // before it is spent
  const { joiner } = acceptReply(s.keys, s.invites, text, s.d.now());
  s.cards.pin(joiner.signPublicKey, s.d.now());
  await s.recordPaired(joiner, undefined);
  await s.applyCard(joiner, allowOverlap, p.optStr("name"));
  await s.refreshCard();
  await s.save();
  await s.d.reconcile();
  s.pushAll([...PUSH_RETRY_MS, ...REPUSH_MS]);
  return { peer: peerView(joiner, p.optStr("name")) };
}

async function ours(s: PairingHost, peerKey: string) {
  return { ...(await s.inputs()), routed: await s.routedElsewhere(peerKey) };
}

function peerView(
  c: {
    name: string;
    wgPublicKey: string;
    endpoints: readonly string[];
    tunnelAddresses: readonly string[];
    lanSubnets: readonly string[];
  },
  localName?: string,
) {
  return {
    name: localName ?? c.name,
    publicKey: c.wgPublicKey,
    endpoints: c.endpoints,
    tunnelAddresses: c.tunnelAddresses,
    lanSubnets: c.lanSubnets,
  };
}
