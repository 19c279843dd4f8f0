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

/** What punchd keeps in `<root>/etc/punch/state.json` (0600). */
export interface PeeringState {
  version: 1;
  /** Sequence number of our last signed card. */
  seq: number;
  invites: InviteRecord[];
  cards: { pinned: string[]; cards: string[]; highSeq: [string, number][] };
  paired: PairedPeer[];
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
