// Batches for truncated BPTT: B parallel streams through the training split,
// each reading its own contiguous segment in windows of T characters, so the
// final (h, c) of one window is the right starting state for the next window
// of the same stream. At the end of an epoch every stream starts over (and the
// carried state must be reset: `next()` says so).
//
// Dimension legend: B streams, T window length. Batches are time-major (T, B).

import type { Batch } from './backend';
import { CorpusError } from './tokenizer';
import { StreamSchedule, type BatcherPosition } from './streamSchedule';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

/** Holds out the last `valFraction` of the tokens for validation. */
export function splitCorpus(tokens: Int32Array, valFraction: number): Split {
  const nVal = Math.floor(tokens.length * valFraction);
  return {
    train: tokens.subarray(0, tokens.length - nVal),
    validation: tokens.subarray(tokens.length - nVal),
  };
}

/** Fewest tokens a split needs to give B streams one window of T each. */
export function minTokensFor(batchSize: number, seqLen: number): number {
  return batchSize * seqLen + 1;
}

export type { BatcherPosition } from './streamSchedule';

export class Batcher {
  private readonly schedule: StreamSchedule;

  constructor(
    private readonly tokens: Int32Array,
    readonly batchSize: number,
    readonly seqLen: number,
    seed: number,
  ) {
    if (tokens.length < minTokensFor(batchSize, seqLen)) {
      throw new CorpusError(
        `the training text has ${tokens.length} characters; B=${batchSize} streams × T=${seqLen} ` +
          `need at least ${minTokensFor(batchSize, seqLen)}: use a longer text or lower B or T`,
      );
    }
    // Each stream's targets run one token past its inputs: hence the − 1.
    const segment = Math.floor((tokens.length - 1) / batchSize);
    this.schedule = new StreamSchedule(segment, seqLen, seed, 'this corpus');
  }

  get segment(): number {
    return this.schedule.segment;
  }

  get windowsPerEpoch(): number {
    return this.schedule.windowsPerEpoch;
  }

  /** The next window; `startsEpoch` means the carried state must be zeroed first. */
  next(): { batch: Batch; startsEpoch: boolean } {
    const { start, startsEpoch } = this.schedule.advance();
    const batch = windowAt(this.tokens, this.segment, start, this.batchSize, this.seqLen);
    return { batch, startsEpoch };
  }

  /** Back to the first window of the first epoch. */
  reset(): void {
    this.schedule.reset();
  }

  getPosition(): BatcherPosition {
    return this.schedule.getPosition();
  }

  setPosition(p: BatcherPosition): void {
    this.schedule.setPosition(p);
  }
}

/** One (T, B) window: stream b reads tokens[b·segment + start …]. */
export function windowAt(
  tokens: Int32Array,
  segment: number,
  start: number,
  batchSize: number,
  seqLen: number,
): Batch {
  const inputs = new Int32Array(seqLen * batchSize);
  const targets = new Int32Array(seqLen * batchSize);
  for (let b = 0; b < batchSize; b++) {
    const base = b * segment + start;
    for (let t = 0; t < seqLen; t++) {
      inputs[t * batchSize + b] = tokens[base + t];
      targets[t * batchSize + b] = tokens[base + t + 1];
    }
  }
  return { inputs, targets, seqLen, batchSize };
}

/**
 * The (T, B) of the validation windows of a held-out text of `length` tokens,
 * and how many there are; null when there is nothing to validate on. The
 * memory estimate (memory.ts) sizes the evaluation workspace with it.
 */
export function validationShape(
  length: number,
  batchSize: number,
  seqLen: number,
  maxWindows: number,
): { seqLen: number; batchSize: number; windows: number } | null {
  if (length < 2) return null;
  const T = Math.min(seqLen, length - 1);
  const B = Math.max(1, Math.min(batchSize, Math.floor((length - 1) / T)));
  const windows = Math.min(maxWindows, Math.floor(Math.floor((length - 1) / B) / T));
  return { seqLen: T, batchSize: B, windows };
}

/**
 * Consecutive validation windows: up to B streams over the held-out text,
 * at most `maxWindows` windows each. A short split gets fewer streams or a
 * shorter window rather than none. Empty when there is nothing to validate on.
 */
export function validationBatches(
  tokens: Int32Array,
  batchSize: number,
  seqLen: number,
  maxWindows: number,
): Batch[] {
  const shape = validationShape(tokens.length, batchSize, seqLen, maxWindows);
  if (!shape) return [];
  const { seqLen: T, batchSize: B, windows } = shape;
  const segment = Math.floor((tokens.length - 1) / B);
  const out: Batch[] = [];
  for (let w = 0; w < windows; w++) out.push(windowAt(tokens, segment, w * T, B, T));
  return out;
}
