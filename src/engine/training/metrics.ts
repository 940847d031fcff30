// Loss reporting for the training loop: the (step, loss) pairs gathered since
// the last report (with each step's gradient norm and learning rate), sent at most once per metrics interval while training (a
// GPU step can finish every few milliseconds; the page needs a few reports a
// second) and at once when paused, and the training clock (pauses excluded).
//
// Dimension legend: none (scalars per step).

export class MetricsThrottle {
  /** Interleaved (step, loss) pairs not reported yet. */
  private train: number[] = [];
  private validation: number[] = [];
  /** Interleaved (step, gradient norm, clipped 1/0) of the same steps as `train`. */
  private gradNorms: number[] = [];
  /** Interleaved (step, learning rate the step used) of the same steps as `train`. */
  private learningRates: number[] = [];
  private lastReportAt = 0;
  /** Something changed since the last report (losses, a pause, a rollback). */
  dirty = false;

  constructor(private readonly intervalMs: number) {}

  /**
   * A step's loss, its gradient norm before clipping, whether clipping scaled
   * it, and the learning rate it used (its schedule's, after any rollback).
   */
  addTrain(step: number, loss: number, gradNorm = NaN, clipped = false, learningRate = NaN): void {
    this.train.push(step, loss);
    this.gradNorms.push(step, gradNorm, clipped ? 1 : 0);
    this.learningRates.push(step, learningRate);
    this.dirty = true;
  }

  addValidation(step: number, loss: number): void {
    this.validation.push(step, loss);
    this.dirty = true;
  }

  /** A report is owed, and while training the interval since the last one has passed. */
  due(now: number, training: boolean): boolean {
    return this.dirty && (!training || now - this.lastReportAt >= this.intervalMs);
  }

  /** The pairs gathered since the last report; the next report starts empty. */
  take(now: number): {
    train: Float64Array;
    validation: Float64Array;
    gradNorms: Float64Array;
    learningRates: Float64Array;
  } {
    this.lastReportAt = now;
    this.dirty = false;
    const taken = {
      train: Float64Array.from(this.train),
      validation: Float64Array.from(this.validation),
      gradNorms: Float64Array.from(this.gradNorms),
      learningRates: Float64Array.from(this.learningRates),
    };
    this.train = [];
    this.validation = [];
    this.gradNorms = [];
    this.learningRates = [];
    return taken;
  }

  /** After a rollback to `step`: the abandoned steps' losses are never reported. */
  dropAfter(step: number): void {
    this.train = pairsUpTo(this.train, step);
    this.validation = pairsUpTo(this.validation, step);
    this.gradNorms = tuplesUpTo(this.gradNorms, 3, step);
    this.learningRates = pairsUpTo(this.learningRates, step);
    this.dirty = true;
  }
}

/** Time spent training, pauses excluded; kept in checkpoints so a resumed run goes on counting. */
export class TrainingClock {
  private spentMs = 0;
  private startedAt = 0;

  start(now: number): void {
    this.startedAt = now;
  }

  stop(now: number): void {
    this.spentMs += now - this.startedAt;
  }

  /** Training time up to `now`; `running` counts the stretch since the last start. */
  elapsed(now: number, running: boolean): number {
    return this.spentMs + (running ? now - this.startedAt : 0);
  }

  restore(elapsedMs: number): void {
    this.spentMs = elapsedMs;
  }
}

/** (step, value) pairs with step ≤ `step`. */
function pairsUpTo(pairs: number[], step: number): number[] {
  return tuplesUpTo(pairs, 2, step);
}

/** Interleaved tuples of `width` numbers, step first, with step ≤ `step`. */
function tuplesUpTo(values: number[], width: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 0; k + width - 1 < values.length; k += width) {
    if (values[k] <= step) out.push(...values.slice(k, k + width));
  }
  return out;
}
