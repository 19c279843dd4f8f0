/**
 * The next step for a LAN host, in words, from what this router knows: which Punch routers it
 * holds cards of (paired or introduced), whether their cards have arrived, and which remote
 * endpoints the host has pinholes for (from cards, or named with `--remote`).
 *
 * Between Punch routers nothing has to be named: each router puts its LAN hosts' public
 * endpoints in its signed card, and the other routers open pinholes for them by themselves.
 * `--remote IP:PORT` is only for a remote that does not run Punch.
 */

/** Another Punch router, as `cards.list` shows it. */
export interface PeerRouter {
  name: string;
  /** False for a paired router whose signed card has not arrived yet. */
  cardReceived: boolean;
}

/** What the hint is made from. */
export interface LanHintInput {
  name: string;
  /** `ADDRESS:PORT` on the LAN. */
  host: string;
  /** `WAN:PUBLICPORT`, absent while there is no WAN address. */
  publicEndpoint?: string;
  /** Remotes named with `--remote`. */
  namedRemotes: readonly string[];
  /** Remotes learned from other routers' cards (their LAN hosts). */
  cardRemotes: readonly string[];
  /** Other Punch routers this router holds cards of or is paired with. */
  routers: readonly PeerRouter[];
}

/** Which situation the host is in; one hint per state. */
export type LanHintState =
  | "unpaired"
  | "unpaired-named"
  | "waiting-card"
  | "card-no-hosts"
  | "card-hosts";

export function lanHintState(x: LanHintInput): LanHintState {
  if (x.routers.length === 0) return x.namedRemotes.length ? "unpaired-named" : "unpaired";
  if (x.cardRemotes.length) return "card-hosts";
  if (x.routers.some((r) => !r.cardReceived)) return "waiting-card";
  return "card-no-hosts";
}

const quoteAll = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

/** One or two sentences: what gets through now and what to do next. */
export function lanHint(x: LanHintInput): string {
  const ep = x.publicEndpoint ?? "the host's public endpoint (known once the WAN has an address)";
  const named = x.namedRemotes.join(", ");
  const alsoNamed = x.namedRemotes.length ? `; also open for ${named} (named with --remote)` : "";
  switch (lanHintState(x)) {
    case "unpaired":
      return `No Punch router is paired yet: pair one (punchctl invite here, punchctl join TOKEN ` +
        `there) and pinholes for its LAN hosts open by themselves. For a remote that does not run ` +
        `Punch, give it ${ep} and name its endpoint: punchctl lan add ${x.host} --name ${x.name} ` +
        `--remote IP:PORT`;
    case "unpaired-named":
      return `Pinholes open for ${named} only; give them ${ep} as this host's endpoint`;
    case "waiting-card": {
      const waiting = x.routers.filter((r) => !r.cardReceived).map((r) => r.name);
      return `Waiting for the card of ${quoteAll(waiting)} (see punchctl cards): ` +
        `pinholes for its LAN hosts open by themselves when it arrives, and it learns ${ep} ` +
        `from this router's card${alsoNamed}`;
    }
    case "card-no-hosts":
      return `Paired routers learn ${ep} from this router's card and open their side by ` +
        `themselves; pinholes here open once one of them adds a LAN host (punchctl lan add ` +
        `there)${alsoNamed}`;
    case "card-hosts":
      return `Pinholes open for the LAN hosts of paired routers (${
        x.cardRemotes.join(", ")
      }); they learn ${ep} from this router's card and open their side by themselves, no ` +
        `--remote needed${alsoNamed}`;
  }
}
