import { finishJoin, type JoinFinished, type JoinState } from "../../peer/mod.ts";
import type { Datagram } from "./control_port_deno.ts";
import type { Timer } from "../../lib/timer.ts";

/** Default time `invite.join` waits for the inviter before falling back to a reply token. */
export const JOIN_WAIT_MS = 6000;
/** When to (re)send the join request, ms after the start (bounded; the inviter caches its answer). */
export const JOIN_RESEND_MS = [0, 300, 1000, 2000, 3500, 5000];
/** After a reject (an unauthenticated hint), listen this much longer for a real answer. */
export const AFTER_REJECT_MS = 1500;

export interface JoinIo {
  send(host: string, port: number, bytes: Uint8Array): Promise<unknown>;
  /** Register a datagram listener; it returns true when it consumed the datagram. */
  listen(fn: (d: Datagram) => boolean): () => void;
}

/** Outcome of a join attempt; `silent` means no answer at all (use the reply token). */
export type JoinOutcome =
  | Extract<JoinFinished, { kind: "joined" }>
  | Extract<JoinFinished, { kind: "rejected" }>
  | { kind: "silent"; invalid: string[] };

/** Send the request to every host on the inviter's control port until it answers or time runs out. */
export function runJoin(
  io: JoinIo,
  state: JoinState,
  hosts: readonly string[],
  port: number,
  waitMs = JOIN_WAIT_MS,
): Promise<JoinOutcome> {
  return new Promise((resolve) => {
    const timers: Timer[] = [];
    const invalid: string[] = [];
    let rejected: Extract<JoinFinished, { kind: "rejected" }> | undefined;
    let done = false;
    const finish = (o: JoinOutcome) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      unlisten();
      resolve(o);
    };
    const unlisten = io.listen((m) => {
      let f: JoinFinished | null;
      try {
        f = finishJoin(state, m.bytes);
      } catch {
        return false;
      }
      if (f === null) return false;
      if (f.kind === "joined") finish(f);
      else if (f.kind === "invalid") invalid.push(f.message);
      else if (rejected === undefined) {
        rejected = f;
        for (const t of timers) clearTimeout(t);
        timers.push(setTimeout(() => finish(f), AFTER_REJECT_MS));
      }
      return true;
    });
    for (const at of JOIN_RESEND_MS.filter((t) => t < waitMs)) {
      timers.push(setTimeout(() => {
        for (const h of hosts) void io.send(h, port, state.request);
      }, at));
    }
    timers.push(setTimeout(() => finish(rejected ?? { kind: "silent", invalid }), waitMs));
  });
}
