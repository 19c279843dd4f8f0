import { newSignSeed, type Random } from "../../peer/mod.ts";
import { errorMessage } from "../../lib/errors.ts";
import { readTextOrNull, writeFileAtomic } from "../../platform/atomic_file_deno.ts";
import {
  emptyReceived,
  emptyState,
  type PeeringState,
  type ReceivedCards,
  receivedFromJSON,
  stateFromJSON,
} from "./peering_state.ts";

/** Files of the peering identity and state under a punchd root (`received` is in RAM). */
export function peeringPaths(root: string): { signKey: string; state: string; received: string } {
  return {
    signKey: `${root}/etc/punch/sign.key`,
    state: `${root}/etc/punch/state.json`,
    received: `${root}/var/run/punch/peering.json`,
  };
}

/** The router's Ed25519 seed (base64), created 0600 on first use. */
export async function loadOrCreateSignSeed(path: string, rand: Random): Promise<string> {
  const text = await readTextOrNull(path);
  if (text !== null && text.trim() !== "") return text.trim();
  const seed = newSignSeed(rand);
  await writeFileAtomic(path, seed + "\n", 0o600);
  return seed;
}

/** Persisted peering state, or an empty one (a damaged file is kept aside, not lost). */
export async function loadState(path: string, log: (m: string) => void): Promise<PeeringState> {
  const text = await readTextOrNull(path);
  if (text === null) return emptyState();
  try {
    return stateFromJSON(JSON.parse(text));
  } catch (e) {
    const aside = `${path}.bad`;
    await Deno.rename(path, aside).catch(() => {});
    log(`Cannot read ${path} (${errorMessage(e)}); moved it to ${aside} and started empty`);
    return emptyState();
  }
}

/** The received cards kept in RAM, or none (a damaged file is dropped: the peers push again). */
export async function loadReceived(path: string, log: (m: string) => void): Promise<ReceivedCards> {
  const text = await readTextOrNull(path);
  if (text === null) return emptyReceived();
  try {
    return receivedFromJSON(JSON.parse(text));
  } catch (e) {
    await Deno.remove(path).catch(() => {});
    log(`Cannot read ${path} (${errorMessage(e)}); the peers' next pushes fill it again`);
    return emptyReceived();
  }
}

/** Write a JSON file atomically, mode 0600, only when its text changed (flash wear). */
export class StateWriter<T = PeeringState> {
  private last: string | undefined;
  constructor(private readonly path: string) {}

  async save(state: T): Promise<boolean> {
    const text = JSON.stringify(state, null, 1) + "\n";
    if (text === this.last) return false;
    await writeFileAtomic(this.path, text, 0o600);
    this.last = text;
    return true;
  }

  /** Remember what is on disk already (after loading), so an unchanged state is not rewritten. */
  seen(state: T): void {
    this.last = JSON.stringify(state, null, 1) + "\n";
  }
}
