// model.safetensors: the weights under PyTorch state_dict names (see
// pytorch.ts), with the vocabulary and the configuration as JSON strings in
// `__metadata__`, plus vocab.json beside it. This is what a person takes to
// PyTorch (docs/export.md has the snippet) and what gatescope imports back.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers.
//
// Public API:
//   exportSafetensors(model, params, vocab, extra?) → Uint8Array   (model.safetensors)
//   exportVocabJson(vocab) → string                                  (vocab.json)
//   importWeights(bytes, options?) → ImportedWeights
//     options.expectModel: the configuration the caller needs (else taken from the file)
//     options.corpusVocab: the corpus' vocabulary; a different one throws
//                          VocabularyMismatchError (err.canAdopt, err.fileVocab)
//     options.vocabJson:   vocab.json text, for files without vocabulary metadata
//   A checkpoint file imports too (its weights; the training state is skipped).
//   Every failure is a FormatError.

import { CELLS } from '../engine/cells';
import { modelConfigFields, validateModelConfig, type ModelConfig } from '../engine/config';
import type { Vocabulary } from '../engine/tokenizer';
import { FormatError, guarded } from './errors';
import { fromPytorchTensors, inferModelConfig, toPytorchTensors } from './pytorch';
import { readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors';
import { checkVocabulary, parseVocabJson, vocabJson } from './vocabFile';

/** Metadata keys of a gatescope safetensors file. */
export const META = {
  format: 'format',
  config: 'config',
  vocab: 'vocab',
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
  vocab: Vocabulary,
  extra: Record<string, string> = {},
): Uint8Array {
  if (vocab.size !== model.vocabSize) {
    throw new Error(`vocabulary has ${vocab.size} characters; the model has V=${model.vocabSize}`);
  }
  return writeSafetensors(toPytorchTensors(model, params), {
    ...extra,
    [META.format]: WEIGHTS_FORMAT,
    [META.config]: JSON.stringify(modelConfigJson(model)),
    [META.vocab]: vocabJson(vocab),
  });
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
  model: ModelConfig;
  /** Arena layout (src/engine/params.ts). */
  params: Float32Array;
  vocab: Vocabulary;
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
      `the file holds ${describe(model)} but the current model is ${describe(options.expectModel)}`,
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

  const params = fromPytorchTensors(model, tensors, file, allowExtra);
  return { model, params, vocab, metadata };
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

export function sameModel(a: ModelConfig, b: ModelConfig): boolean {
  return (
    a.cell === b.cell &&
    a.vocabSize === b.vocabSize &&
    a.embedSize === b.embedSize &&
    a.hiddenSize === b.hiddenSize &&
    a.layers === b.layers
  );
}

function describe(m: ModelConfig): string {
  return `${CELLS[m.cell].label} V=${m.vocabSize}, E=${m.embedSize}, H=${m.hiddenSize}, L=${m.layers}`;
}
