// Checkpoints: the whole training state in one safetensors file, so a run
// resumed from it takes exactly the steps the uninterrupted run would have.
//
// Contents:
//   tensors   the model weights under PyTorch names (as model.safetensors, so a
//             checkpoint also imports as plain weights, and loads into PyTorch
//             with strict=False);
//             adam.m.<arena name>, adam.v.<arena name>: Adam's moments per
//             arena tensor, in the ARENA layout (interleaved gates, head (H, V)),
//             because they are only ever read back by gatescope;
//             state.h, state.c (L, B, H): the carried training state;
//             state.best.<arena name>: the weights of the best validation so far
//             (early stopping), arena layout, only when they differ from the
//             weights above.
//   metadata  format = "gatescope.checkpoint.v1", config, vocab (as in model.safetensors),
//             train (TrainConfig JSON), step, batcher (BatcherPosition JSON),
//             corpus_sha256, saved_at (ISO time), extra (JSON string map for the UI),
//             early_stopping (JSON: bestStep, bestLoss, withoutImprovement,
//             lastJudged as in engine/training/earlyStopping.ts, and bestWeights:
//             "tensors" (state.best.*), "current" (the weights above) or "none").
//             Files without it (written before early stopping) load with no best.
//
// Dimension legend: B batch (streams), H hidden, L layers, V vocabulary, E embedding.
//
// Public API:
//   saveCheckpoint(snapshot) → Uint8Array
//   loadCheckpoint(bytes, options?) → { kind: 'checkpoint', ...TrainingSnapshot }
//                                   | { kind: 'weights', model, params, vocab }  (plain weights)
//     options: file, expectModel, corpusVocab (→ VocabularyMismatchError),
//              corpusSha256 (→ CorpusMismatchError), requireCheckpoint
//   captureCheckpoint(backend, batcher, context) → Promise<Uint8Array>
//   restoreCheckpoint(backend, batcher, snapshot) → Promise<void>
//   For kind 'weights' there is no state to restore: backend.setParams(params)
//   (fresh optimizer, step 0), backend.resetState(), batcher.reset().
//   Capture inside the trainer's serial loop (no trainStep between the reads),
//   so weights, moments, (h, c) and the batcher position describe one instant.
//   captureCheckpoint throws NonFiniteWeightsError rather than write a NaN or
//   infinite value: no saved run or download ever holds a diverged model.
//   Every reading failure is a FormatError.

import type { Backend } from '../engine/backend';
import type { Batcher, BatcherPosition } from '../engine/batcher';
import {
  modelConfigFields,
  validateTrainConfig,
  type ModelConfig,
  type TrainConfig,
} from '../engine/config';
import type { Setting, SettingGroup } from '../engine/configSchema';
import { paramLayout } from '../engine/params';
import { runConfigFrom, settingsIn } from '../engine/settings';
import type { AdamMoments, RecurrentState } from '../engine/state';
import type { EarlyStoppingState } from '../engine/training/earlyStopping';
import type { Vocabulary } from '../engine/tokenizer';
import { CorpusMismatchError, FormatError, guarded } from './errors';
import { toPytorchTensors } from './pytorch';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { vocabJson } from './vocabFile';
import {
  CHECKPOINT_FORMAT,
  isTrainingStateTensor,
  META,
  weightsFromFile,
  WEIGHTS_FORMAT,
  type ImportOptions,
} from './weights';

export { CHECKPOINT_FORMAT };

export interface TrainingSnapshot {
  model: ModelConfig;
  train: TrainConfig;
  vocab: Vocabulary;
  /** Arena layout. */
  params: Float32Array;
  /** Adam moments (arena layout) and the optimizer step. */
  optimizer: AdamMoments;
  /** Carried (h, c), each (L, B, H). */
  state: RecurrentState;
  batcher: BatcherPosition;
  corpusSha256: string;
  /** Free-form strings for the UI (run name, elapsed time, …). */
  extra?: Record<string, string>;
  /** Early stopping's record and best weights; absent in files written before it. */
  earlyStopping?: SavedEarlyStopping;
}

/**
 * Early stopping in a checkpoint: its record, and the best weights (arena
 * layout), null when there is no best yet (bestStep null).
 */
export interface SavedEarlyStopping extends EarlyStoppingState {
  bestParams: Float32Array | null;
}

