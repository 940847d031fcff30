// Named files for download buttons and file pickers: the UI hands these to a
// Blob/anchor (or the File System Access API) and back, without knowing the
// formats. Pure functions; no DOM.
//
// Public API:
//   exportFiles(kind, model, params, vocab, options?) → ExportFile[]
//     'safetensors' → model.safetensors, vocab.json
//     'onnx'        → model.onnx
//     'tfjs'        → model.json, model.weights.bin
//     vocab: null for a forecast (no vocab.json then).
//     options.baseName replaces "model" in the names; options.metadata goes
//     into each format's metadata (safetensors metadata, ONNX metadata_props,
//     TF.js userDefinedMetadata); options.series is a forecast's columns and
//     normalisation statistics (seriesMetadata.ts), written into each format.
//   checkpointFile(bytes) → ExportFile   (checkpoint.safetensors)
//   importFiles(files, options) → LoadedCheckpoint
//     picks the .safetensors among the files (and vocab.json, if given) and
//     loads it as a checkpoint or as plain weights; throws FormatError.

import type { ModelConfig } from '../engine/config';
import type { Vocabulary } from '../engine/tokenizer';
import { loadCheckpoint, type LoadedCheckpoint, type LoadOptions } from './checkpoint';
import { FormatError } from './errors';
import { exportOnnx } from './exportOnnx';
import { exportTfjs } from './exportTfjs';
import type { SeriesMetadata } from './seriesMetadata';
import { exportSafetensors, exportVocabJson } from './weights';

export type ExportKind = 'safetensors' | 'onnx' | 'tfjs';

export interface ExportFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

const OCTET = 'application/octet-stream';
const JSON_TYPE = 'application/json';

export interface ExportOptions {
  /** The files' name before the extension (default "model"). */
  baseName?: string;
  /** Extra metadata strings (which weights, their step). */
  metadata?: Record<string, string>;
  /** A forecast's columns and normalisation statistics, so a user can de-normalise. */
  series?: SeriesMetadata;
}

export function exportFiles(
  kind: ExportKind,
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary | null,
  { baseName = 'model', metadata = {}, series }: ExportOptions = {},
): ExportFile[] {
  const text = (s: string) => new TextEncoder().encode(s);
  switch (kind) {
    case 'safetensors':
      return [
        {
          name: `${baseName}.safetensors`,
          mimeType: OCTET,
          bytes: exportSafetensors(model, params, vocab, metadata, series),
        },
        ...(vocab
          ? [{ name: 'vocab.json', mimeType: JSON_TYPE, bytes: text(exportVocabJson(vocab)) }]
          : []),
      ];
    case 'onnx':
      return [
        {
          name: `${baseName}.onnx`,
          mimeType: OCTET,
          bytes: exportOnnx(model, params, vocab, metadata, series),
        },
      ];
    case 'tfjs': {
      const ex = exportTfjs(model, params, vocab, `${baseName}.weights.bin`, metadata, series);
      return [
        { name: `${baseName}.json`, mimeType: JSON_TYPE, bytes: text(ex.modelJson) },
        { name: ex.weightsFile, mimeType: OCTET, bytes: ex.weights },
      ];
    }
  }
}

export function checkpointFile(bytes: Uint8Array): ExportFile {
  return { name: 'checkpoint.safetensors', mimeType: OCTET, bytes };
}

export function importFiles(
  files: { name: string; bytes: Uint8Array }[],
  options: Omit<LoadOptions, 'file' | 'vocabJson'> = {},
): LoadedCheckpoint {
  const weights = files.filter((f) => f.name.toLowerCase().endsWith('.safetensors'));
  if (weights.length !== 1) {
    throw new FormatError(
      'missing-tensor',
      weights.length === 0
        ? 'choose a .safetensors file (model or checkpoint), with vocab.json if it has no vocabulary'
        : 'choose one .safetensors file at a time',
    );
  }
  const vocab = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  let vocabJson: string | undefined;
  if (vocab) {
    try {
      vocabJson = new TextDecoder('utf-8', { fatal: true }).decode(vocab.bytes);
    } catch {
      throw new FormatError('vocabulary-invalid', 'the file is not UTF-8 text', vocab.name);
    }
  }
  return loadCheckpoint(weights[0].bytes, { ...options, file: weights[0].name, vocabJson });
}
