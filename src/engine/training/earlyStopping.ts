// Early stopping with best weights, for the training loop: after each
// validation run the loop asks `judge` what the validation loss means. A new
// best (strictly lower than every earlier one) is kept: the loop copies the
// weights into the backend's best-weights slot (keepBest, a device copy) and
// the count of validations without improvement starts over. Any other loss
// (equal, higher, NaN) counts one; once the count reaches `patience` (> 0;
// 0 turns stopping off, the best is still kept for the exports) training
// stops and the best weights are put back.
//
// What counts: only validations on the validation grid (step a multiple of
// `validateEvery`, step 0 included) and each step once. A resumed checkpoint
// is validated at once where it stands: at a step the saved run had already
// judged, or off the grid, that run is drawn on the curve but not counted, so
// a resumed run stops exactly where the uninterrupted run would.
//
// Decisions:
//   - The count restarts at a stop: pressing Train again continues from the
//     best weights (with the optimizer's moments and step as they were) and
//     allows `patience` more validations without improvement.
//   - Patience changed live applies at the next validation: lowered to or
//     below the current count, training stops there (unless it is a new best).
//   - A rollback after divergence (divergence.ts) to step s forgets the
//     judged validations after s (they are replayed and judged again) but
//     keeps the best, even one from after s: its weights are real, finite
//     and were measured on the same validation windows. Replayed validations
//     must beat it to replace it.
//
// Dimension legend: none (steps and losses).

/** What a checkpoint keeps of early stopping (the best weights travel apart, as tensors). */
export interface EarlyStoppingState {
  /** Step of the best validation so far; null before the first. */
  bestStep: number | null;
  /** Its validation loss (nats); null before the first. */
  bestLoss: number | null;
  /** Steps of the validations since the best that did not improve on it, oldest first. */
  withoutImprovement: number[];
  /** The last step judged (-1: none). */
  lastJudged: number;
}

/** A new best validation loss (`step`, `loss` in nats). */
export interface BestReport {
  step: number;
  loss: number;
}

/**
 * Training stopped at `step` after `patience` validations without improvement
 * and went back to the weights of `bestStep` (validation loss `bestLoss`).
 * `message` says so for the person.
 */
export interface EarlyStopReport {
  step: number;
  bestStep: number;
  bestLoss: number;
  patience: number;
  message: string;
}

export type Verdict = 'best' | 'worse' | 'stop' | 'ignored';

export class EarlyStopping {
  private bestStep: number | null = null;
  private bestLoss: number | null = null;
  private withoutImprovement: number[] = [];
  private lastJudged = -1;

  constructor(private readonly onGrid: (step: number) => boolean) {}

  get best(): BestReport | null {
    if (this.bestStep === null || this.bestLoss === null) return null;
    return { step: this.bestStep, loss: this.bestLoss };
  }

  /** Validations since the best without improvement. */
  get count(): number {
    return this.withoutImprovement.length;
  }

  /**
   * The validation loss at `step`: a new best (keep the weights), not one
   * ('worse'), the one that exhausts `patience` ('stop': the count starts
   * over), or 'ignored' (off the grid, or a step already judged).
   */
  judge(step: number, loss: number, patience: number): Verdict {
    if (!this.onGrid(step) || step <= this.lastJudged) return 'ignored';
    this.lastJudged = step;
    if (this.bestLoss === null || loss < this.bestLoss) {
      this.bestStep = step;
      this.bestLoss = loss;
      this.withoutImprovement = [];
      return 'best';
    }
    this.withoutImprovement.push(step);
    if (patience > 0 && this.withoutImprovement.length >= patience) {
      this.withoutImprovement = [];
      return 'stop';
    }
    return 'worse';
  }

  /** After a rollback to `step`: validations after it were of abandoned models (the best stays). */
  rewind(step: number): void {
    this.lastJudged = Math.min(this.lastJudged, step);
    this.withoutImprovement = this.withoutImprovement.filter((s) => s <= step);
  }

  /** What the person reads about a stop at `step`. */
  stopReport(step: number, patience: number): EarlyStopReport {
    const best = this.best;
    if (!best) throw new Error('early stopping without a best validation');
    const loss = best.loss.toFixed(3);
    return {
      step,
      bestStep: best.step,
      bestLoss: best.loss,
      patience,
      message:
        `early stopping at step ${step}: the validation loss has not improved for ${patience} ` +
        `validation${patience === 1 ? '' : 's'}; the weights are back to step ${best.step} ` +
        `(best validation loss ${loss}). Train continues from there`,
    };
  }

  get state(): EarlyStoppingState {
    return {
      bestStep: this.bestStep,
      bestLoss: this.bestLoss,
      withoutImprovement: this.withoutImprovement.slice(),
      lastJudged: this.lastJudged,
    };
  }

  restore(state: EarlyStoppingState): void {
    this.bestStep = state.bestStep;
    this.bestLoss = state.bestLoss;
    this.withoutImprovement = state.withoutImprovement.slice();
    this.lastJudged = state.lastJudged;
  }
}