export type LoadedCheckpoint =
  | ({ kind: 'checkpoint' } & TrainingSnapshot)
  | { kind: 'weights'; model: ModelConfig; params: Float32Array; vocab: Vocabulary };

export function saveCheckpoint(s: TrainingSnapshot): Uint8Array {
  const layout = paramLayout(s.model);
  const { layers: L, hiddenSize: H } = s.model;
  const B = s.train.batchSize;
  if (s.state.h.length !== L * B * H || s.state.c.length !== L * B * H) {
    throw new Error(`carried state must be (L=${L}, B=${B}, H=${H})`);
  }
  const tensors: NamedTensor[] = toPytorchTensors(s.model, s.params);
  for (const [kind, arena] of [
    ['m', s.optimizer.m],
    ['v', s.optimizer.v],
  ] as const) {
    for (const t of layout.tensors) {
      tensors.push({
        name: `adam.${kind}.${t.name}`,
        shape: t.shape,
        data: arena.slice(t.offset, t.offset + t.size),
      });
    }
  }
  tensors.push(
    { name: 'state.h', shape: [L, B, H], data: s.state.h.slice() },
    { name: 'state.c', shape: [L, B, H], data: s.state.c.slice() },
  );
  const early = s.earlyStopping;
  let bestWeights: BestWeights = 'none';
  if (early?.bestParams) {
    bestWeights = sameValues(early.bestParams, s.params) ? 'current' : 'tensors';
    if (bestWeights === 'tensors') {
      for (const t of layout.tensors) {
        tensors.push({
          name: `${BEST_PREFIX}${t.name}`,
          shape: t.shape,
          data: early.bestParams.slice(t.offset, t.offset + t.size),
        });
      }
    }
  }
  const earlyMeta: Record<string, string> = {};
  if (early) {
    const { bestStep, bestLoss, withoutImprovement, lastJudged } = early;
    earlyMeta.early_stopping = JSON.stringify({
      bestStep,
      bestLoss,
      withoutImprovement,
      lastJudged,
      bestWeights,
    });
  }
  return writeSafetensors(tensors, {
    [META.format]: CHECKPOINT_FORMAT,
    [META.config]: JSON.stringify(modelConfigFields(s.model)),
    [META.vocab]: vocabJson(s.vocab),
    train: JSON.stringify(s.train),
    step: String(s.optimizer.step),
    batcher: JSON.stringify(s.batcher),
    corpus_sha256: s.corpusSha256,
    saved_at: new Date().toISOString(),
    extra: JSON.stringify(s.extra ?? {}),
    ...earlyMeta,
  });
}

/** Where a checkpoint's best weights are: its own tensors, the model's weights, or nowhere. */
type BestWeights = 'tensors' | 'current' | 'none';

/** Tensors of the best weights (under 'state.', so a weights import skips them). */
const BEST_PREFIX = 'state.best.';

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface LoadOptions extends ImportOptions {
  /** SHA-256 of the current corpus; a checkpoint of another corpus throws CorpusMismatchError. */
  corpusSha256?: string;
  /** Refuse plain weights files (code 'not-a-checkpoint'). */
  requireCheckpoint?: boolean;
}

