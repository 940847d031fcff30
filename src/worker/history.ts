// The loss curves of the run in the worker, kept so a checkpoint can carry
// them: a resumed run shows the curve it had, not an empty chart. Training
// losses are thinned by pairwise averaging once there are many, so the
// record stays small however long a run trains.
//
// Dimension legend: none (scalars per step).

import type { MetricsReport } from '../engine/training/events';
import type { MetricsMessage } from './protocol';

/** Most training points kept; past this, neighbours are averaged in pairs. */
const MAX_TRAIN_POINTS = 4000;

export interface HistoryRecord {
  /** Interleaved (step, loss in nats) pairs. */
  train: number[];
  validation: number[];
}

export class LossHistory {
  private train: number[] = [];
  private validation: number[] = [];

  clear(): void {
    this.train = [];
    this.validation = [];
  }

  add(message: Pick<MetricsReport, 'train' | 'validation'>): void {
    for (const x of message.train) this.train.push(x);
    for (const x of message.validation) this.validation.push(x);
    if (this.train.length > 2 * MAX_TRAIN_POINTS) this.train = halve(this.train);
  }

  /** After a rollback to `step`: the losses of the abandoned steps go. */
  truncate(step: number): void {
    const keep = (pairs: number[]) => {
      const out: number[] = [];
      for (let k = 0; k + 1 < pairs.length; k += 2) {
        if (pairs[k] <= step) out.push(pairs[k], pairs[k + 1]);
      }
      return out;
    };
    this.train = keep(this.train);
    this.validation = keep(this.validation);
  }

  /** The last validation loss, or the last training loss before any validation. */
  get lastLoss(): number | undefined {
    const series = this.validation.length > 0 ? this.validation : this.train;
    return series.length > 0 ? series[series.length - 1] : undefined;
  }

  toJSON(): HistoryRecord {
    return { train: this.train.slice(), validation: this.validation.slice() };
  }

  /** Replaces the history with a saved one; a malformed record leaves it empty. */
  restore(text: string | undefined): void {
    this.clear();
    if (!text) return;
    try {
      const raw = JSON.parse(text) as Partial<HistoryRecord>;
      const pairs = (xs: unknown) =>
        Array.isArray(xs) && xs.length % 2 === 0 && xs.every((x) => typeof x === 'number')
          ? (xs as number[])
          : [];
      this.train = pairs(raw.train);
      this.validation = pairs(raw.validation);
    } catch {
      // A curve is a nicety: a checkpoint whose history does not parse still resumes.
    }
  }

  /** The whole history as one metrics message, to redraw a resumed run's curves. */
  asMessage(step: number, epoch: number, elapsedMs: number): MetricsMessage {
    return {
      type: 'metrics',
      step,
      epoch,
      elapsedMs,
      tokensPerSecond: 0,
      train: Float64Array.from(this.train),
      validation: Float64Array.from(this.validation),
    };
  }
}

/** Averages neighbouring (step, loss) pairs, keeping the later step of each. */
function halve(pairs: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k + 3 < pairs.length; k += 4) {
    out.push(pairs[k + 2], (pairs[k + 1] + pairs[k + 3]) / 2);
  }
  if ((pairs.length / 2) % 2 === 1) out.push(pairs[pairs.length - 2], pairs[pairs.length - 1]);
  return out;
}
