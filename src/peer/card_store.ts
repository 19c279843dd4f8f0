/**
 * Newest-wins store of verified peer cards with replay rejection and introduction-based trust.
 *
 * Trust: a signing key is trusted when it is pinned (we paired with it: join handshake, reply
 * token, or invite token) or when the current card of a trusted peer lists it in `introduces`
 * (transitively). An introduced key is trusted only together with the WireGuard key its
 * introducer named. Cards signed by keys not (yet) trusted are held in a small pending pool and
 * accepted as soon as an introduction arrives; cards whose trust is withdrawn are removed.
 */
import { fromBase64, toBase64 } from "../lib/base64.ts";
import { equalBytes } from "../lib/bytes.ts";
import { errorMessage, ParseError } from "../lib/errors.ts";
import { type SignedCard, verifyCard } from "./peer_card.ts";

/** Outcome of `CardStore.offer`. */
export type OfferStatus = "accepted" | "stale" | "invalid" | "untrusted";

export interface OfferResult {
  readonly status: OfferStatus;
  /** One line for logs ("older card (seq 4 ≤ 7)"). */
  readonly reason: string;
  /** The verified card, unless `invalid`. */
  readonly card?: SignedCard;
  /** Held cards that became trusted and were accepted as a consequence (apply them too). */
  readonly promoted: SignedCard[];
  /** Signing keys whose cards were dropped because no trusted peer vouches for them any more. */
  readonly removed: string[];
}

interface Entry {
  readonly sc: SignedCard;
  readonly receivedAt: number;
  readonly version: number;
}

type Trust = "direct" | Set<string>;

/** Default size of the pool of cards waiting for an introduction. */
export const MAX_PENDING = 32;

export class CardStore {
  private readonly cards = new Map<string, Entry>();
  private readonly pinned = new Set<string>();
  private readonly pending = new Map<string, { bytes: Uint8Array; seq: number }>();
  private readonly highSeq = new Map<string, number>();
  private trust = new Map<string, Trust>();
  /** Increases with every accepted card (see `changedSince`). */
  version = 0;

  /** `self*` are this router's public keys (base64): its own card is never stored from outside. */
  constructor(
    readonly selfSignKey: string,
    readonly selfWgKey: string,
    private readonly maxPending = MAX_PENDING,
  ) {}

  /** Trust a signing key directly (after pairing); returns cards this unlocked from the pending pool. */
  pin(signPublicKey: string, now: number): SignedCard[] {
    this.pinned.add(signPublicKey);
    this.recompute();
    return this.promote(now);
  }

  /** Stop trusting a key directly; returns the keys whose cards were removed. */
  unpin(signPublicKey: string): string[] {
    this.pinned.delete(signPublicKey);
    return this.recompute();
  }

  isPinned(signPublicKey: string): boolean {
    return this.pinned.has(signPublicKey);
  }

  isTrusted(signPublicKey: string): boolean {
    return this.trust.has(signPublicKey);
  }

  get(signPublicKey: string): SignedCard | undefined {
    return this.cards.get(signPublicKey)?.sc;
  }

  findByWgKey(wgPublicKey: string): SignedCard | undefined {
    for (const e of this.cards.values()) if (e.sc.card.wgPublicKey === wgPublicKey) return e.sc;
    return undefined;
  }

  /** All stored cards (to forward in peer exchange: send `bytes` unchanged). */
  list(): SignedCard[] {
    return [...this.cards.values()].map((e) => e.sc);
  }

  /** Cards accepted after store version `v` (push only what changed). */
  changedSince(v: number): SignedCard[] {
    return [...this.cards.values()].filter((e) => e.version > v).map((e) => e.sc);
  }

