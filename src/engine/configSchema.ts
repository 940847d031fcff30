// One declaration per setting of a run (SCHEMA, below): its place in the
// configuration, kind and range, default, whether it applies live, its key in
// the shared link, its label and hint. Everything else reads this list through
// settings.ts: the engine's validation and defaults (config.ts), the shared
// link (store/urlHash.ts), the settings panel (ui/components/HyperParams.tsx),
// the page's "does this need a fresh model" (store/actions.ts) and the
// worker's check of configure and setLive (worker/validate.ts). A new
// setting is its field in a config.ts interface plus one entry here; the
// Schema type makes the compiler ask for that entry.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { CELL_TYPES, CELLS } from './cells';
import type { ModelConfig, OptimizerConfig, RegularizationConfig, TrainConfig } from './config';
import type { Direction, Task } from './task';

/**
 * The model's fields that come from the data, not from a setting: V from the
 * corpus, a forecast's Ci and Co from the chosen columns.
 */
export type DataShapeKey = 'vocabSize' | 'seriesInputs' | 'seriesOutputs';

/** Everything that defines a model and its training run. */
export interface RunConfig {
  model: Required<Omit<ModelConfig, DataShapeKey>>;
  train: TrainConfig;
  backend: BackendPreference;
}

/** The engines a run may ask for; 'auto' takes WebGPU when this machine offers it. */
const BACKEND_OPTIONS = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'cpu', label: 'CPU' },
] as const;

export type BackendPreference = (typeof BACKEND_OPTIONS)[number]['value'];

/** The tasks, as the panel names them (task.ts). */
const TASK_OPTIONS: readonly { value: Task; label: string }[] = [
  { value: 'lm', label: 'Next character' },
  { value: 'spaces', label: 'Restore spaces' },
  { value: 'case', label: 'Restore case' },
  { value: 'forecast', label: 'Forecast a series' },
];

const DIRECTION_OPTIONS: readonly { value: Direction; label: string }[] = [
  { value: 'uni', label: 'Left to right' },
  { value: 'bi', label: 'Both ways' },
];

/** The cell types, as the panel names them. */
const CELL_OPTIONS = CELL_TYPES.map((value) => ({ value, label: CELLS[value].label }));

/** The learning-rate schedules, as the panel names them. */
const SCHEDULE_OPTIONS = [
  { value: 'constant', label: 'Constant' },
  { value: 'cosine', label: 'Warm-up + cosine' },
  { value: 'step', label: 'Step decay' },
] as const;

const DROPOUT_MODE_OPTIONS = [
  { value: 'standard', label: 'Per position' },
  { value: 'variational', label: 'Variational' },
] as const;

/**
 * Where a setting lives: run.model, run.train, run.train.optimizer,
 * run.train.regularization or the run itself.
 */
export type SettingGroup = 'model' | 'train' | 'optimizer' | 'regularization' | 'run';

/** The values a number may take: min and max inclusive unless marked exclusive. */
export interface NumberRange {
  kind: 'integer' | 'number';
  min: number;
  max: number;
  /** The bound itself is not allowed (beta < 1, epsilon > 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

export interface EnumValues<V extends string = string> {
  kind: 'enum';
  options: readonly { value: V; label: string }[];
}

interface SettingDeclaration {
  group: SettingGroup;
  /** The panel's name for it, also the input's accessible name. */
  label: string;
  /** One sentence the panel shows on hover. */
  hint: string;
  /** How the reset confirmation names a change: "Changing the hidden size needs fresh weights". */
  noun: string;
  /**
   * True: applies to the model being trained, from the next step (the worker's
   * setLive). False: the change needs a fresh model.
   */
  live: boolean;
  /**
   * Its key in the shared link. A setting with one is a person's setting: in the
   * link and in the settings panel. Never rename one: links already out use it.
   */
  urlKey?: string;
  /** Shown in the panel's collapsed "Advanced" part (Adam's β1, β2, ε). */
  advanced?: boolean;
  /**
   * The panel shows it only when this other setting of the same group has one
   * of these values (the warm-up only with a schedule that has one).
   */
  shownWhen?: { key: string; values: readonly (string | number)[] };
}

export type NumberSetting = NumberRange & SettingDeclaration & { default: number };
export type EnumSetting<V extends string = string> = EnumValues<V> &
  SettingDeclaration & { default: V };

/** A setting as the generic code reads it: its field name beside its declaration. */
export type Setting = (NumberSetting | EnumSetting) & { key: string };

// [V] keeps a union of strings (the backends) one enum rather than one per member.
type SpecFor<V, G extends SettingGroup> = ([V] extends [number]
  ? NumberSetting
  : [V] extends [string]
    ? EnumSetting<V>
    : never) & { group: G };

