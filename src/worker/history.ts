// The loss curves of the run in the worker, kept so a checkpoint can carry
// them: a resumed run shows the curve it had, not an empty chart. Training
// losses are thinned by pairwise averaging once there are many, so the
// record stays small however long a run trains. The learning rate of each
// step is kept beside them (thinned the same way, keeping the later rate of
// each pair: the rate is a stepped line, not noise to average).
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
  /** Interleaved (step, learning rate) pairs; absent from records saved before rates were kept. */
  learningRates?: number[];
}

export class LossHistory {
  private train: number[] = [];
  private validation: number[] = [];
  private learningRates: number[] = [];

  clear(): void {
    this.train = [];
    this.validation = [];
    this.learningRates = [];
  }

  add(message: Pick<MetricsReport, 'train' | 'validation' | 'learningRates'>): void {
    for (const x of message.train) this.train.push(x);
    for (const x of message.validation) this.validation.push(x);
    for (const x of message.learningRates ?? []) this.learningRates.push(x);
    if (this.train.length > 2 * MAX_TRAIN_POINTS) this.train = halve(this.train);
    if (this.learningRates.length > 2 * MAX_TRAIN_POINTS) {
      this.learningRates = halve(this.learningRates, true);
    }
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
    this.learningRates = keep(this.learningRates);
  }

  /** The last validation loss, or the last training loss before any validation. */
  get lastLoss(): number | undefined {
    const series = this.validation.length > 0 ? this.validation : this.train;
    return series.length > 0 ? series[series.length - 1] : undefined;
  }

  toJSON(): HistoryRecord {
    const record: HistoryRecord = {
      train: this.train.slice(),
      validation: this.validation.slice(),
    };
    if (this.learningRates.length > 0) record.learningRates = this.learningRates.slice();
    return record;
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
      this.learningRates = pairs(raw.learningRates);
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
      ...(this.learningRates.length > 0 && {
        learningRates: Float64Array.from(this.learningRates),
      }),
    };
  }
}

/**
 * Neighbouring (step, value) pairs made one, at the later step: their
 * average, or with `later` the later value (a learning rate's steps stay sharp).
 */
function halve(pairs: number[], later = false): number[] {
  const out: number[] = [];
  for (let k = 0; k + 3 < pairs.length; k += 4) {
    out.push(pairs[k + 2], later ? pairs[k + 3] : (pairs[k + 1] + pairs[k + 3]) / 2);
  }
  if ((pairs.length / 2) % 2 === 1) out.push(pairs[pairs.length - 2], pairs[pairs.length - 1]);
  return out;
}
