// What the training loop tells the world, as typed events. The engine knows
// nothing of the page or of messages: the worker implements this interface
// (worker/trainingWire.ts turns each event into the page's message), and a
// test can implement it to watch the loop directly.
//
// Dimension legend: P length of the probe text (see ProbeSnapshot).

import type { GradientFlow } from '../backend';
import type { CellType, SignalKey } from '../cells';
import type { ProbeSnapshot } from '../snapshot';
import type { BestReport, EarlyStopReport } from './earlyStopping';
import type { RecallReport } from './recall';

export type { RecallReport } from './recall';
export type { BestReport, EarlyStopReport } from './earlyStopping';

/** New losses since the previous report, plus the running figures. */
export interface MetricsReport {
  step: number;
  epoch: number;
  /** Time spent training (pauses excluded). */
  elapsedMs: number;
  tokensPerSecond: number;
  /** Interleaved (step, loss in nats) pairs of training steps. */
  train: Float64Array;
  /** Interleaved (step, loss in nats) pairs of validation runs. */
  validation: Float64Array;
  /**
   * Interleaved (step, global gradient norm before clipping, clipped 1/0)
   * triples of the same training steps; absent from a replayed history.
   */
  gradNorms?: Float64Array;
  /**
   * Interleaved (step, learning rate the step used) pairs of the same
   * training steps: the schedule's rate, halved by any rollback; absent from
   * a history saved before rates were kept.
   */
  learningRates?: Float64Array;
}

/** One gate's share of activations at its rails over the probe text (diagnostics.ts). */
export interface GateSaturation {
  signal: SignalKey;
  /** Share below 0.1 (σ gates) or below −0.9 (tanh signals). */
  low: number;
  /** Share above 0.9. */
  high: number;
}

/**
 * What the diagnostics measured at one gate snapshot: the gradient flow over
 * the fixed probe window (T = seqLen) and the gate saturation on the probe text.
 */
export interface DiagnosticsReport {
  step: number;
  cell: CellType;
  /** T of the gradient-flow window: each flow array has this length. */
  seqLen: number;
  /** Null when the backend cannot measure it (flowProblem says why). */
  flow: GradientFlow | null;
  flowProblem: string | null;
  /** Per layer, bottom first, per measured signal; null when the probe text cannot be probed. */
  saturation: GateSaturation[][] | null;
}

/**
 * Training diverged at `fromStep` and went back to the snapshot of `toStep`
 * with the learning rate halved to `learningRate`: losses past `toStep`
 * belong to abandoned steps. `message` says so for the person.
 */
export interface RollbackReport {
  fromStep: number;
  toStep: number;
  learningRate: number;
  message: string;
}

/**
 * A tagging or forecast model's scores on the whole validation split, with
 * each validation run (the loss itself travels in MetricsReport).
 * Tagging: class 1 (a space after, upper case) is the positive class of
 * precision, recall and F1 (src/tasks/taggingMetrics.ts). Forecast: errors of
 * the one-step predictions in normalised units, averaged over the target
 * columns (the units of the baselines' mseNormalized and maeNormalized).
 */
export type TaskScoresReport =
  | {
      kind: 'tagging';
      step: number;
      accuracy: number;
      precision: number;
      recall: number;
      f1: number;
    }
  | {
      kind: 'forecast';
      step: number;
      mse: number;
      mae: number;
      /** (Co) Each target column's own, in the layout's order (`mse`, `mae`: their mean). */
      perTarget: ForecastErrors[];
    };

/** Errors of one-step forecasts in normalised units. */
export interface ForecastErrors {
  mse: number;
  mae: number;
}

/**
 * What the forecast chart draws for each target column, in the column's own
 * units, at the probe cadence. Rows are the series' data rows (0-based).
 *
 *   actual    rows start … start + N − 1: the history before the validation
 *             split, and the held-out values after it
 *   oneStep   the same rows: the model's prediction of each row from the rows
 *             before it (state built from up to oneStepWarmUp rows
 *             before `start`), NaN at row 0
 *   rollout   rows validationStart … validationStart + R − 1: the model fed
 *             its own predictions of the target columns (the other input
 *             columns, known covariates, take their actual values)
 */
export interface ForecastReport {
  step: number;
  start: number;
  /** First validation row: where the held-out part and the rollout begin. */
  validationStart: number;
  /** The series' row count: where each column's `future` begins. */
  seriesRows: number;
  /** (Co) One per target column, in the layout's order: the chart draws the one chosen. */
  columns: ForecastColumn[];
}

/** One target column's lines of the forecast chart, in the column's own units. */
export interface ForecastColumn {
  name: string;
  actual: Float64Array; // (N)
  oneStep: Float64Array; // (N)
  rollout: Float64Array; // (R)
  /**
   * (F) The rollout from the last row on: what comes after the series. Empty
   * when an input column is not a target (its future values are unknown).
   */
  future: Float64Array;
}

/** Whether the loop trains, and at which step the model is. */
export interface LoopState {
  training: boolean;
  step: number;
}

export interface TrainingEvents {
  /** Losses and validation losses, throttled to one report per metrics interval. */
  metrics(report: MetricsReport): void;
  /** Training started or paused, or the step moved on (sent with every metrics report). */
  state(state: LoopState): void;
  /** A gate snapshot of the probe text. */
  probe(snapshot: ProbeSnapshot): void;
  /** Gradient flow and gate saturation, measured with each gate snapshot. */
  diagnostics(report: DiagnosticsReport): void;
  /** Recall accuracy on a memory task, with each validation run (only when the loop scores it). */
  recall?(report: RecallReport): void;
  /** Tagging and forecast models: validation scores, with each validation run. */
  taskScores?(report: TaskScoresReport): void;
  /** Forecast models: the forecast chart's series, at the probe cadence. */
  forecast?(report: ForecastReport): void;
  /** The probe text cannot be probed (no character of it is in the vocabulary). */
  probeError(message: string): void;
  /** The next characters of generation `id`; `done` on the last chunk (or a stop). */
  sampleChunk(id: number, text: string, done: boolean): void;
  /** Generation `id` cannot run (its request's fault); training goes on. */
  sampleError(id: number, message: string): void;
  /** Divergence rolled the run back (the model, the stream position, the learning rate). */
  rollback(report: RollbackReport): void;
  /**
   * A new best validation loss: its weights are in the backend's best-weights
   * slot (what exports use). Also sent once a restored checkpoint's best is in place.
   */
  best(report: BestReport): void;
  /** Early stopping paused training and put the best weights back (earlyStopping.ts). */
  earlyStopped(report: EarlyStopReport): void;
  /**
   * A backend operation failed (or divergence could not be survived): the loop
   * has stopped itself. `wasTraining` says whether it was running, not paused.
   */
  failed(error: unknown, wasTraining: boolean): void;
}
