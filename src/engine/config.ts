// Model and training configuration: the types, and the defaults, ranges and
// validation read from their one declaration per field (configSchema.ts).
//
// Dimension legend (used in every engine and shader file):
//   B batch (parallel streams)   T window length (timesteps of truncated BPTT)
//   E embedding size             H hidden size
//   V vocabulary size            L number of stacked recurrent layers
//   D directions (1, or 2 for a bidirectional model; task.ts)
//   Ci, Co values read and predicted per timestep by a forecast model
//   X input size of a layer: E (Ci for a forecast) for layer 0, D·H above

import type { CellType } from './cells';
import { directionCount, directionProblem, taskOf, type Direction, type Task } from './task';
import {
  SERIES_COLUMNS_IN,
  SERIES_COLUMNS_OUT,
  VOCAB_SIZE,
  type EnumValues,
  type NumberRange,
  type Schema,
  type SettingGroup,
} from './configSchema';
import { accepts, allowedText, DEFAULT_RUN_CONFIG, SETTINGS, settingsIn } from './settings';

export interface ModelConfig {
  /**
   * V: vocabulary size (distinct code points of the corpus, or of the derived
   * text a tagging task reads); 0 for a forecast, which has no embedding.
   */
  vocabSize: number;
  /**
   * What the model reads and predicts (task.ts); absent in files and saved
   * runs from before tasks existed: 'lm'. Read it through taskOf.
   */
  task?: Task;
  /** One direction or both (task.ts); absent: 'uni'. Read D through directionCount. */
  direction?: Direction;
  /** Forecast only, from the chosen columns: Ci, values read per timestep. Absent or 0 otherwise. */
  seriesInputs?: number;
  /** Forecast only: Co, values predicted per timestep (the target columns). Absent or 0 otherwise. */
  seriesOutputs?: number;
  /** The recurrent cell of every layer (cells.ts). */
  cell: CellType;
  /** E: embedding size (unused by a forecast, whose layer 0 reads the values). */
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

/** The settings of `m` with the task defaults filled in, as the schema checks them. */
function withTaskDefaults(m: ModelConfig): ModelConfig {
  return { ...m, task: taskOf(m), direction: m.direction ?? 'uni' };
}

export function validateModelConfig(m: ModelConfig): ModelConfig {
  const full = withTaskDefaults(m);
  checkGroup('model', full);
  const problem = directionProblem(full.task!, full.direction!);
  if (problem) throw new ConfigError(problem);
  if (full.task === 'forecast') {
    // No embedding: the size of the values read and predicted comes from the chosen columns.
    if (m.vocabSize !== 0)
      throw new ConfigError(`a forecast has no vocabulary, got ${m.vocabSize}`);
    check(SERIES_COLUMNS_IN, m.seriesInputs);
    check(SERIES_COLUMNS_OUT, m.seriesOutputs);
  } else {
    check(VOCAB_SIZE, m.vocabSize);
    if (m.seriesInputs || m.seriesOutputs) {
      throw new ConfigError(`only a forecast reads series columns (task ${full.task})`);
    }
  }
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

/**
 * Input size X of layer l: the embedding E (or a forecast's Ci values) for
 * layer 0; above, the D·H outputs of both directions of the layer below.
 */
export function layerInputSize(m: ModelConfig, layer: number): number {
  if (layer > 0) return directionCount(m) * m.hiddenSize;
  return taskOf(m) === 'forecast' ? (m.seriesInputs ?? 0) : m.embedSize;
}

/** The head's input size: the top layer's D·H outputs. */
export function headInputSize(m: ModelConfig): number {
  return directionCount(m) * m.hiddenSize;
}

/**
 * Exactly the model's fields of `r`, in one fixed order, whatever else it
 * carries (a stored record, a file's metadata, a message). Files and saved
 * runs from before there were cell types have no `cell`: they are LSTMs;
 * those from before tasks are left-to-right language models. Not validated: validateModelConfig does that.
 */
export function modelConfigFields(r: { [K in keyof ModelConfig]?: unknown }): ModelConfig {
  return {
    vocabSize: r.vocabSize,
    task: r.task ?? 'lm',
    direction: r.direction ?? 'uni',
    seriesInputs: r.seriesInputs ?? 0,
    seriesOutputs: r.seriesOutputs ?? 0,
    cell: r.cell ?? 'lstm',
    embedSize: r.embedSize,
    hiddenSize: r.hiddenSize,
    layers: r.layers,
  } as ModelConfig;
}