export function loadCheckpoint(bytes: Uint8Array, options: LoadOptions = {}): LoadedCheckpoint {
  const file = options.file ?? 'checkpoint.safetensors';
  return guarded(file, () => {
    const parsed = readSafetensors(bytes, { file });
    const format = parsed.metadata[META.format];
    const isCheckpoint = format === CHECKPOINT_FORMAT;
    if (!isCheckpoint && options.requireCheckpoint) {
      throw new FormatError(
        'not-a-checkpoint',
        format === WEIGHTS_FORMAT || format === undefined
          ? 'this is a weights file without training state; import it as weights (fresh optimizer)'
          : `unknown format ${JSON.stringify(format)}`,
        file,
      );
    }
    if (format !== undefined && !isCheckpoint && format !== WEIGHTS_FORMAT) {
      throw new FormatError('metadata-invalid', `unknown format ${JSON.stringify(format)}`, file);
    }
    const isState = (n: string) => isCheckpoint && isTrainingStateTensor(n);
    const weights = weightsFromFile(parsed, options, file, isState);
    if (!isCheckpoint)
      return {
        kind: 'weights',
        model: weights.model,
        params: weights.params,
        vocab: weights.vocab,
      };

    const meta = parsed.metadata;
    const corpusSha256 = requireMeta(meta, 'corpus_sha256', file);
    if (!/^[0-9a-f]{64}$/.test(corpusSha256)) {
      throw new FormatError(
        'metadata-invalid',
        '"corpus_sha256" is not a SHA-256 hex digest',
        file,
      );
    }
    if (options.corpusSha256 !== undefined && options.corpusSha256 !== corpusSha256) {
      throw new CorpusMismatchError(corpusSha256, options.corpusSha256, file);
    }
    const model = weights.model;
    const train = parseTrain(requireMeta(meta, 'train', file), file);
    const step = Number(requireMeta(meta, 'step', file));
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new FormatError('metadata-invalid', '"step" is not a whole number', file);
    }
    const batcher = parseBatcher(requireMeta(meta, 'batcher', file), file);
    const extra = parseExtra(meta.extra, file);

    const layout = paramLayout(model);
    const arena = (kind: 'm' | 'v'): Float32Array => {
      const out = new Float32Array(layout.total);
      for (const t of layout.tensors) {
        const data = tensorOf(parsed.tensors, `adam.${kind}.${t.name}`, t.shape, file);
        if (kind === 'v' && data.some((x) => x < 0)) {
          throw new FormatError(
            'non-finite',
            `tensor adam.v.${t.name} has negative second moments`,
            file,
          );
        }
        out.set(data, t.offset);
      }
      return out;
    };
    const early = parseEarlyStopping(meta.early_stopping, step, file);
    let earlyStopping: SavedEarlyStopping | undefined;
    if (early) {
      const { bestWeights, ...record } = early;
      let bestParams: Float32Array | null = null;
      if (bestWeights === 'current') bestParams = weights.params.slice();
      if (bestWeights === 'tensors') {
        bestParams = new Float32Array(layout.total);
        for (const t of layout.tensors) {
          bestParams.set(
            tensorOf(parsed.tensors, `${BEST_PREFIX}${t.name}`, t.shape, file),
            t.offset,
          );
        }
      }
      earlyStopping = { ...record, bestParams };
    }
    const { layers: L, hiddenSize: H } = model;
    const shape = [L, train.batchSize, H];
    const snapshot: TrainingSnapshot = {
      model,
      train,
      vocab: weights.vocab,
      params: weights.params,
      optimizer: { m: arena('m'), v: arena('v'), step },
      state: {
        h: tensorOf(parsed.tensors, 'state.h', shape, file).slice(),
        c: tensorOf(parsed.tensors, 'state.c', shape, file).slice(),
      },
      batcher,
      corpusSha256,
      extra,
      ...(earlyStopping ? { earlyStopping } : {}),
    };
    // Every adam./state. tensor must be one we asked for: 2 per arena tensor and h, c (and
    // one per arena tensor for best weights of their own).
    const bestCount = early?.bestWeights === 'tensors' ? layout.tensors.length : 0;
    const expectedState = 2 * layout.tensors.length + 2 + bestCount;
    const stateCount = [...parsed.tensors.keys()].filter(isState).length;
    if (stateCount !== expectedState) {
      const known = new Set([
        'state.h',
        'state.c',
        ...layout.tensors.flatMap((t) => [`adam.m.${t.name}`, `adam.v.${t.name}`]),
        ...(bestCount > 0 ? layout.tensors.map((t) => `${BEST_PREFIX}${t.name}`) : []),
      ]);
      const extraName = [...parsed.tensors.keys()].find((n) => isState(n) && !known.has(n));
      throw new FormatError(
        'unexpected-tensor',
        `tensor ${extraName} is not part of a checkpoint`,
        file,
      );
    }
    return { kind: 'checkpoint', ...snapshot };
  });
}

/**
 * What a checkpoint reads of a batcher: its shape and stream position (the
 * text, tagging and series batchers all have them).
 */
type StreamPosition = Pick<Batcher, 'batchSize' | 'seqLen' | 'getPosition' | 'setPosition'>;

/** The model holds NaN or infinite values (training diverged): nothing is written. */
export class NonFiniteWeightsError extends Error {
  constructor() {
    super(
      'the weights hold NaN or infinite values because training diverged: ' +
        'reset, or resume a saved run, and lower the learning rate',
    );
    this.name = 'NonFiniteWeightsError';
  }
}

