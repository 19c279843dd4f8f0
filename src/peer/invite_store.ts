/**
 * The inviter's list of invites it has handed out: outstanding ones can be redeemed once, used
 * and expired ones are kept for a while so a late or repeated attempt gets a precise answer.
 */
import { fromBase64, toBase64 } from "../lib/base64.ts";
import { ParseError } from "../lib/errors.ts";
import type { Invite } from "./invite_token.ts";
import { PeerError } from "./peer_error.ts";

/** What the inviter remembers about one invite (JSON-safe; the daemon persists it, mode 0600). */
export interface InviteRecord {
  readonly id: string;
  /** One-time secret, base64. */
  readonly secret: string;
  /** Hash of the token as issued, base64. */
  readonly tokenHash: string;
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When and by which WireGuard key the invite was redeemed. */
  readonly usedAt?: number;
  readonly usedBy?: string;
  /** Hash of the join request that redeemed it and the reply sent, base64: a retransmitted request gets the same reply. */
  readonly requestHash?: string;
  readonly reply?: string;
  readonly revoked?: boolean;
}

/** How long used, expired and revoked records are kept by `prune` (for precise error messages). */
export const KEEP_SPENT_MS = 7 * 24 * 3600 * 1000;

/** Outstanding, used and expired invites, keyed by invite id. */
export class InviteStore {
  private readonly records = new Map<string, InviteRecord>();

  constructor(records: readonly InviteRecord[] = []) {
    for (const r of records) this.records.set(r.id, r);
  }

  /** Remember a new invite (call right after `createInvite`). */
  add(invite: Invite, now: number): InviteRecord {
    const rec: InviteRecord = {
      id: invite.id,
      secret: toBase64(invite.secret),
      tokenHash: toBase64(invite.tokenHash),
      name: invite.name,
      createdAt: now,
      expiresAt: invite.expiresAt,
    };
    this.records.set(rec.id, rec);
    return rec;
  }

  get(id: string): InviteRecord | undefined {
    return this.records.get(id);
  }

  list(): InviteRecord[] {
    return [...this.records.values()];
  }

  /** Records that can still be redeemed at `now`. */
  outstanding(now: number): InviteRecord[] {
    return this.list().filter((r) => r.usedAt === undefined && !r.revoked && now < r.expiresAt);
  }

  /** Throw `PeerError` ("used" / "expired") unless the record can be redeemed at `now`. */
  checkUsable(rec: InviteRecord, now: number): void {
    if (rec.revoked) {
      throw new PeerError("used", `Invite ${rec.id} was revoked: ask the inviter for a new one`);
    }
    if (rec.usedAt !== undefined) {
      throw new PeerError(
        "used",
        `Invite ${rec.id} was already used at ${
          new Date(rec.usedAt).toISOString()
        }: each invite works once; ask for a new one`,
      );
    }
    if (now >= rec.expiresAt) {
      throw new PeerError(
        "expired",
        `Invite ${rec.id} expired at ${new Date(rec.expiresAt).toISOString()}: ask for a new one`,
      );
    }
  }

  private replays = new Map<string, number>();

  /** Count one retransmitted request for invite `id` (in memory only); returns the count. */
  replayed(id: string): number {
    const n = (this.replays.get(id) ?? 0) + 1;
    this.replays.set(id, n);
    return n;
  }

  /** Mark an invite redeemed; a later attempt with it is refused. */
  markUsed(
    id: string,
    now: number,
    usedBy: string,
    request?: { hash: Uint8Array; reply: Uint8Array },
  ): InviteRecord {
    const rec = this.records.get(id);
    if (rec === undefined) {
      throw new PeerError("unknown-invite", `No invite "${id}" on this router`);
    }
    const next: InviteRecord = {
      ...rec,
      usedAt: now,
      usedBy,
      ...(request ? { requestHash: toBase64(request.hash), reply: toBase64(request.reply) } : {}),
    };
    this.records.set(id, next);
    return next;
  }

  /** Withdraw an outstanding invite; returns false when there is none with that id. */
  revoke(id: string): boolean {
    const rec = this.records.get(id);
    if (rec === undefined) return false;
    this.records.set(id, { ...rec, revoked: true });
    return true;
  }

  /** Forget records spent (used, expired, revoked) more than `keepMs` ago; returns how many. */
  prune(now: number, keepMs = KEEP_SPENT_MS): number {
    let n = 0;
    for (const r of this.list()) {
      const spentAt = r.usedAt ?? (r.revoked ? r.createdAt : r.expiresAt);
      if ((r.usedAt !== undefined || r.revoked || now >= r.expiresAt) && now - spentAt > keepMs) {
        this.records.delete(r.id);
        n++;
      }
    }
    return n;
  }

  toJSON(): InviteRecord[] {
    return this.list();
  }

  /** Rebuild a store from `toJSON()` output; throws `ParseError` on anything else. */
  static fromJSON(data: unknown): InviteStore {
    if (!Array.isArray(data)) {
      throw new ParseError("Cannot read invite store: not a list; delete the file to start empty");
    }
    const out: InviteRecord[] = [];
    for (const x of data as unknown[]) {
      const r = x as Record<string, unknown>;
      const ok = typeof r === "object" && r !== null && typeof r.id === "string" &&
        typeof r.secret === "string" &&
        typeof r.tokenHash === "string" && typeof r.name === "string" &&
        typeof r.createdAt === "number" &&
        typeof r.expiresAt === "number";
      if (!ok) {
        throw new ParseError(`Cannot read invite store entry ${JSON.stringify(x)?.slice(0, 60)}`);
      }
      try {
        fromBase64(r.secret as string);
      } catch {
        throw new ParseError(
          `Cannot read invite store entry "${r.id as string}": secret is not base64`,
        );
      }
      out.push(r as unknown as InviteRecord);
    }
    return new InviteStore(out);
  }
}
