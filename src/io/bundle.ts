// Named files for download buttons and file pickers: the UI hands these to a
// Blob/anchor and back, without knowing the formats. Pure functions; no DOM.
// This module (with the exporters, the zip and the README it pulls in) is
// loaded on demand by the worker (src/worker/files.ts) at the first export or
// import, so none of it is in the worker's first-load chunk.
//
// Public API:
//   exportFiles(kind, model, params, vocab, options?) → ExportFile[]
//     the files of one weight export, each zip entry by its stable name:
//     'safetensors' → model.safetensors   'onnx' → model.onnx
//     'tfjs'        → model.json, model.weights.bin
//     then vocab.json (token models), series.json (a forecast's columns and
//     statistics, options.series), README.md (exportReadme.ts: how to load it).
//     options.weights (best or latest, step, validation loss) goes into each
//     format's metadata (safetensors metadata, ONNX metadata_props, TF.js
//     userDefinedMetadata) and the README; options.series into each format.
//   exportName(model, weights, format) → "gatescope-lstm-h256-l2-step1200-pytorch"
//   packExport(name, files) → ExportFile: the one download of an export: a
//     single file as it is, several as one zip `<name>.zip` (zip.ts)
//   checkpointFile(bytes) → ExportFile   (checkpoint.safetensors)
//   importFiles(files, options) → LoadedCheckpoint & { source }
//     expands any .zip among the files (ours, or any holding a .safetensors),
//     picks the .safetensors (and vocab.json, if given) and loads it as a
//     checkpoint or as plain weights; `source` names what the person chose;
//     throws FormatError.

import type { ModelConfig } from '../engine/config';
import { taskOf } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import { loadCheckpoint, type LoadedCheckpoint, type LoadOptions } from './checkpoint';
import { FormatError } from './errors';
import { exportOnnx } from './exportOnnx';
import { exportReadme } from './exportReadme';
import { exportTfjs } from './exportTfjs';
import type { SeriesMetadata } from './seriesMetadata';
import { exportSafetensors, exportVocabJson } from './weights';
import { unzipFiles, zipFiles } from './zip';

export type ExportKind = 'safetensors' | 'onnx' | 'tfjs';

export interface ExportFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

const OCTET = 'application/octet-stream';
const JSON_TYPE = 'application/json';
const MARKDOWN = 'text/markdown';

/** Which weights an export holds. */
export interface ExportedWeights {
  which: 'best' | 'latest';
  step: number;
  /** The best validation's loss (best weights only). */
  validationLoss?: number;
}

export interface ExportOptions {
  /** Which weights these are: written into the metadata, the README and the zip's name. */
  weights?: ExportedWeights;
  /** A forecast's columns and normalisation statistics, so a user can de-normalise. */
  series?: SeriesMetadata;
}

/** The name in the zip's name of each format ("pytorch", not the file type). */
const FORMAT_NAME: Record<ExportKind, string> = {
  safetensors: 'pytorch',
  onnx: 'onnx',
  tfjs: 'tfjs',
};

export function exportFiles(
  kind: ExportKind,
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary | null,
  { weights, series }: ExportOptions = {},
): ExportFile[] {
  const text = (s: string) => new TextEncoder().encode(s);
  const metadata = weightsMetadata(weights);
  const files: (ExportFile & { about: string })[] = [];
  switch (kind) {
    case 'safetensors':
      files.push({
        name: 'model.safetensors',
        mimeType: OCTET,
        bytes: exportSafetensors(model, params, vocab, metadata, series),
        about:
          'the weights (PyTorch state_dict names) with the configuration and vocabulary in its metadata',
      });
      break;
    case 'onnx':
      files.push({
        name: 'model.onnx',
        mimeType: OCTET,
        bytes: exportOnnx(model, params, vocab, metadata, series),
        about:
          'the whole model as one ONNX graph, configuration and vocabulary in its metadata_props',
      });
      break;
    case 'tfjs': {
      const ex = exportTfjs(model, params, vocab, 'model.weights.bin', metadata, series);
      files.push(
        {
          name: 'model.json',
          mimeType: JSON_TYPE,
          bytes: text(ex.modelJson),
          about: 'the Keras topology and weights manifest (configuration in userDefinedMetadata)',
        },
        {
          name: ex.weightsFile,
          mimeType: OCTET,
          bytes: ex.weights,
          about: 'the weights, float32, in manifest order',
        },
      );
      break;
    }
  }
  if (vocab) {
    files.push({
      name: 'vocab.json',
      mimeType: JSON_TYPE,
      bytes: text(exportVocabJson(vocab)),
      about: 'the vocabulary: token id ↔ character',
    });
  }
  if (series) {
    files.push({
      name: 'series.json',
      mimeType: JSON_TYPE,
      bytes: text(JSON.stringify(series, null, 2)),
      about: "the series' columns and the training split's mean and std of each",
    });
  }
  const readme = exportReadme({ kind, model, vocab, series, files, weights });
  files.push({ name: 'README.md', mimeType: MARKDOWN, bytes: text(readme), about: '' });
  return files.map(({ name, mimeType, bytes }) => ({ name, mimeType, bytes }));
}

