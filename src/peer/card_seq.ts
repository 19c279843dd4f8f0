/**
 * Sequence numbers of our own card without a flash write per change: `seq = epoch · 2^32 +
 * counter`. The epoch is stored (once per start of punchd) and the counter lives in RAM, so seqs
 * only grow, across restarts too, while a WAN change writes nothing. The card's seq field is a
 * u64 read as a safe integer (`peer_card.ts`): epochs stop at 2^21 − 1 so every seq stays within
 * `Number.MAX_SAFE_INTEGER` (2^53 − 1). A store that never saw an epoch (seqs of older versions,
 * Unix seconds, all below 2^32) starts at epoch 1, above every seq it signed.
 */

/** Seqs per epoch (the counter's range). */
export const SEQ_EPOCH_SPAN = 2 ** 32;
/** The last epoch whose seqs are all safe integers. */
export const MAX_SEQ_EPOCH = Math.floor(Number.MAX_SAFE_INTEGER / SEQ_EPOCH_SPAN);

/** The epoch a seq belongs to. */
export function seqEpoch(seq: number): number {
  return Math.floor(seq / SEQ_EPOCH_SPAN);
}

/** The first seq of `epoch` (counter 0; never handed out, so it can be stored as the epoch). */
export function epochBase(epoch: number): number {
  return epoch * SEQ_EPOCH_SPAN;
}

/**
 * The epoch after the one `storedSeq` (a stored epoch base, or the last seq of an older version)
 * belongs to; throws when no epoch is left (2 million starts).
 * @example nextEpoch(0) === 1; nextEpoch(epochBase(7)) === 8
 */
export function nextEpoch(storedSeq: number): number {
  const e = Number.isSafeInteger(storedSeq) && storedSeq > 0 ? seqEpoch(storedSeq) + 1 : 1;
  if (e > MAX_SEQ_EPOCH) {
    throw new RangeError(
      `Cannot start a new card seq epoch after seq ${storedSeq}: all are used; make a new signing key (delete /etc/punch/sign.key)`,
    );
  }
  return e;
}

/** Hands out the seqs of our card: increasing, a stored epoch and a RAM counter. */
export class CardSeqs {
  private counter = 0;
  private epochNow: number;

  /** `storedSeq`: the epoch base stored last time (or 0); the caller stores `stored` at once. */
  constructor(storedSeq: number) {
    this.epochNow = nextEpoch(storedSeq);
  }

  /** What to store (an epoch base): every seq handed out from now on is above it. */
  get stored(): number {
    return epochBase(this.epochNow);
  }

  /** The next seq; `newEpoch` says the counter ran out and `stored` must be written again. */
  next(): { seq: number; newEpoch: boolean } {
    let newEpoch = false;
    if (this.counter + 1 >= SEQ_EPOCH_SPAN) {
      this.epochNow = nextEpoch(this.stored);
      this.counter = 0;
      newEpoch = true;
    }
    this.counter++;
    return { seq: this.stored + this.counter, newEpoch };
  }
}
