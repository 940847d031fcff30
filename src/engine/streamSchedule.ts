// Where B parallel streams read next: each stream owns a contiguous segment
// of the training data and reads it in windows of T, all streams at the same
// offset; at each new epoch the offset starts from a fresh random phase, so
// windows do not always cut the data at the same places. The text batcher
// (batcher.ts), the tagging batcher (tasks/taggingWindows.ts) and the series
// batcher (series/windows.ts) share this schedule and differ only in what a
// window holds; its position is what checkpoints save and restore.
//
// Dimension legend: B streams, T window length.

import { CorpusError } from './tokenizer';
import { Rng, type RngState } from './rng';

export interface BatcherPosition {
  epoch: number;
  /** Next window index within the epoch. */
  window: number;
  /** Where the streams start this epoch, in units (tokens, rows) from their segment start. */
  shift: number;
  rng: RngState;
}

export class StreamSchedule {
  readonly windowsPerEpoch: number;
  private position: BatcherPosition;
  private readonly rng: Rng;
  private readonly initialRng: RngState;

  constructor(
    /** Units each stream owns. */
    readonly segment: number,
    readonly seqLen: number,
    seed: number,
    /** What a refused position does not fit: "this corpus", "this series". */
    private readonly what: string,
  ) {
    this.windowsPerEpoch = Math.floor(segment / seqLen);
    this.rng = new Rng((seed ^ 0x9e3779b9) >>> 0);
    this.initialRng = this.rng.getState();
    this.position = { epoch: 0, window: 0, shift: 0, rng: this.initialRng };
  }

  /** Offset of the next window in every stream's segment, and whether it starts an epoch. */
  advance(): { start: number; startsEpoch: boolean } {
    const startsEpoch = this.position.window === 0;
    if (startsEpoch && this.position.epoch > 0) {
      this.position.shift = this.rng.int(this.maxShift + 1);
      this.position.rng = this.rng.getState();
    }
    const start = this.position.shift + this.position.window * this.seqLen;
    this.position.window++;
    if (this.position.window === this.windowsPerEpoch) {
      this.position.window = 0;
      this.position.epoch++;
    }
    return { start, startsEpoch };
  }

  /** Back to the first window of the first epoch. */
  reset(): void {
    this.rng.setState(this.initialRng);
    this.position = { epoch: 0, window: 0, shift: 0, rng: this.initialRng };
  }

  getPosition(): BatcherPosition {
    return { ...this.position, rng: { ...this.position.rng } };
  }

  setPosition(p: BatcherPosition): void {
    // A shift past the slack would read windows beyond a stream's segment (or the data).
    const whole = (x: number, hi: number) => Number.isInteger(x) && x >= 0 && x <= hi;
    if (
      !whole(p.window, this.windowsPerEpoch - 1) ||
      !whole(p.shift, this.maxShift) ||
      !whole(p.epoch, Number.MAX_SAFE_INTEGER)
    ) {
      throw new CorpusError(`the saved stream position does not fit ${this.what} and batch shape`);
    }
    this.position = { ...p, rng: { ...p.rng } };
    this.rng.setState(p.rng);
  }

  /** The slack a window grid leaves in a segment: the largest phase an epoch may start at. */
  private get maxShift(): number {
    return this.segment - this.windowsPerEpoch * this.seqLen;
  }
}
