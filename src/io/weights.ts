// model.safetensors: the weights under PyTorch state_dict names (see
// pytorch.ts), with the configuration (task, direction, series sizes
// included), the vocabulary (token tasks) and a forecast's series record
// (seriesMetadata.ts) as JSON strings in `__metadata__`, plus vocab.json
// beside it. This is what a person takes to PyTorch (docs/export.md has the
// snippet) and what gatescope imports back.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers, D directions.
//
// Public API:
//   exportSafetensors(model, params, vocab, extra?, series?) → Uint8Array   (model.safetensors)
//     vocab: the model's vocabulary, null for a forecast (it has none);
//     series: a forecast's columns and normalisation statistics (optional).
//   exportVocabJson(vocab) → string                                  (vocab.json)
//   modelMetadata(model, vocab, series?) → { config, vocab?, series? }  (shared by every format)
//   importWeights(bytes, options?) → ImportedWeights
//     The model comes back with its task and direction (files without them:
//     lm, uni); a forecast has vocab null and its series record, if any.
//     options.expectModel: the configuration the caller needs (else taken from the file)
//     options.corpusVocab: the corpus' vocabulary (token tasks only); a different one throws
//                          VocabularyMismatchError (err.canAdopt, err.fileVocab)
//     options.vocabJson:   vocab.json text, for files without vocabulary metadata
//   A checkpoint file imports too (its weights; the training state is skipped).
//   Every failure is a FormatError.

