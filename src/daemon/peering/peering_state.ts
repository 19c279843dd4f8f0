import { ParseError } from "../../lib/errors.ts";
import type { InviteRecord } from "../../peer/mod.ts";

/** A router we paired with directly (join, accept, or it joined us). */
export interface PairedPeer {
  wgPublicKey: string;
  signPublicKey: string;
  name: string;
  /** Its control port, when known from its invite; else ours is assumed. */
  controlPort?: number;
  pairedAt: number;
  /** Its tunnel addresses and endpoints as first learned (used until its card arrives). */
  tunnel?: string[];
  endpoints?: string[];
}

/** The card store as `CardStore.toJSON` gives it. */
export interface CardStoreJSON {
  pinned: string[];
  cards: string[];
  highSeq: [string, number][];
}

/**
 * What punchd keeps in `<root>/etc/punch/state.json` (0600; flash on a router): only what
 * pairing decides. Written at pairing, on invites and removals, and once per start (the seq
 * epoch); never on a WAN change or a received card.
 */
export interface PeeringState {
  version: 1;
  /** The epoch base of our card's seqs (`card_seq.ts`), stored once per start. */
  seq: number;
  invites: InviteRecord[];
  /** Only `pinned` (whom we trust); the cards themselves live in RAM (`ReceivedCards`). */
  cards: CardStoreJSON;
  paired: PairedPeer[];
}

/**
 * What punchd keeps in RAM, `<root>/var/run/punch/peering.json` (0600): the peers' signed cards
 * and the highest seq seen of each signer. A restart of punchd finds them again; after a reboot
 * they come back with the peers' pushes.
 */
export interface ReceivedCards {
  version: 1;
  cards: string[];
  highSeq: [string, number][];
}

/** Split the card store: trust to the state file, the cards to RAM. */
export function splitCards(
  j: CardStoreJSON,
): { kept: CardStoreJSON; received: ReceivedCards } {
  return {
    kept: { pinned: j.pinned, cards: [], highSeq: [] },
    received: { version: 1, cards: j.cards, highSeq: j.highSeq },
  };
}

/** The card store from both files (a state file of an older version may still hold cards). */
export function mergeCards(kept: CardStoreJSON, received: ReceivedCards): CardStoreJSON {
  return {
    pinned: kept.pinned,
    cards: [...kept.cards, ...received.cards],
    highSeq: [...kept.highSeq, ...received.highSeq],
  };
}

export function emptyReceived(): ReceivedCards {
  return { version: 1, cards: [], highSeq: [] };
}

/** Check the shape of a parsed RAM card file; throws `ParseError` naming what is wrong. */
export function receivedFromJSON(data: unknown): ReceivedCards {
  const d = data as Partial<ReceivedCards> | null;
  if (typeof d !== "object" || d === null || d.version !== 1) {
    throw new ParseError("Cannot read the received cards: unknown version");
  }
  if (
    !Array.isArray(d.cards) || !d.cards.every((c) => typeof c === "string") ||
    !Array.isArray(d.highSeq)
  ) {
    throw new ParseError("Cannot read the received cards: missing cards or highSeq");
  }
  const highSeq = d.highSeq.filter((x): x is [string, number] =>
    Array.isArray(x) && typeof x[0] === "string" && typeof x[1] === "number"
  );
  return { version: 1, cards: d.cards, highSeq };
}

export function emptyState(): PeeringState {
  return {
    version: 1,
    seq: 0,
    invites: [],
    cards: { pinned: [], cards: [], highSeq: [] },
    paired: [],
  };
}

/** Check the shape of a parsed state file; throws `ParseError` naming what is wrong. */
export function stateFromJSON(data: unknown): PeeringState {
  const d = data as Partial<PeeringState> | null;
  if (typeof d !== "object" || d === null || d.version !== 1) {
    throw new ParseError("Cannot read peering state: unknown version");
  }
  if (typeof d.seq !== "number" || !Array.isArray(d.invites) || !Array.isArray(d.paired)) {
    throw new ParseError("Cannot read peering state: missing seq, invites or paired");
  }
  for (const p of d.paired) {
    if (typeof p?.wgPublicKey !== "string" || typeof p.signPublicKey !== "string") {
      throw new ParseError("Cannot read peering state: a paired peer lacks its keys");
    }
  }
  return {
    version: 1,
    seq: d.seq,
    invites: d.invites,
    cards: d.cards ?? emptyState().cards,
    paired: d.paired.map((p) => ({ ...p, name: typeof p.name === "string" ? p.name : "" })),
  };
}