/** Throws NonFiniteWeightsError unless every value is finite (x − x is NaN for NaN and ±∞). */
export function checkFinite(...arrays: Float32Array[]): void {
  for (const xs of arrays) {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[i] - xs[i];
    if (sum !== 0) throw new NonFiniteWeightsError();
  }
}

/** Reads the whole training state off a backend and batcher into checkpoint bytes. */
export async function captureCheckpoint(
  backend: Backend,
  batcher: StreamPosition,
  context: {
    train: TrainConfig;
    vocab: Vocabulary;
    corpusSha256: string;
    extra?: Record<string, string>;
    /** The trainer's early-stopping record; the best weights are read from the backend. */
    earlyStopping?: EarlyStoppingState;
  },
): Promise<Uint8Array> {
  const { earlyStopping: record, ...rest } = context;
  const [params, optimizer, state, bestParams] = await Promise.all([
    backend.getParams(),
    backend.getOptimizerState(),
    backend.getState(),
    record && backend.bestStep !== null ? backend.getBestParams() : null,
  ]);
  checkFinite(params, optimizer.m, optimizer.v, state.h, state.c);
  if (bestParams) checkFinite(bestParams);
  // A record whose weights the backend does not hold (never expected) saves no best at all.
  const earlyStopping: SavedEarlyStopping | undefined = record && {
    ...(bestParams ? record : { ...record, bestStep: null, bestLoss: null }),
    bestParams,
  };
  return saveCheckpoint({
    model: backend.model,
    params,
    optimizer,
    state,
    batcher: batcher.getPosition(),
    ...rest,
    ...(earlyStopping ? { earlyStopping } : {}),
  });
}

/**
 * Puts a loaded checkpoint into a backend (built for the same model and batch
 * size) and batcher (over the same corpus), so the next trainStep is the one
 * the saved run would have taken.
 */
export async function restoreCheckpoint(
  backend: Backend,
  batcher: StreamPosition,
  snapshot: TrainingSnapshot,
): Promise<void> {
  if (batcher.batchSize !== snapshot.train.batchSize || batcher.seqLen !== snapshot.train.seqLen) {
    throw new FormatError(
      'config-mismatch',
      `the checkpoint trains with B=${snapshot.train.batchSize}, T=${snapshot.train.seqLen}; ` +
        `the batcher has B=${batcher.batchSize}, T=${batcher.seqLen}`,
    );
  }
  try {
    batcher.setPosition(snapshot.batcher);
  } catch (e) {
    throw new FormatError('corpus-mismatch', (e as Error).message);
  }
  await backend.setParams(snapshot.params, snapshot.optimizer);
  await backend.setState(snapshot.state);
  // After setParams, which empties the best-weights slot.
  const early = snapshot.earlyStopping;
  if (early?.bestParams && early.bestStep !== null) {
    await backend.setBestParams(early.bestParams, early.bestStep);
  }
}

function requireMeta(meta: Record<string, string>, key: string, file: string): string {
  const v = meta[key];
  if (v === undefined)
    throw new FormatError('metadata-invalid', `the metadata lacks "${key}"`, file);
  return v;
}

function tensorOf(
  tensors: Map<string, NamedTensor>,
  name: string,
  shape: number[],
  file: string,
): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new FormatError('missing-tensor', `tensor ${name} is missing`, file);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new FormatError(
      'shape-mismatch',
      `tensor ${name} has shape [${t.shape}], expected [${shape}]`,
      file,
    );
  }
  const bad = t.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0)
    throw new FormatError(
      'non-finite',
      `tensor ${name} holds ${t.data[bad]} at index ${bad}`,
      file,
    );
  return t.data;
}

function parseJson(text: string, key: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FormatError('metadata-invalid', `the "${key}" metadata is not JSON`, file);
  }
}

/** Settings that files written before the LR schedules and regularisation do not carry. */
const ADDED_AFTER_V1 = new Set([
  ...settingsIn('regularization').map((s) => s.key),
  'schedule',
  'warmupSteps',
  'decaySteps',
  'lrFloor',
  'decayEvery',
  'decayFactor',
]);

