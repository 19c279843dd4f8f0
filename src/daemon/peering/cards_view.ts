import { fingerprint, type SignedCard } from "../../peer/mod.ts";
import type { PairedPeer } from "./peering_state.ts";

/** One row of `cards.list`. */
export interface CardView {
  name: string;
  self: boolean;
  /** Paired directly (join/accept), else learned through an introduction. */
  paired: boolean;
  wgPublicKey: string;
  signPublicKey: string;
  /** Short fingerprint of the signing key (compare it out of band). */
  fingerprint: string;
  seq: number;
  issuedAt: number;
  endpoints: readonly string[];
  tunnelAddresses: readonly string[];
  lanSubnets: readonly string[];
  introduces: number;
}

/** Our card first, then every stored card, then paired routers whose card has not arrived yet. */
export function cardsView(
  own: SignedCard | undefined,
  cards: readonly SignedCard[],
  paired: readonly PairedPeer[],
): CardView[] {
  const row = (sc: SignedCard, self: boolean): CardView => ({
    name: sc.card.name,
    self,
    paired: paired.some((p) => p.signPublicKey === sc.card.signPublicKey),
    wgPublicKey: sc.card.wgPublicKey,
    signPublicKey: sc.card.signPublicKey,
    fingerprint: fingerprint(sc.card.signPublicKey),
    seq: sc.card.seq,
    issuedAt: sc.card.issuedAt,
    endpoints: sc.card.endpoints,
    tunnelAddresses: sc.card.tunnelAddresses,
    lanSubnets: sc.card.lanSubnets,
    introduces: sc.card.introduces?.length ?? 0,
  });
  const out = [...(own ? [row(own, true)] : []), ...cards.map((c) => row(c, false))];
  for (const p of paired) {
    if (out.some((r) => r.signPublicKey === p.signPublicKey)) continue;
    out.push({
      name: p.name,
      self: false,
      paired: true,
      wgPublicKey: p.wgPublicKey,
      signPublicKey: p.signPublicKey,
      fingerprint: fingerprint(p.signPublicKey),
      seq: 0,
      issuedAt: 0,
      endpoints: p.endpoints ?? [],
      tunnelAddresses: p.tunnel ?? [],
      lanSubnets: [],
      introduces: 0,
    });
  }
  return out;
}