/** Exactly one declaration per field of the config interfaces, each of its field's kind. */
export type Schema = {
  [K in Exclude<keyof ModelConfig, DataShapeKey>]-?: SpecFor<NonNullable<ModelConfig[K]>, 'model'>;
} & {
  [K in Exclude<keyof TrainConfig, 'optimizer' | 'regularization'>]: SpecFor<
    TrainConfig[K],
    'train'
  >;
} & {
  [K in keyof OptimizerConfig]: SpecFor<OptimizerConfig[K], 'optimizer'>;
} & {
  [K in keyof RegularizationConfig]: SpecFor<RegularizationConfig[K], 'regularization'>;
} & { backend: SpecFor<BackendPreference, 'run'> };

/** V comes from the corpus, not from a setting, but is checked like one. */
export const VOCAB_SIZE: NumberRange & { key: 'vocabSize' } = {
  key: 'vocabSize',
  kind: 'integer',
  min: 2,
  max: 65536,
};

/** A forecast's Ci and Co come from the chosen columns, but are checked like settings. */
export const SERIES_COLUMNS_IN: NumberRange & { key: 'seriesInputs' } = {
  key: 'seriesInputs',
  kind: 'integer',
  min: 1,
  max: 64,
};
export const SERIES_COLUMNS_OUT: NumberRange & { key: 'seriesOutputs' } = {
  key: 'seriesOutputs',
  kind: 'integer',
  min: 1,
  max: 64,
};

/**
 * The settings, in the order of the config interfaces (so objects built from
 * it serialise as before), which is also the order of the settings panel and
 * of the link's keys. The defaults are small: a model trains visibly within
 * seconds even on the CPU fallback, yet learns the built-in corpora; the page
 * starts with them and the worker falls back to them.
 */
