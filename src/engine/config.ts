// Model and training configuration: the types, and the defaults, ranges and
// validation read from their one declaration per field (configSchema.ts).
//
// Dimension legend (used in every engine and shader file):
//   B batch (parallel streams)   T window length (timesteps of truncated BPTT)
//   E embedding size             H hidden size
//   V vocabulary size            L number of stacked recurrent layers
//   X input size of a layer: E for layer 0, H above

import type { CellType } from './cells';
import {
  VOCAB_SIZE,
  type EnumValues,
  type NumberRange,
  type Schema,
  type SettingGroup,
} from './configSchema';
import { accepts, allowedText, DEFAULT_RUN_CONFIG, SETTINGS, settingsIn } from './settings';

export interface ModelConfig {
  /** V: vocabulary size (distinct code points of the corpus). */
  vocabSize: number;
  /** The recurrent cell of every layer (cells.ts). */
  cell: CellType;
  /** E: embedding size. */
  embedSize: number;
  /** H: hidden size of every recurrent layer. */
  hiddenSize: number;
  /** L: number of stacked recurrent layers. */
  layers: number;
}

export interface OptimizerConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled (AdamW) weight decay; 0 gives plain Adam. Applied to matrices, not biases. */
  weightDecay: number;
  /** Global-norm gradient clipping threshold; 0 disables clipping. */
  clipNorm: number;
  /**
   * How the learning rate moves over the steps (training/schedule.ts):
   * constant, linear warm-up then cosine decay to a floor, or step decay.
   * `learningRate` is the peak (and the rate a rollback halves).
   */
  schedule: LrSchedule;
  /** Steps of linear warm-up from learningRate / warmupSteps to learningRate (cosine, step); 0 none. */
  warmupSteps: number;
  /** Cosine: steps after the warm-up over which the rate falls to the floor, where it stays. */
  decaySteps: number;
  /** Cosine: the floor, as a fraction of learningRate. */
  lrFloor: number;
  /** Step decay: the rate is multiplied by decayFactor after every decayEvery steps past the warm-up. */
  decayEvery: number;
  decayFactor: number;
}

/** The learning-rate schedules (training/schedule.ts). */
export type LrSchedule = 'constant' | 'cosine' | 'step';

/** Where dropout masks are drawn afresh (dropout.ts). */
export type DropoutMode = 'standard' | 'variational';

/**
 * Regularisation against overfitting, applied live from the next step like
 * the optimizer's settings. Weight decay is the optimizer's (AdamW).
 */
export interface RegularizationConfig {
  /**
   * Share of units dropped on the non-recurrent connections (Zaremba et al.:
   * the embedding output, between layers, before the head); 0 turns it off.
   * Training steps only: validation, sampling, probes and exports never drop.
   */
  dropout: number;
  /** standard: a mask per position; variational: one mask per window, stream and unit. */
  dropoutMode: DropoutMode;
  /**
   * Early stopping: validations in a row without a new best validation loss
   * before training stops and the best weights come back; 0 never stops.
   */
  patience: number;
}

export interface TrainConfig {
  /** T: window length of truncated BPTT. */
  seqLen: number;
  /** B: parallel streams through the corpus. */
  batchSize: number;
  /** Seed of the PRNG for initial weights and batch order. */
  seed: number;
  /** Fraction of the corpus (at its end) held out for validation. */
  valFraction: number;
  optimizer: OptimizerConfig;
  regularization: RegularizationConfig;
}

/** The settings a run takes up at its next step, without a fresh model (the 'live' ones). */
export interface LiveSettings {
  optimizer: OptimizerConfig;
  regularization: RegularizationConfig;
}

// The defaults and ranges are declared once, per setting, in configSchema.ts.
export const DEFAULT_OPTIMIZER: OptimizerConfig = DEFAULT_RUN_CONFIG.train.optimizer;
export const DEFAULT_REGULARIZATION: RegularizationConfig = DEFAULT_RUN_CONFIG.train.regularization;

type NumberSettingName = {
  [K in keyof Schema]: Schema[K] extends { kind: 'enum' } ? never : K;
}[keyof Schema];

/**
 * [min, max] of V and of every numeric setting, read from the schema (which
 * also says whether a bound itself is allowed: beta < 1, epsilon > 0).
 */
export const RANGES = Object.fromEntries(
  [VOCAB_SIZE, ...SETTINGS.filter((s) => s.kind !== 'enum')].map((s) => [s.key, [s.min, s.max]]),
) as unknown as Readonly<Record<NumberSettingName | 'vocabSize', readonly [number, number]>>;

/**
 * Characters of the probe text the gates are shown for (more are ignored):
 * each snapshot carries 6·L·P·H floats, and 400 positions already fill the
 * heatmaps' width several times over.
 */
export const MAX_PROBE_CHARS = 400;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Throws a ConfigError naming the field and what it allows when `value` is not allowed. */
function check(spec: (NumberRange | EnumValues) & { key: string }, value: unknown): void {
  if (!accepts(spec, value)) {
    throw new ConfigError(`${spec.key} must be ${allowedText(spec)}, got ${String(value)}`);
  }
}

function checkGroup(group: SettingGroup, holder: object): void {
  for (const s of settingsIn(group)) check(s, (holder as Record<string, unknown>)[s.key]);
}

export function validateModelConfig(m: ModelConfig): ModelConfig {
  check(VOCAB_SIZE, m.vocabSize);
  checkGroup('model', m);
  return m;
}

export function validateTrainConfig(t: TrainConfig): TrainConfig {
  checkGroup('train', t);
  validateOptimizerConfig(t.optimizer);
  checkGroup('regularization', t.regularization);
  return t;
}

export function validateOptimizerConfig(o: OptimizerConfig): OptimizerConfig {
  checkGroup('optimizer', o);
  return o;
}

/** Input size X of layer l. */
export function layerInputSize(m: ModelConfig, layer: number): number {
  return layer === 0 ? m.embedSize : m.hiddenSize;
}

/**
 * Exactly the model's fields of `r`, in one fixed order, whatever else it
 * carries (a stored record, a file's metadata, a message). Files and saved
 * runs from before there were cell types have no `cell`: they are LSTMs.
 * Not validated: validateModelConfig does that.
 */
export function modelConfigFields(r: { [K in keyof ModelConfig]?: unknown }): ModelConfig {
  return {
    vocabSize: r.vocabSize,
    cell: r.cell ?? 'lstm',
    embedSize: r.embedSize,
    hiddenSize: r.hiddenSize,
    layers: r.layers,
  } as ModelConfig;
}
