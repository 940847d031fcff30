// Compare runs on the page: the models the worker trains side by side (one
// when not comparing), which of them the panels act on, and whether the
// compared models are sized to the first one's parameter count.

import type { StateCreator } from 'zustand';
import type { RecallReport } from '../engine/training/events';
import type { ComparedModel, EngineMessageOf, ProbeMessage } from '../worker/protocol';

type RecallMessage = EngineMessageOf<'recall'>;
import type { AppState } from './app';

export interface CompareSlice {
  /** The models in training, as the worker last announced them; [] before the first. */
  compareModels: ComparedModel[];
  /** The model the gates, samples, exports and saved runs are about (index in compareModels). */
  selectedModel: number;
  /** Size each compared model's H so its parameter count is about the first one's. */
  matchParams: boolean;
  /**
   * Each model's latest recall accuracy (by model index) on a delayed-recall
   * text, measured with each validation run; {} on any other text.
   */
  recall: Record<number, RecallReport>;
}

export const createCompareSlice: StateCreator<AppState, [], [], CompareSlice> = () => ({
  compareModels: [],
  selectedModel: 0,
  matchParams: false,
  recall: {},
});

/**
 * The latest snapshot of each model, so picking one shows its gates at once
 * rather than after its next snapshot. Outside the store: only the selected
 * model's snapshot is shown.
 */
export const latestSnapshots = new Map<number, ProbeMessage>();

type Recall = CompareSlice['recall'];

/** A model's new recall accuracy (a 'recall' message) replaces its last. */
export function addRecall(all: Recall, message: RecallMessage): Recall {
  const { step, accuracy, positions, chance } = message;
  return { ...all, [message.model ?? 0]: { step, accuracy, positions, chance } };
}

/** After `model` rolled back to `step`: a recall measured on an abandoned step goes. */
export function recallUpTo(all: Recall, model: number, step: number): Recall {
  const current = all[model];
  if (!current || current.step <= step) return all;
  const rest = { ...all };
  delete rest[model];
  return rest;
}
