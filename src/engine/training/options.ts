// The training loop's settings and the progress it keeps beyond the backend.
//
// Dimension legend: none (steps and milliseconds).

import type { RecallTask } from './recall';

export interface TrainerOptions {
  /** Validate after every this many steps (and once before the first step). */
  validateEvery: number;
  /** At most this many windows per stream in a validation run, to keep it short. */
  maxValidationWindows: number;
  /** Least time between two gate snapshots while training. */
  probeIntervalMs: number;
  /**
   * Most share of the loop's time the snapshots take while training (with
   * their diagnostics and the forecast chart): a slow one, as a chart of a
   * long series or a large model's probe on a slow adapter is, spaces the next
   * out, so the views slow down rather than the training.
   */
  probeShare: number;
  /** Least time between two metrics reports. */
  metricsIntervalMs: number;
  /** Longest stretch of queued steps before the loop waits for losses and yields. */
  tickBudgetMs: number;
  /**
   * Take an in-memory snapshot (for rollback after divergence) at least this
   * many steps after the previous one, once that one is known good.
   */
  snapshotEvery: number;
  /**
   * Whether training may take its next step now; absent, always. Models
   * compared in one worker (worker/session.ts) take turns through it, one step
   * each (with tickBudgetMs 0), so they stay at the same step count.
   */
  stepTurn?: () => boolean;
  /**
   * On a memory task: score recall accuracy on the validation text with each
   * validation run (recall.ts). Absent for any other text.
   */
  recall?: RecallTask;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  validateEvery: 25,
  maxValidationWindows: 4,
  probeIntervalMs: 800,
  probeShare: 0.2,
  metricsIntervalMs: 250,
  tickBudgetMs: 24,
  snapshotEvery: 25,
};

/** Where a run stands beyond the backend's own state: kept in checkpoints for the UI. */
export interface TrainerProgress {
  epoch: number;
  /** Time spent training (pauses excluded). */
  elapsedMs: number;
}