/** The metadata strings saying which weights these are. */
function weightsMetadata(weights: ExportedWeights | undefined): Record<string, string> {
  if (!weights) return {};
  return {
    weights: weights.which,
    step: String(weights.step),
    ...(weights.validationLoss !== undefined
      ? { validation_loss: String(weights.validationLoss) }
      : {}),
  };
}

/**
 * A short, stable name saying what the export is: task (when not a language
 * model), cell, H, L, which weights and step, and the format or kind of export
 * ("pytorch", "onnx", "tfjs", or another export's own, e.g. "pytorch-project").
 */
export function exportName(
  model: ModelConfig,
  weights: ExportedWeights,
  format: ExportKind | string,
): string {
  const task = taskOf(model);
  const tag = format in FORMAT_NAME ? FORMAT_NAME[format as ExportKind] : format;
  return [
    'gatescope',
    ...(task === 'lm' ? [] : [task]),
    model.cell,
    `h${model.hiddenSize}`,
    `l${model.layers}`,
    ...(weights.which === 'best' ? ['best'] : []),
    `step${weights.step}`,
    tag,
  ].join('-');
}

/** The one download of an export: a single file as it is, several zipped as `<name>.zip`. */
export function packExport(name: string, files: ExportFile[]): ExportFile {
  if (files.length === 0) throw new Error(`the export ${name} has no files`);
  return files.length === 1 ? files[0] : zipFiles(name, files);
}

export function checkpointFile(bytes: Uint8Array): ExportFile {
  return { name: 'checkpoint.safetensors', mimeType: OCTET, bytes };
}

interface ChosenFile {
  name: string;
  bytes: Uint8Array;
  /** The zip the file came out of. */
  zip?: string;
}

const isZip = (name: string) => name.toLowerCase().endsWith('.zip');
const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1).toLowerCase();

/** A zip's entries, named `<zip>/<entry>` so that messages say where a file came from. */
function expand(files: { name: string; bytes: Uint8Array }[]): ChosenFile[] {
  return files.flatMap((f) =>
    isZip(f.name)
      ? unzipFiles(f.bytes, { file: f.name }).map((e) => ({
          name: `${f.name}/${e.name}`,
          bytes: e.bytes,
          zip: f.name,
        }))
      : [f],
  );
}

export function importFiles(
  chosen: { name: string; bytes: Uint8Array }[],
  options: Omit<LoadOptions, 'file' | 'vocabJson'> = {},
): LoadedCheckpoint & { source: string } {
  const files = expand(chosen);
  const weights = files.filter((f) => f.name.toLowerCase().endsWith('.safetensors'));
  if (weights.length !== 1) throw noWeights(files, weights.length);
  const vocab =
    files.find((f) => baseName(f.name) === 'vocab.json') ??
    files.find((f) => f.name.toLowerCase().endsWith('.json'));
  let vocabJson: string | undefined;
  if (vocab) {
    try {
      vocabJson = new TextDecoder('utf-8', { fatal: true }).decode(vocab.bytes);
    } catch {
      throw new FormatError('vocabulary-invalid', 'the file is not UTF-8 text', vocab.name);
    }
  }
  const [file] = weights;
  const loaded = loadCheckpoint(file.bytes, { ...options, file: file.name, vocabJson });
  return { ...loaded, source: file.zip ?? file.name };
}

/** Why no single .safetensors file was found, saying what an ONNX or TF.js zip is for. */
function noWeights(files: ChosenFile[], count: number): FormatError {
  if (count > 1) return new FormatError('missing-tensor', 'choose one .safetensors file at a time');
  const zipped = files.find((f) => f.zip && /\.onnx$|(^|\/)model\.json$|\.bin$/i.test(f.name));
  if (zipped) {
    const format = zipped.name.toLowerCase().endsWith('.onnx') ? 'ONNX' : 'TensorFlow.js';
    return new FormatError(
      'missing-tensor',
      `this is ${format === 'ONNX' ? 'an' : 'a'} ${format} export; gatescope imports ` +
        'safetensors: choose the PyTorch zip ' +
        '(or its model.safetensors) or a checkpoint',
      zipped.zip,
    );
  }
  return new FormatError(
    'missing-tensor',
    'choose a .safetensors file (model or checkpoint) or an exported PyTorch .zip, ' +
      'with vocab.json if it has no vocabulary',
  );
}
