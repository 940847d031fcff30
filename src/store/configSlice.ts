// The run configuration: what the model in the worker was built from, and a
// proposed change that would reset it, waiting for the person to confirm.

import type { StateCreator } from 'zustand';
import { DEFAULT_RUN_CONFIG } from '../engine/settings';
import type { ModelSettings, RunConfig } from '../worker/protocol';
import type { AppState } from './app';
import { readHash } from './urlHash';

export interface ConfigSlice {
  config: RunConfig;
  /**
   * A change that needs a fresh model, shown in a confirmation dialog;
   * `compare`: the models to compare beside the first, when that changes.
   */
  pendingConfig: { config: RunConfig; changes: string[]; compare?: ModelSettings[] } | null;
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
    DEFAULT_RUN_CONFIG,
  );
  return {
    config: fromLink.config,
    ignoredSettings: fromLink.ignored,
    pendingConfig: null,
    pendingCorpus: null,
    configRevision: 0,
  };
};