  /** Verify and consider a card; never throws. */
  offer(input: Uint8Array | SignedCard, now: number): OfferResult {
    let sc: SignedCard;
    try {
      sc = verifyCard(input);
    } catch (e) {
      return result("invalid", errorMessage(e));
    }
    const c = sc.card, key = c.signPublicKey;
    if (key === this.selfSignKey) return result("stale", "card describes this router", sc);
    if (c.wgPublicKey === this.selfWgKey) {
      return result("invalid", `card of "${c.name}" claims this router's WireGuard key`, sc);
    }
    const cur = this.cards.get(key);
    if (cur !== undefined && equalBytes(cur.sc.bytes, sc.bytes)) {
      return result("stale", `replayed card of "${c.name}" (seq ${c.seq})`, sc);
    }
    const high = this.highSeq.get(key);
    if (high !== undefined && c.seq <= high) {
      const why = c.seq === high
        ? `a different card with the same seq ${c.seq}`
        : `older card (seq ${c.seq} < ${high})`;
      return result("stale", `${why} of "${c.name}" dropped`, sc);
    }
    const t = this.trust.get(key);
    if (t === undefined) {
      this.hold(key, sc);
      return result(
        "untrusted",
        `card of "${c.name}" is signed by a key no trusted peer vouches for; held until introduced`,
        sc,
      );
    }
    if (t !== "direct" && !t.has(c.wgPublicKey)) {
      return result(
        "invalid",
        `card of "${c.name}" names a WireGuard key its introducer did not vouch for`,
        sc,
      );
    }
    for (const e of this.cards.values()) {
      if (e.sc.card.signPublicKey !== key && e.sc.card.wgPublicKey === c.wgPublicKey) {
        return result(
          "invalid",
          `card of "${c.name}" claims the WireGuard key of "${e.sc.card.name}"`,
          sc,
        );
      }
    }
    this.cards.set(key, { sc, receivedAt: now, version: ++this.version });
    this.highSeq.set(key, c.seq);
    this.pending.delete(key);
    const removed = this.recompute();
    const promoted = this.promote(now);
    return {
      status: "accepted",
      reason: `card of "${c.name}" seq ${c.seq} accepted`,
      card: sc,
      promoted,
      removed,
    };
  }

  private hold(key: string, sc: SignedCard): void {
    const had = this.pending.get(key);
    if (had !== undefined && had.seq >= sc.card.seq) return;
    this.pending.delete(key);
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(key, { bytes: sc.bytes, seq: sc.card.seq });
  }

  private promote(now: number): SignedCard[] {
    const out: SignedCard[] = [];
    for (const [key, p] of [...this.pending]) {
      if (!this.trust.has(key) || !this.pending.has(key)) continue;
      this.pending.delete(key);
      const r = this.offer(p.bytes, now);
      if (r.status === "accepted" && r.card) out.push(r.card, ...r.promoted);
    }
    return out;
  }

  /** Rebuild the trusted set from pins and introductions; drop cards no longer trusted. */
  private recompute(): string[] {
    const trust = new Map<string, Trust>();
    const queue: string[] = [];
    for (const k of this.pinned) {
      trust.set(k, "direct");
      queue.push(k);
    }
    for (let i = 0; i < queue.length; i++) {
      const intro = this.cards.get(queue[i]!)?.sc.card.introduces ?? [];
      for (const x of intro) {
        if (x.signPublicKey === this.selfSignKey) continue;
        const t = trust.get(x.signPublicKey);
        if (t === "direct") continue;
        if (t === undefined) {
          trust.set(x.signPublicKey, new Set([x.wgPublicKey]));
          queue.push(x.signPublicKey);
        } else t.add(x.wgPublicKey);
      }
    }
    this.trust = trust;
    const removed: string[] = [];
    for (const [k, e] of [...this.cards]) {
      const t = trust.get(k);
      if (t === undefined || (t !== "direct" && !t.has(e.sc.card.wgPublicKey))) {
        this.cards.delete(k);
        removed.push(k);
      }
    }
    return removed.length > 0 ? removed.concat(this.recompute()) : removed;
  }

  /** JSON-safe state for the daemon to persist. */
  toJSON(): { pinned: string[]; cards: string[]; highSeq: [string, number][] } {
    return {
      pinned: [...this.pinned],
      cards: this.list().map((c) => toBase64(c.bytes)),
      highSeq: [...this.highSeq],
    };
  }

  /** Rebuild from `toJSON()` output; cards are verified again. Throws `ParseError` on a bad shape. */
  static fromJSON(data: unknown, selfSignKey: string, selfWgKey: string, now: number): CardStore {
    const d = data as { pinned?: unknown; cards?: unknown; highSeq?: unknown };
    const strings = (x: unknown): x is string[] =>
      Array.isArray(x) && x.every((s) => typeof s === "string");
    if (
      typeof d !== "object" || d === null || !strings(d.pinned) || !strings(d.cards) ||
      !Array.isArray(d.highSeq)
    ) {
      throw new ParseError(
        "Cannot read card store: unexpected shape; delete the file to start empty",
      );
    }
    const s = new CardStore(selfSignKey, selfWgKey);
    for (const k of d.pinned) s.pinned.add(k);
    s.recompute();
    for (const b of d.cards) {
      try {
        s.offer(fromBase64(b), now);
      } catch {
        throw new ParseError("Cannot read card store: a card is not base64");
      }
    }
    for (const x of d.highSeq as unknown[]) {
      if (Array.isArray(x) && typeof x[0] === "string" && typeof x[1] === "number") {
        s.highSeq.set(x[0], Math.max(x[1], s.highSeq.get(x[0]) ?? 0));
      }
    }
    return s;
  }
}

function result(status: OfferStatus, reason: string, card?: SignedCard): OfferResult {
  return { status, reason, ...(card ? { card } : {}), promoted: [], removed: [] };
}
