import type { PeeringService } from "./peering/peering_service.ts";

/** A mesh member as the relay messages need it: key, name, where its control port listens. */
export interface Member {
  key: string;
  name: string;
  tunnel: string;
  controlPort: number;
}

/**
 * The members relay messages may go to or come from: routers we paired with directly (asked for a
 * relay, in pairing order), and routers known by their card (the other side of a pair).
 */
export class RelayMembers {
  constructor(private readonly peering: PeeringService) {}

  /** Directly paired members with a tunnel address, in pairing order. */
  list(): Member[] {
    const cards = this.peering.cards?.list() ?? [];
    return (this.peering.state?.paired ?? []).flatMap((p) => {
      const card = cards.find((c) => c.card.wgPublicKey === p.wgPublicKey)?.card;
      const tunnel = (card?.tunnelAddresses ?? p.tunnel ?? [])[0]?.split("/")[0];
      if (tunnel === undefined) return [];
      return [{
        key: p.wgPublicKey,
        name: card?.name ?? p.name,
        tunnel,
        controlPort: p.controlPort ?? this.peering.controlPort,
      }];
    });
  }

  /** Known by its card: only such peers are relayed (not peers added by hand). */
  isMember(key: string): boolean {
    return (this.peering.cards?.list() ?? []).some((c) => c.card.wgPublicKey === key);
  }

  /** The member (paired, or known by its card) whose tunnel address is `host`. */
  at(host: string): Member | undefined {
    const known = this.list().find((m) => m.tunnel === host);
    if (known) return known;
    const c = (this.peering.cards?.list() ?? []).find((x) =>
      x.card.tunnelAddresses.some((t) => t.split("/")[0] === host)
    )?.card;
    return c
      ? { key: c.wgPublicKey, name: c.name, tunnel: host, controlPort: this.peering.controlPort }
      : undefined;
  }

  /** A member by its WireGuard key (paired, or known by its card). */
  byKey(key: string): Member | undefined {
    const m = this.list().find((x) => x.key === key);
    if (m) return m;
    const c = this.peering.cards?.list().find((x) => x.card.wgPublicKey === key)?.card;
    const tunnel = c?.tunnelAddresses[0]?.split("/")[0];
    return c && tunnel !== undefined
      ? { key, name: c.name, tunnel, controlPort: this.peering.controlPort }
      : undefined;
  }
}
