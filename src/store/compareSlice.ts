// Compare runs on the page: the models the worker trains side by side (one
// when not comparing), which of them the panels act on, and whether the
// compared models are sized to the first one's parameter count.

import type { StateCreator } from 'zustand';
import type { ComparedModel, ProbeMessage } from '../worker/protocol';
import type { AppState } from './app';

export interface CompareSlice {
  /** The models in training, as the worker last announced them; [] before the first. */
  compareModels: ComparedModel[];
  /** The model the gates, samples, exports and saved runs are about (index in compareModels). */
  selectedModel: number;
  /** Size each compared model's H so its parameter count is about the first one's. */
  matchParams: boolean;
}

export const createCompareSlice: StateCreator<AppState, [], [], CompareSlice> = () => ({
  compareModels: [],
  selectedModel: 0,
  matchParams: false,
});

/**
 * The latest snapshot of each model, so picking one shows its gates at once
 * rather than after its next snapshot. Outside the store: only the selected
 * model's snapshot is shown.
 */
export const latestSnapshots = new Map<number, ProbeMessage>();
