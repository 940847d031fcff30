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
  /** The lowest validation loss so far and its step (early stopping's best weights). */
  bestValidation?: { step: number; loss: number } | null;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = () => ({
  device: null,
  backend: null,
  parameters: 0,
  modelRunId: null,
  status: { ready: false, building: false, training: false, step: 0 },
  engineError: null,
  bestValidation: null,
});
