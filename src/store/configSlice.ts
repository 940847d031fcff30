// The run configuration: what the model in the worker was built from, a
// proposed change that would reset it, waiting for the person to confirm, and
// how a built-in corpus's preset settings (corpora/index.ts) are written into it.

import type { StateCreator } from 'zustand';
import {
  accepts,
  allowedText,
  DEFAULT_RUN_CONFIG,
  SETTINGS,
  writeSetting,
} from '../engine/settings';
import type { Setting } from '../engine/configSchema';
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

/** A preset: values by configSchema.ts key (BuiltinCorpus.settings). */
export type Preset = Readonly<Record<string, number | string>>;

function presetEntries(preset: Preset): { setting: Setting; value: number | string }[] {
  return Object.entries(preset).map(([key, value]) => {
    const setting = SETTINGS.find((s) => s.key === key);
    // A preset is written in code: a wrong key or value is a bug to hear of at once.
    if (!setting) throw new Error(`preset setting ${key} is not a setting`);
    if (!accepts(setting, value)) {
      throw new Error(`preset setting ${key} must be ${allowedText(setting)}, got ${value}`);
    }
    return { setting, value };
  });
}

/** `config` with every setting of `preset` written through the schema. */
export function withPreset(config: RunConfig, preset: Preset): RunConfig {
  return presetEntries(preset).reduce(
    (c, { setting, value }) => writeSetting(c, setting, value),
    config,
  );
}

/** The preset in words, by the panel's labels: "Hidden H 256, Validation share 0.25". */
export function presetSummary(preset: Preset): string {
  return presetEntries(preset)
    .map(({ setting, value }) => {
      const shown =
        setting.kind === 'enum'
          ? (setting.options.find((o) => o.value === value)?.label ?? value)
          : value;
      return `${setting.label} ${shown}`;
    })
    .join(', ');
}
