import type { InviteRecord } from "../../peer/mod.ts";

/** One invite as `punchctl invites` and the web UI show it (never the secret). */
export interface InviteView {
  id: string;
  name: string;
  createdAt: number;
  expiresAt: number;
  state: "outstanding" | "used" | "expired" | "revoked";
  usedBy?: string;
}

/** Invites newest first, with their state at `now`. */
export function inviteList(records: readonly InviteRecord[], now: number): InviteView[] {
  return [...records].sort((a, b) => b.createdAt - a.createdAt).map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    state: r.revoked
      ? "revoked"
      : r.usedAt !== undefined
      ? "used"
      : now >= r.expiresAt
      ? "expired"
      : "outstanding",
    ...(r.usedBy ? { usedBy: r.usedBy } : {}),
  }));
}
