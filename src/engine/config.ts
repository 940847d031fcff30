// Model and training configuration: types, defaults, ranges and validation.
//
// Dimension legend (used in every engine and shader file):
//   B batch (parallel streams)   T window length (timesteps of truncated BPTT)
//   E embedding size             H hidden size
//   V vocabulary size            L number of stacked LSTM layers
//   X input size of a layer: E for layer 0, H above

export interface ModelConfig {
  /** V: vocabulary size (distinct code points of the corpus). */
  vocabSize: number;
  /** E: embedding size. */
  embedSize: number;
  /** H: hidden size of every LSTM layer. */
  hiddenSize: number;
  /** L: number of stacked LSTM layers. */
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
}

export const DEFAULT_MODEL: Omit<ModelConfig, 'vocabSize'> = {
  embedSize: 64,
  hiddenSize: 256,
  layers: 2,
};

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  learningRate: 2e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  clipNorm: 5,
};

export const DEFAULT_TRAIN: TrainConfig = {
  seqLen: 64,
  batchSize: 32,
  seed: 1,
  valFraction: 0.1,
  optimizer: DEFAULT_OPTIMIZER,
};

/** Inclusive ranges a user may set; the UI and validation share them. */
export const RANGES = {
  vocabSize: [2, 65536],
  embedSize: [1, 2048],
  hiddenSize: [1, 2048],
  layers: [1, 8],
  seqLen: [1, 1024],
  batchSize: [1, 1024],
  learningRate: [1e-6, 1],
  weightDecay: [0, 1],
  clipNorm: [0, 1000],
  valFraction: [0, 0.5],
} as const satisfies Record<string, readonly [number, number]>;

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

function checkRange(name: keyof typeof RANGES, value: number, integer: boolean): void {
  const [lo, hi] = RANGES[name];
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${name} must be ${integer ? 'a whole number' : 'a number'}, got ${value}`,
    );
  }
  if (value < lo || value > hi) {
    throw new ConfigError(`${name} must be between ${lo} and ${hi}, got ${value}`);
  }
}

export function validateModelConfig(m: ModelConfig): ModelConfig {
  checkRange('vocabSize', m.vocabSize, true);
  checkRange('embedSize', m.embedSize, true);
  checkRange('hiddenSize', m.hiddenSize, true);
  checkRange('layers', m.layers, true);
  return m;
}

export function validateTrainConfig(t: TrainConfig): TrainConfig {
  checkRange('seqLen', t.seqLen, true);
  checkRange('batchSize', t.batchSize, true);
  checkRange('valFraction', t.valFraction, false);
  if (!Number.isInteger(t.seed) || t.seed < 0 || t.seed > 0xffffffff) {
    throw new ConfigError(`seed must be a whole number from 0 to 4294967295, got ${t.seed}`);
  }
  validateOptimizerConfig(t.optimizer);
  return t;
}

export function validateOptimizerConfig(o: OptimizerConfig): OptimizerConfig {
  checkRange('learningRate', o.learningRate, false);
  checkRange('weightDecay', o.weightDecay, false);
  checkRange('clipNorm', o.clipNorm, false);
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) {
    throw new ConfigError('beta1 and beta2 must be in [0, 1)');
  }
  if (!(o.epsilon > 0)) throw new ConfigError('epsilon must be positive');
  return o;
}

/** Input size X of layer l. */
export function layerInputSize(m: ModelConfig, layer: number): number {
  return layer === 0 ? m.embedSize : m.hiddenSize;
}
