// The run configuration: what the model in the worker was built from, and a
// proposed change that would reset it, waiting for the person to confirm.

import type { StateCreator } from 'zustand';
import { DEFAULT_OPTIMIZER, DEFAULT_TRAIN } from '../engine/config';
import type { RunConfig } from '../worker/protocol';
import type { AppState } from './app';
import { readHash } from './urlHash';

/**
 * Smaller than the engine's defaults: it trains visibly within seconds even on
 * the CPU fallback, yet is big enough to learn the built-in corpora.
 */
export const UI_DEFAULT_CONFIG: RunConfig = {
  model: { embedSize: 32, hiddenSize: 128, layers: 1 },
  train: {
    ...DEFAULT_TRAIN,
    seqLen: 48,
    batchSize: 16,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 5e-3 },
  },
  backend: 'auto',
};

export interface ConfigSlice {
  config: RunConfig;
  /** A change that needs a fresh model, shown in a confirmation dialog. */
  pendingConfig: { config: RunConfig; changes: string[] } | null;
  /**
   * A new corpus waiting for the same confirmation: `apply` sends it to the
   * engine; `keep` runs when the person keeps the current model instead.
   */
  pendingCorpus: { name: string; apply: () => void; keep?: () => void } | null;
  /** Settings of the page's link that were malformed and ignored, each with why. */
  ignoredSettings: string[];
  /** Bumped when edits are abandoned, so the form shows the configuration in use again. */
  configRevision: number;
}

export const createConfigSlice: StateCreator<AppState, [], [], ConfigSlice> = () => {
  const fromLink = readHash(
    typeof location === 'undefined' ? '' : location.hash,
    UI_DEFAULT_CONFIG,
  );
  return {
    config: fromLink.config,
    ignoredSettings: fromLink.ignored,
    pendingConfig: null,
    pendingCorpus: null,
    configRevision: 0,
  };
};
