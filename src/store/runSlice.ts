// What the engine reports about itself: the WebGPU detection, the backend in
// use (and why the CPU, when it is the fallback), and the run's status.

import type { StateCreator } from 'zustand';
import type { ActiveBackend, DeviceReport, RunStatus } from '../worker/protocol';
import type { AppState } from './app';

export interface RunSlice {
  device: DeviceReport | null;
  backend: ActiveBackend | null;
  parameters: number;
  /** The run the model in the worker belongs to (its saved-run id). */
  modelRunId: string | null;
  status: RunStatus;
  /** The last engine error, shown until dismissed or replaced. */
  engineError: string | null;
  /**
   * The selected model's best validation so far (step, loss in nats): the
   * weights the exports write by default, and the loss chart's best-step
   * marker. Null before the first validation (or with no validation text).
   */
  bestValidation: BestValidation | null;
  /** Every model's best validation, by model index (the worker's); {} before any. */
  bestValidations: Record<number, BestValidation>;
}

/** A best validation: the step its weights are of and its loss in nats. */
export interface BestValidation {
  step: number;
  loss: number;
}

/**
 * Model `model`'s new best validation: the record gains it, and the
 * selected model's field follows when it is that model's.
 */
export function withBest(
  state: Pick<RunSlice, 'bestValidation' | 'bestValidations'> & { selectedModel: number },
  model: number,
  best: BestValidation,
): Pick<RunSlice, 'bestValidation' | 'bestValidations'> {
  return {
    bestValidations: { ...state.bestValidations, [model]: best },
    bestValidation: model === state.selectedModel ? best : state.bestValidation,
  };
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = () => ({
  device: null,
  backend: null,
  parameters: 0,
  modelRunId: null,
  status: { ready: false, building: false, training: false, step: 0 },
  engineError: null,
  bestValidation: null,
  bestValidations: {},
});
