// The models of a session's set (session.ts): what each one holds, how the
// set takes turns, how the page and the messages name a model, and the
// regularisation each one trains with: a compared model may carry its own
// (CompareSettings), which the run's live changes leave alone; the first
// model, and any without its own, follow the run's.
//
// Dimension legend: E embedding, H hidden, L layers.

import { CELLS } from '../engine/cells';
import type { RegularizationConfig, TrainConfig } from '../engine/config';
import { modelSettingsOf } from '../engine/settings';
import type { Vocabulary } from '../engine/tokenizer';
import type { Trainer } from '../engine/training/trainer';
import type { LossHistory } from './history';
import type { ActiveBackend, ComparedModel, ModelSettings } from './protocol';

/** The saved-run identity of a model being trained. */
export interface RunIdentity {
  id: string;
  name: string;
}

/** One model of the session's set, with its own trainer, run identity and curves. */
export interface SessionModel {
  /** Its place in the set: 0 is the model of `config`, k > 0 that of compare[k − 1]. */
  readonly index: number;
  readonly trainer: Trainer;
  run: RunIdentity;
  readonly history: LossHistory;
  readonly backend: ActiveBackend;
  readonly parameters: number;
  /** The tokens it reads (the derived input's for a tagger), kept by its checkpoints; null for a forecast. */
  readonly vocab: Vocabulary | null;
  /** Its own regularisation (a compared model's override); absent: it follows the run's. */
  readonly regularization?: RegularizationConfig;
}

/**
 * Round robin: `model` may take its next step when no other model of `set`
 * still training is behind it, so the set moves one step each in turn, none
 * ahead and none starved. False until the model is in place.
 */
export function inTurn(model: SessionModel | undefined, set: readonly SessionModel[]): boolean {
  if (!model) return false;
  const step = model.trainer.step;
  return set.every(
    (other) => other === model || !other.trainer.isTraining || other.trainer.step >= step,
  );
}

/** A model as the page's 'models' message lists it. */
export function describeModel(m: SessionModel): ComparedModel {
  return {
    model: modelSettingsOf(m.trainer.backend.model),
    parameters: m.parameters,
    backend: m.backend,
    runId: m.run.id,
    name: m.run.name,
    regularization: m.trainer.regularizationConfig,
    ownRegularization: m.regularization !== undefined,
  };
}

/** The training settings of a model of the set: the run's, with its own regularisation if any. */
export function trainConfigOf(
  run: TrainConfig,
  m: { regularization?: RegularizationConfig },
): TrainConfig {
  return m.regularization ? { ...run, regularization: m.regularization } : run;
}

/** How a message names a model of the set: "GRU H96". */
export function modelLabel(m: ModelSettings): string {
  return `${CELLS[m.cell].label} H${m.hiddenSize}`;
}
