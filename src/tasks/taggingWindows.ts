// Windows for training a tagger on a derived task (tagging.ts): B streams
// through the training split, each reading its own contiguous segment in
// windows of T characters, as src/engine/batcher.ts does for next-character
// models, with the same epoch phase shift from the same seed and the same
// held-out end for validation. Two differences, both on purpose:
//
// - The target at (t, b) is the label of the input at (t, b), not the next
//   character: a tagger labels what it reads. So a segment needs no extra
//   token at its end (B·T tokens are enough, not B·T + 1).
// - Windows are independent. A bidirectional model reads each window
//   backwards too, and a backward pass cannot start from the state of a
//   window it has not read yet, so no state is carried from one window to the
//   next: the model starts every window from zero. `startsEpoch` only says
//   where an epoch begins. The price is that a character at a window's edge
//   sees context on one side only (the shift each epoch moves the edges).
//
// Dimension legend: T window length, B streams. Batches are time-major (T, B):
// element (t, b) is at t·B + b.

import type { Batch } from '../engine/backend';
import { StreamSchedule, type BatcherPosition } from '../engine/streamSchedule';
import { CorpusError, type Vocabulary } from '../engine/tokenizer';
import type { TaggingTask } from './tagging';

/** A task as token ids and labels, one for one. */
export interface TaggingData {
  ids: Int32Array;
  labels: Uint8Array;
}

/**
 * Token ids of a task's input, code point by code point. Not through
 * Vocabulary.encode: that normalises again (NFC), which could merge characters
 * of the derived input and put ids and labels out of step.
 */
export function encodeTask(task: TaggingTask, vocab: Vocabulary): TaggingData {
  const ids = new Int32Array(task.labels.length);
  let n = 0;
  for (const ch of task.input) {
    const id = vocab.idOf(ch.codePointAt(0)!);
    if (id === undefined) {
      throw new CorpusError(
        `the task's input has a character the vocabulary lacks: ${JSON.stringify(ch)}`,
      );
    }
    if (n >= ids.length) break;
    ids[n++] = id;
  }
  if (n !== ids.length || [...task.input].length !== ids.length) {
    throw new RangeError(
      `the task's input has ${[...task.input].length} characters but ${task.labels.length} labels`,
    );
  }
  return { ids, labels: task.labels };
}

export interface TaggingSplit {
  train: TaggingData;
  validation: TaggingData;
}

/** Holds out the last `valFraction` of the characters for validation, as splitCorpus does. */
export function splitTagging(data: TaggingData, valFraction: number): TaggingSplit {
  checkData(data);
  const n = data.ids.length;
  const nVal = Math.floor(n * valFraction);
  return {
    train: { ids: data.ids.subarray(0, n - nVal), labels: data.labels.subarray(0, n - nVal) },
    validation: { ids: data.ids.subarray(n - nVal), labels: data.labels.subarray(n - nVal) },
  };
}

/** Fewest characters a split needs to give B streams one window of T each. */
export function minTaggingTokens(batchSize: number, seqLen: number): number {
  return batchSize * seqLen;
}

/** One (T, B) window: stream b reads ids and labels [b·segment + start, + T). */
export function taggingWindowAt(
  data: TaggingData,
  segment: number,
  start: number,
  batchSize: number,
  seqLen: number,
): Batch {
  const inputs = new Int32Array(seqLen * batchSize);
  const targets = new Int32Array(seqLen * batchSize);
  for (let b = 0; b < batchSize; b++) {
    const base = b * segment + start;
    if (base + seqLen > data.ids.length) {
      throw new RangeError(
        `stream ${b}'s window ends past the text (${data.ids.length} characters)`,
      );
    }
    for (let t = 0; t < seqLen; t++) {
      inputs[t * batchSize + b] = data.ids[base + t];
      targets[t * batchSize + b] = data.labels[base + t];
    }
  }
  return { inputs, targets, seqLen, batchSize };
}

/** A tagging batcher's place in its stream schedule (the text batcher's). */
export type TaggingPosition = BatcherPosition;

/** Training windows over a derived task: `targets` are the labels (class ids 0/1). */
export class TaggingBatcher {
  private readonly schedule: StreamSchedule;

  constructor(
    private readonly data: TaggingData,
    readonly batchSize: number,
    readonly seqLen: number,
    seed: number,
  ) {
    checkData(data);
    const n = data.ids.length;
    if (n < minTaggingTokens(batchSize, seqLen)) {
      throw new CorpusError(
        `the training text has ${n} characters; B=${batchSize} streams × T=${seqLen} ` +
          `need at least ${minTaggingTokens(batchSize, seqLen)}: use a longer text or lower B or T`,
      );
    }
    // A label belongs to its own character: no one-past target, so the whole text divides.
    // The same stream of shifts as the next-character Batcher for the same seed.
    this.schedule = new StreamSchedule(Math.floor(n / batchSize), seqLen, seed, 'this task');
  }

  get segment(): number {
    return this.schedule.segment;
  }

  get windowsPerEpoch(): number {
    return this.schedule.windowsPerEpoch;
  }

  /** The next window; `startsEpoch` marks an epoch's first (no state to reset: none is carried). */
  next(): { batch: Batch; startsEpoch: boolean } {
    const { start, startsEpoch } = this.schedule.advance();
    const batch = taggingWindowAt(this.data, this.segment, start, this.batchSize, this.seqLen);
    return { batch, startsEpoch };
  }

  /** Back to the first window of the first epoch. */
  reset(): void {
    this.schedule.reset();
  }

  getPosition(): TaggingPosition {
    return this.schedule.getPosition();
  }

  setPosition(p: TaggingPosition): void {
    this.schedule.setPosition(p);
  }
}

/**
 * The (T, B) of the validation windows of a held-out task of `length`
 * characters, and how many there are; null when there is nothing to validate
 * on. A short split gets fewer streams or a shorter window rather than none.
 */
export function taggingValidationShape(
  length: number,
  batchSize: number,
  seqLen: number,
  maxWindows: number,
): { seqLen: number; batchSize: number; windows: number } | null {
  if (length < 1) return null;
  const T = Math.min(seqLen, length);
  const B = Math.max(1, Math.min(batchSize, Math.floor(length / T)));
  const windows = Math.min(maxWindows, Math.floor(Math.floor(length / B) / T));
  return windows > 0 ? { seqLen: T, batchSize: B, windows } : null;
}

/** Consecutive validation windows over the held-out task, at most `maxWindows` per stream. */
export function taggingValidationBatches(
  data: TaggingData,
  batchSize: number,
  seqLen: number,
  maxWindows: number,
): Batch[] {
  checkData(data);
  const shape = taggingValidationShape(data.ids.length, batchSize, seqLen, maxWindows);
  if (!shape) return [];
  const { seqLen: T, batchSize: B, windows } = shape;
  const segment = Math.floor(data.ids.length / B);
  const out: Batch[] = [];
  for (let w = 0; w < windows; w++) out.push(taggingWindowAt(data, segment, w * T, B, T));
  return out;
}

function checkData(data: TaggingData): void {
  if (data.ids.length !== data.labels.length) {
    throw new RangeError(`${data.ids.length} token ids but ${data.labels.length} labels`);
  }
}