export const SCHEMA: Schema = {
  task: {
    group: 'model',
    kind: 'enum',
    options: TASK_OPTIONS,
    default: 'lm',
    live: false,
    urlKey: 'task',
    label: 'Task',
    noun: 'task',
    hint: 'What the model learns: the next character, where the spaces or capitals of a text go (labels derived from the text itself), or the next values of a series.',
  },
  direction: {
    group: 'model',
    kind: 'enum',
    options: DIRECTION_OPTIONS,
    default: 'uni',
    live: false,
    urlKey: 'dir',
    shownWhen: { key: 'task', values: ['spaces', 'case'] },
    label: 'Reads',
    noun: 'direction',
    hint: 'Left to right, or both ways (bidirectional): a second layer reads each window backwards, so every decision sees what comes after it too. Only the restoration tasks, whose whole window is known, allow it.',
  },
  cell: {
    group: 'model',
    kind: 'enum',
    options: CELL_OPTIONS,
    default: 'lstm',
    live: false,
    urlKey: 'cell',
    label: 'Cell',
    noun: 'cell type',
    hint: 'The recurrent unit: LSTM (gated memory cell), GRU (reset and update gates) or a plain tanh RNN.',
  },
  embedSize: {
    group: 'model',
    kind: 'integer',
    min: 1,
    max: 2048,
    default: 32,
    live: false,
    urlKey: 'E',
    label: 'Embedding E',
    noun: 'embedding size',
    hint: 'Length of the vector each character is embedded as.',
  },
  hiddenSize: {
    group: 'model',
    kind: 'integer',
    min: 1,
    max: 2048,
    default: 128,
    live: false,
    urlKey: 'H',
    label: 'Hidden H',
    noun: 'hidden size',
    hint: 'Units of every recurrent layer: the size of its hidden (and cell) state.',
  },
  layers: {
    group: 'model',
    kind: 'integer',
    min: 1,
    max: 8,
    default: 1,
    live: false,
    urlKey: 'L',
    label: 'Layers L',
    noun: 'layers',
    hint: 'Recurrent layers stacked on one another.',
  },
  seqLen: {
    group: 'train',
    kind: 'integer',
    min: 1,
    max: 1024,
    default: 48,
    live: false,
    urlKey: 'T',
    label: 'Window T',
    noun: 'window T',
    hint: 'Characters per window of truncated backpropagation through time.',
  },
  batchSize: {
    group: 'train',
    kind: 'integer',
    min: 1,
    max: 1024,
    default: 16,
    live: false,
    urlKey: 'B',
    label: 'Batch B',
    noun: 'batch B',
    hint: 'Parallel streams through the corpus; each step trains one window of each.',
  },
  seed: {
    group: 'train',
    kind: 'integer',
    min: 0,
    max: 0xffffffff,
    default: 1,
    live: false,
    urlKey: 'seed',
    label: 'Seed',
    noun: 'seed',
    hint: 'Seed of the initial weights and of the order the streams read the corpus in.',
  },
  valFraction: {
    group: 'train',
    kind: 'number',
    min: 0,
    max: 0.5,
    default: 0.1,
    live: false,
    urlKey: 'val',
    label: 'Validation share',
    noun: 'validation share',
    hint: 'Share of the corpus, at its end, held out to measure the validation loss.',
  },
  learningRate: {
    group: 'optimizer',
    kind: 'number',
    min: 1e-6,
    max: 1,
    default: 5e-3,
    live: true,
    urlKey: 'lr',
    label: 'Learning rate',
    noun: 'learning rate',
    hint: 'Step size of Adam.',
  },
  beta1: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: 0.9,
    live: true,
    urlKey: 'b1',
    advanced: true,
    label: 'Adam β1',
    noun: 'beta1',
    hint: 'Decay of the running mean of the gradients.',
  },
  beta2: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    default: 0.999,
    live: true,
    urlKey: 'b2',
    advanced: true,
    label: 'Adam β2',
    noun: 'beta2',
    hint: 'Decay of the running mean of the squared gradients.',
  },
  epsilon: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    minExclusive: true,
    max: Infinity,
    default: 1e-8,
    live: true,
    urlKey: 'eps',
    advanced: true,
    label: 'Adam ε',
    noun: 'epsilon',
    hint: 'Added to the root of the squared-gradient mean, so no step divides by zero.',
  },
  weightDecay: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    max: 1,
    default: 0,
    live: true,
    urlKey: 'wd',
    label: 'Weight decay',
    noun: 'weight decay',
    hint: 'Decoupled (AdamW) decay of the weight matrices, not the biases; 0 is plain Adam.',
  },
  clipNorm: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    max: 1000,
    default: 5,
    live: true,
    urlKey: 'clip',
    label: 'Gradient clip',
    noun: 'gradient clip',
    hint: 'Largest global norm of the gradients; larger ones are scaled down to it. 0 turns it off.',
  },
  schedule: {
    group: 'optimizer',
    kind: 'enum',
    options: SCHEDULE_OPTIONS,
    default: 'constant',
    live: true,
    urlKey: 'sched',
    label: 'LR schedule',
    noun: 'learning-rate schedule',
    hint: 'How the learning rate moves: constant, linear warm-up then cosine decay to a floor, or step decay.',
  },
  warmupSteps: {
    group: 'optimizer',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    default: 100,
    live: true,
    urlKey: 'warm',
    shownWhen: { key: 'schedule', values: ['cosine', 'step'] },
    label: 'Warm-up steps',
    noun: 'warm-up',
    hint: 'Steps over which the rate climbs linearly to the learning rate; 0 starts at full rate.',
  },
  decaySteps: {
    group: 'optimizer',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    default: 2000,
    live: true,
    urlKey: 'decay',
    shownWhen: { key: 'schedule', values: ['cosine'] },
    label: 'Decay steps',
    noun: 'decay steps',
    hint: 'Steps after the warm-up over which the cosine brings the rate down to the floor.',
  },
  lrFloor: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    max: 1,
    default: 0.1,
    live: true,
    urlKey: 'floor',
    shownWhen: { key: 'schedule', values: ['cosine'] },
    label: 'LR floor',
    noun: 'learning-rate floor',
    hint: 'Where the cosine ends, as a share of the learning rate.',
  },
  decayEvery: {
    group: 'optimizer',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    default: 500,
    live: true,
    urlKey: 'every',
    shownWhen: { key: 'schedule', values: ['step'] },
    label: 'Decay every',
    noun: 'decay interval',
    hint: 'Steps between two decays of the rate (after the warm-up).',
  },
  decayFactor: {
    group: 'optimizer',
    kind: 'number',
    min: 0,
    minExclusive: true,
    max: 1,
    default: 0.5,
    live: true,
    urlKey: 'factor',
    shownWhen: { key: 'schedule', values: ['step'] },
    label: 'Decay factor',
    noun: 'decay factor',
    hint: 'What each decay multiplies the rate by.',
  },
  dropout: {
    group: 'regularization',
    kind: 'number',
    min: 0,
    max: 0.9,
    default: 0,
    live: true,
    urlKey: 'drop',
    label: 'Dropout',
    noun: 'dropout',
    hint: 'Share of units dropped on the embedding output, between layers and before the head, in training steps only. 0 turns it off.',
  },
  dropoutMode: {
    group: 'regularization',
    kind: 'enum',
    options: DROPOUT_MODE_OPTIONS,
    default: 'standard',
    live: true,
    urlKey: 'dmode',
    label: 'Dropout masks',
    noun: 'dropout masks',
    hint: 'Per position: a fresh mask at every character. Variational: one mask per window and stream for every position.',
  },
  patience: {
    group: 'regularization',
    kind: 'integer',
    min: 0,
    max: 1000,
    default: 0,
    live: true,
    urlKey: 'patience',
    label: 'Early stop patience',
    noun: 'early-stopping patience',
    hint: 'Validations in a row without a new best before training stops and the best weights come back. 0 never stops.',
  },
  backend: {
    group: 'run',
    kind: 'enum',
    options: BACKEND_OPTIONS,
    default: 'auto',
    live: false,
    urlKey: 'backend',
    label: 'Backend',
    noun: 'backend',
    hint: 'Where the model trains: Auto takes WebGPU when this browser offers a usable adapter.',
  },
};