import { modelConfigFields, validateModelConfig, type ModelConfig } from '../engine/config';
import { readsTokens, taskOf } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import { FormatError, guarded } from './errors';
import { describeModel, fromPytorchTensors, inferModelConfig, toPytorchTensors } from './pytorch';
import { readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors';
import {
  checkSeriesMetadata,
  parseSeriesMetadata,
  SERIES_META_KEY,
  type SeriesMetadata,
} from './seriesMetadata';
import { checkVocabulary, parseVocabJson, vocabJson } from './vocabFile';

/** Metadata keys of a gatescope safetensors file. */
export const META = {
  format: 'format',
  config: 'config',
  vocab: 'vocab',
  series: SERIES_META_KEY,
} as const;

export const WEIGHTS_FORMAT = 'gatescope.weights.v1';
/** Defined here (not in checkpoint.ts) so importWeights can accept a checkpoint too. */
export const CHECKPOINT_FORMAT = 'gatescope.checkpoint.v1';

/** A checkpoint's training-state tensors, which a weights import skips. */
export function isTrainingStateTensor(name: string): boolean {
  return name.startsWith('adam.') || name.startsWith('state.');
}

export function exportSafetensors(
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary | null,
  extra: Record<string, string> = {},
  /** A forecast's columns and normalisation statistics (from the session); optional. */
  series?: SeriesMetadata,
): Uint8Array {
  return writeSafetensors(toPytorchTensors(model, params), {
    ...extra,
    [META.format]: WEIGHTS_FORMAT,
    ...modelMetadata(model, vocab, series),
  });
}

/**
 * The metadata strings every format carries: `config` (the full model
 * configuration, modelConfigFields), `vocab` (token tasks) and `series` (a
 * forecast's record, when given). Throws when the vocabulary does not fit the
 * task: a token model needs its V characters, a forecast has none.
 */
export function modelMetadata(
  model: ModelConfig,
  vocab: Vocabulary | null,
  series?: SeriesMetadata,
): Record<string, string> {
  const out: Record<string, string> = {
    [META.config]: JSON.stringify(modelConfigJson(model)),
  };
  if (readsTokens(model)) {
    if (!vocab) throw new Error(`a ${taskOf(model)} model needs its vocabulary`);
    if (vocab.size !== model.vocabSize) {
      throw new Error(
        `vocabulary has ${vocab.size} characters; the model has V=${model.vocabSize}`,
      );
    }
    out[META.vocab] = vocabJson(vocab);
  } else if (vocab) {
    throw new Error('a forecast reads values, not characters: it has no vocabulary');
  }
  if (series) {
    if (taskOf(model) !== 'forecast') throw new Error('only a forecast has series metadata');
    out[META.series] = JSON.stringify(checkSeriesMetadata(series, model));
  }
  return out;
}

export function exportVocabJson(vocab: Vocabulary): string {
  return vocabJson(vocab);
}

export interface ImportOptions {
  file?: string;
  expectModel?: ModelConfig;
  corpusVocab?: Vocabulary;
  vocabJson?: string;
}

export interface ImportedWeights {
  /** With its task and direction (modelConfigFields): a tagger or forecast stays one. */
  model: ModelConfig;
  /** Arena layout (src/engine/params.ts). */
  params: Float32Array;
  /** The characters of a token model; null for a forecast, which has none. */
  vocab: Vocabulary | null;
  /** A forecast's columns and normalisation statistics, when the file has them; else null. */
  series: SeriesMetadata | null;
  metadata: Record<string, string>;
}

export function importWeights(bytes: Uint8Array, options: ImportOptions = {}): ImportedWeights {
  const file = options.file ?? 'model.safetensors';
  return guarded(file, () => {
    const parsed = readSafetensors(bytes, { file });
    // A checkpoint holds the same weights plus training state: its weights import as well.
    const isCheckpoint = parsed.metadata[META.format] === CHECKPOINT_FORMAT;
    return weightsFromFile(parsed, options, file, (n) => isCheckpoint && isTrainingStateTensor(n));
  });
}

/** Shared with checkpoint.ts, which stores the same weights plus training state. */
export function weightsFromFile(
  parsed: SafetensorsFile,
  options: ImportOptions,
  file: string,
  allowExtra: (name: string) => boolean,
): ImportedWeights {
  const { tensors, metadata } = parsed;
  // With our metadata the configuration is stated and every tensor is checked
  // against it (precise messages per tensor); without, it is read off the shapes.
  let model: ModelConfig;
  if (metadata[META.config] !== undefined) {
    model = parseModelConfig(metadata[META.config], file);
  } else {
    model = inferModelConfig(tensors, file);
    try {
      validateModelConfig(model);
    } catch (e) {
      throw new FormatError('shape-mismatch', (e as Error).message, file);
    }
  }
  if (options.expectModel && !sameModel(model, options.expectModel)) {
    throw new FormatError(
      'config-mismatch',
      `the file holds ${describeModel(model)} but the current model is ${describeModel(options.expectModel)}`,
      file,
    );
  }

  const params = fromPytorchTensors(model, tensors, file, allowExtra);
  if (!readsTokens(model)) {
    // A forecast: no vocabulary, so no corpus rule applies; its series record rides along.
    if (metadata[META.vocab] !== undefined) {
      throw new FormatError(
        'metadata-invalid',
        'a forecast has no vocabulary, but the file holds one',
        file,
      );
    }
    const seriesText = metadata[META.series];
    const series = seriesText === undefined ? null : parseSeriesMetadata(seriesText, model, file);
    return { model, params, vocab: null, series, metadata };
  }
  if (metadata[META.series] !== undefined) {
    throw new FormatError(
      'metadata-invalid',
      `a ${taskOf(model)} model has no series metadata`,
      file,
    );
  }
  const vocabText = metadata[META.vocab] ?? options.vocabJson;
  if (vocabText === undefined) {
    throw new FormatError(
      'vocabulary-invalid',
      'the file has no vocabulary in its metadata: import vocab.json with it',
      file,
    );
  }
  const vocab = parseVocabJson(vocabText, file);
  if (vocab.size !== model.vocabSize) {
    throw new FormatError(
      'vocabulary-invalid',
      `the vocabulary has ${vocab.size} characters but the weights are for V=${model.vocabSize}`,
      file,
    );
  }
  if (options.corpusVocab) checkVocabulary(vocab, options.corpusVocab, file);
  return { model, params, vocab, series: null, metadata };
}

function modelConfigJson(m: ModelConfig): ModelConfig {
  return modelConfigFields(m);
}

export function parseModelConfig(text: string, file?: string): ModelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FormatError('metadata-invalid', 'the "config" metadata is not JSON', file);
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new FormatError('metadata-invalid', 'the "config" metadata is not an object', file);
  }
  const r = raw as Record<string, unknown>;
  const m = modelConfigFields(r);
  try {
    return modelConfigJson(validateModelConfig(m));
  } catch (e) {
    throw new FormatError(
      'metadata-invalid',
      `the "config" metadata: ${(e as Error).message}`,
      file,
    );
  }
}

/** The same model, field by field (task, direction and series sizes included). */
export function sameModel(a: ModelConfig, b: ModelConfig): boolean {
  const x = modelConfigFields(a);
  const y = modelConfigFields(b);
  return (Object.keys(x) as (keyof ModelConfig)[]).every((k) => x[k] === y[k]);
}