function parseTrain(text: string, file: string): TrainConfig {
  const raw = parseJson(text, 'train', file) as TrainConfig;
  try {
    if (
      typeof raw !== 'object' ||
      raw === null ||
      typeof raw.optimizer !== 'object' ||
      raw.optimizer === null
    ) {
      throw new Error('not a training configuration');
    }
    // A fresh object of the declared fields (configSchema.ts): nothing else the file carries
    // travels on, and validateTrainConfig checks each one's kind and range ("0.9" is refused).
    // Files from before the schedule and regularisation settings lack them: defaults, as then.
    const holders: Partial<Record<SettingGroup, Record<string, unknown>>> = {
      train: raw as unknown as Record<string, unknown>,
      optimizer: raw.optimizer as unknown as Record<string, unknown>,
      regularization: (raw.regularization ?? {}) as unknown as Record<string, unknown>,
    };
    const read = (s: Setting): unknown => {
      // Only the training groups are read; the model's and the run's stay untouched.
      if (!(s.group in holders)) return s.default;
      const value = holders[s.group]?.[s.key];
      if (value === undefined && ADDED_AFTER_V1.has(s.key)) return s.default;
      if (value === undefined) throw new Error(`${s.key} is missing`);
      return value;
    };
    return validateTrainConfig(runConfigFrom(read).train);
  } catch (e) {
    throw new FormatError(
      'metadata-invalid',
      `the "train" metadata: ${(e as Error).message}`,
      file,
    );
  }
}

function parseBatcher(text: string, file: string): BatcherPosition {
  const raw = parseJson(text, 'batcher', file) as Record<string, unknown> | null;
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  const u32 = (x: unknown) => count(x) && (x as number) <= 0xffffffff;
  const rng = raw?.rng as Record<string, unknown> | undefined;
  if (
    typeof raw !== 'object' ||
    raw === null ||
    !count(raw.epoch) ||
    !count(raw.window) ||
    !count(raw.shift) ||
    typeof rng !== 'object' ||
    rng === null ||
    !u32(rng.hi) ||
    !u32(rng.lo)
  ) {
    throw new FormatError(
      'metadata-invalid',
      'the "batcher" metadata is not a stream position',
      file,
    );
  }
  return {
    epoch: raw.epoch as number,
    window: raw.window as number,
    shift: raw.shift as number,
    rng: { hi: rng.hi as number, lo: rng.lo as number },
  };
}

/** The early_stopping metadata (undefined when absent), checked against the checkpoint's step. */
function parseEarlyStopping(
  text: string | undefined,
  step: number,
  file: string,
): (EarlyStoppingState & { bestWeights: BestWeights }) | undefined {
  if (text === undefined) return undefined;
  const raw = parseJson(text, 'early_stopping', file) as Record<string, unknown> | null;
  const stepAt = (x: unknown) =>
    Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= step;
  const ok =
    typeof raw === 'object' &&
    raw !== null &&
    (raw.bestWeights === 'tensors' ||
      raw.bestWeights === 'current' ||
      raw.bestWeights === 'none') &&
    ((raw.bestStep === null && raw.bestLoss === null && raw.bestWeights === 'none') ||
      (stepAt(raw.bestStep) &&
        typeof raw.bestLoss === 'number' &&
        Number.isFinite(raw.bestLoss) &&
        raw.bestWeights !== 'none')) &&
    Array.isArray(raw.withoutImprovement) &&
    raw.withoutImprovement.every(stepAt) &&
    Number.isSafeInteger(raw.lastJudged) &&
    (raw.lastJudged as number) >= -1 &&
    (raw.lastJudged as number) <= step;
  if (!ok) {
    throw new FormatError(
      'metadata-invalid',
      'the "early_stopping" metadata is not an early-stopping record',
      file,
    );
  }
  return {
    bestStep: raw.bestStep as number | null,
    bestLoss: raw.bestLoss as number | null,
    withoutImprovement: (raw.withoutImprovement as number[]).slice(),
    lastJudged: raw.lastJudged as number,
    bestWeights: raw.bestWeights as BestWeights,
  };
}

function parseExtra(text: string | undefined, file: string): Record<string, string> {
  if (text === undefined) return {};
  const raw = parseJson(text, 'extra', file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FormatError('metadata-invalid', 'the "extra" metadata is not an object', file);
  }
  // No prototype: "__proto__" or "constructor" in the file are plain keys, never inherited.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}
