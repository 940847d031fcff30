// What the training loop trains on, whatever the task: a source of training
// windows that follows the stream schedule (streamSchedule.ts: the text
// Batcher, the TaggingBatcher of src/tasks and the series batcher of
// src/series all do), the validation windows, the gradient-flow window, how
// the probe text becomes a gate snapshot, and the task's own jobs (scores
// with each validation, a forecast chart at the probe cadence). The loop
// (trainer.ts) is one loop for every task; only this bundle differs.
// `textData` builds it for next-character prediction; src/tasks and
// src/series build the others.
//
// Dimension legend: B batch, T window, V vocabulary, P probe length.

import type { Backend, Batch, LayerActivations } from '../backend';
import { CELLS, type CellType } from '../cells';
import { validationBatches, type Split } from '../batcher';
import { Batcher } from '../batcher';
import type { TrainConfig } from '../config';
import { probeSnapshot, type ProbeOutcome } from '../snapshot';
import type { BatcherPosition } from '../streamSchedule';
import type { Vocabulary } from '../tokenizer';
import { probeWindow } from './diagnostics';
import type { TaskScoresReport, TrainingEvents } from './events';
import type { TrainerOptions } from './options';
import { RecallCheck } from './recall';

/** Training windows in the stream schedule's order; its position is what checkpoints save. */
export interface BatchSource {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly windowsPerEpoch: number;
  /** The next window; `startsEpoch`: the carried state (if any) must be zeroed first. */
  next(): { batch: Batch; startsEpoch: boolean };
  /** Back to the first window of the first epoch. */
  reset(): void;
  getPosition(): BatcherPosition;
  setPosition(p: BatcherPosition): void;
}

/** A task's figures with each validation run (tagging accuracy/F1, forecast MSE/MAE). */
export interface TaskScorer {
  run(backend: Backend): Promise<TaskScoresReport | null>;
}

/**
 * What the gates are shown over: the person's probe text, and for a forecast
 * the first row of the stretch (null: where the validation rows start).
 */
export interface ProbeSubject {
  text: string;
  fromRow: number | null;
}

/** A job at the probe cadence beside the gate snapshot (the forecast chart). */
export interface ProbeCompanion {
  take(backend: Backend, events: TrainingEvents): Promise<void>;
}

export interface TrainingData {
  batches: BatchSource;
  /** Consecutive validation windows of the held-out part (the validation loss); may be empty. */
  validation: Batch[];
  /** The gradient-flow window; null when the model has none (bidirectional). */
  flowWindow: Batch | null;
  /** Why there is no gradient flow, when flowWindow is null. */
  flowProblem?: string;
  /**
   * The gate snapshot of the probe text, or of a stretch of a series (from
   * `subject.fromRow`, whatever the text). `needsText`: no snapshot while the
   * probe text is empty.
   */
  probe: {
    needsText: boolean;
    take(backend: Backend, subject: ProbeSubject): Promise<ProbeOutcome>;
  };
  /** Sampling: the vocabulary of a language model, or why this model cannot sample. */
  sampling: { vocab: Vocabulary } | { refusal: string };
  recall?: RecallCheck | null;
  scores?: TaskScorer | null;
  companion?: ProbeCompanion | null;
}

/** The bundle of a next-character model on a text split (what the trainer always trained on). */
export function textData(
  vocab: Vocabulary,
  split: Split,
  { batchSize: B, seqLen: T, seed }: TrainConfig,
  options: TrainerOptions,
): TrainingData {
  return {
    batches: new Batcher(split.train, B, T, seed),
    validation: validationBatches(split.validation, B, T, options.maxValidationWindows),
    flowWindow: probeWindow(split.train, B, T),
    probe: { needsText: true, take: (backend, { text }) => probeSnapshot(backend, vocab, text) },
    sampling: { vocab },
    recall: options.recall ? new RecallCheck(split.validation, options.recall) : null,
  };
}

/** Whether the trainer was given a ready bundle or a text split. */
export function isTrainingData(x: Split | TrainingData): x is TrainingData {
  return 'batches' in x;
}

/**
 * Copies of a probe's layers, each (P, H), for a snapshot: posting transfers
 * them, and the backend may reuse its own buffers.
 */
export function copyLayers(layers: LayerActivations[], cell: CellType): LayerActivations[] {
  return layers.map((l) =>
    Object.fromEntries(CELLS[cell].signals.map((key) => [key, l[key]!.slice()])),
  );
}
