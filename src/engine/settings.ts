// Reading the settings schema (configSchema.ts): whether a value is allowed
// and how to say what is, one setting of a RunConfig read or changed by its
// declaration, the one default configuration, and which changes need a fresh
// model. Every consumer of the schema goes through these, never through field
// names of its own.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { LiveSettings, ModelConfig, OptimizerConfig, RegularizationConfig } from './config';
import {
  SCHEMA,
  type EnumSetting,
  type EnumValues,
  type NumberRange,
  type NumberSetting,
  type RunConfig,
  type Setting,
  type SettingGroup,
} from './configSchema';

/** Every setting, in declaration order: also the panel's order and the link's. */
export const SETTINGS: readonly Setting[] = Object.entries(SCHEMA).map(([key, spec]) => ({
  key,
  ...(spec as NumberSetting | EnumSetting),
}));

/** The person's settings: in the shared link and in the settings panel. */
export const PERSON_SETTINGS = SETTINGS.filter(
  (s): s is Setting & { urlKey: string } => s.urlKey !== undefined,
);

export function settingsIn(group: SettingGroup): Setting[] {
  return SETTINGS.filter((s) => s.group === group);
}

/** Whether `value` is one the declaration allows (of the right type, in range). */
export function accepts(spec: NumberRange | EnumValues, value: unknown): boolean {
  if (spec.kind === 'enum') return spec.options.some((o) => o.value === value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.kind === 'integer' && !Number.isInteger(value)) return false;
  const aboveMin = spec.minExclusive ? value > spec.min : value >= spec.min;
  const belowMax = spec.maxExclusive ? value < spec.max : value <= spec.max;
  return aboveMin && belowMax;
}

/** What the declaration allows, for messages: "a whole number from 1 to 2048", "one of auto, cpu". */
export function allowedText(spec: NumberRange | EnumValues): string {
  if (spec.kind === 'enum') return `one of ${spec.options.map((o) => o.value).join(', ')}`;
  const what = spec.kind === 'integer' ? 'a whole number' : 'a number';
  if (!spec.minExclusive && !spec.maxExclusive && Number.isFinite(spec.max)) {
    return `${what} from ${spec.min} to ${spec.max}`;
  }
  const lower = `${spec.minExclusive ? '>' : '≥'} ${spec.min}`;
  if (!Number.isFinite(spec.max)) return `${what} ${lower}`;
  return `${what} ${lower} and ${spec.maxExclusive ? '<' : '≤'} ${spec.max}`;
}

/** The object of `config` that holds the settings of `group`, read by field name. */
function holderOf(config: RunConfig, group: SettingGroup): Record<string, unknown> {
  const holder =
    group === 'model'
      ? config.model
      : group === 'train'
        ? config.train
        : group === 'optimizer'
          ? config.train.optimizer
          : group === 'regularization'
            ? config.train.regularization
            : config;
  return holder as unknown as Record<string, unknown>;
}

export function readSetting(config: RunConfig, setting: Setting): unknown {
  return holderOf(config, setting.group)[setting.key];
}

/** `config` with one setting changed; `value` must be one `accepts` allows. */
export function writeSetting(config: RunConfig, setting: Setting, value: unknown): RunConfig {
  const next = runConfigFrom((s) => readSetting(config, s));
  holderOf(next, setting.group)[setting.key] = value;
  return next;
}

/** A fresh object holding exactly the settings of `group`, each from `read`. */
function groupFrom(group: SettingGroup, read: (setting: Setting) => unknown): object {
  return Object.fromEntries(settingsIn(group).map((s) => [s.key, read(s)]));
}

/**
 * A fresh RunConfig holding exactly the declared settings, each from `read`:
 * nothing else the source carries (extra keys, prototypes) travels on.
 */
export function runConfigFrom(read: (setting: Setting) => unknown): RunConfig {
  return {
    model: groupFrom('model', read),
    train: {
      ...groupFrom('train', read),
      optimizer: optimizerFrom(read),
      regularization: regularizationFrom(read),
    },
    ...groupFrom('run', read),
  } as RunConfig;
}

/**
 * The model settings of a model (its task, direction, cell and sizes: what
 * the 'model' group declares), without what comes from the data (V, a
 * forecast's columns); absent task fields take their defaults.
 */
export function modelSettingsOf(m: ModelConfig | RunConfig['model']): RunConfig['model'] {
  const full = { task: 'lm', direction: 'uni', ...m } as unknown as Record<string, unknown>;
  return groupFrom('model', (s) => full[s.key]) as RunConfig['model'];
}

/** A fresh OptimizerConfig of the optimizer's settings, each from `read`. */
export function optimizerFrom(read: (setting: Setting) => unknown): OptimizerConfig {
  return groupFrom('optimizer', read) as OptimizerConfig;
}

/** A fresh RegularizationConfig of the regularisation settings, each from `read`. */
export function regularizationFrom(read: (setting: Setting) => unknown): RegularizationConfig {
  return groupFrom('regularization', read) as RegularizationConfig;
}

/** A fresh LiveSettings (what applies from the next step) of `config`. */
export function liveSettingsOf(config: RunConfig): LiveSettings {
  return {
    optimizer: optimizerFrom((s) => readSetting(config, s)),
    regularization: regularizationFrom((s) => readSetting(config, s)),
  };
}

/** The one default configuration: the page starts with it and the worker falls back to it. */
export const DEFAULT_RUN_CONFIG: RunConfig = runConfigFrom((s) => s.default);

/** The nouns of the settings that differ from `a` to `b` in a way that needs a fresh model. */
export function freshModelChanges(a: RunConfig, b: RunConfig): string[] {
  return SETTINGS.filter((s) => !s.live && readSetting(a, s) !== readSetting(b, s)).map(
    (s) => s.noun,
  );
}
