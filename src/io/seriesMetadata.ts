// What a forecast model's files carry beside the weights so a person can use
// them: which columns it reads and predicts, and the normalisation statistics
// of the training split (src/series/normalize.ts), because the model reads and
// writes normalised values. In Python, after loading model.safetensors:
//   x_norm = (x - mean[i]) / std[i]         for each input column i
//   y      = y_norm * std[j] + mean[j]      for each target column j
// Stored as the JSON string "series" in safetensors metadata and ONNX
// metadata_props, and as the object `series` in TF.js userDefinedMetadata.
//
// Dimension legend: C columns listed, Ci columns read, Co columns predicted.
//
// Public API:
//   SeriesMetadata                              the record (below)
//   seriesMetadataOf(names, layout, stats) → SeriesMetadata   (only the used columns)
//   checkSeriesMetadata(meta, model, file?)     throws FormatError 'metadata-invalid'
//   parseSeriesMetadata(text, model, file?) → SeriesMetadata

import type { ModelConfig } from '../engine/config';
import type { ColumnStats } from '../series/normalize';
import type { SeriesLayout } from '../series/windows';
import { FormatError } from './errors';

/** Metadata key of the record in every format. */
export const SERIES_META_KEY = 'series';

export interface SeriesMetadata {
  /** Names of the C columns listed (those the model uses, from seriesMetadataOf). */
  columns: string[];
  /** Ci indices into `columns`: the values read at each step, in the model's input order. */
  inputColumns: number[];
  /** Co indices into `columns`: the values predicted one step ahead, in the head's output order. */
  targetColumns: number[];
  /** (C) mean of each listed column over the training split. */
  mean: number[];
  /** (C) the scale each listed column was divided by (population std; 1 for a constant column). */
  std: number[];
}

/**
 * The record for a series whose columns are `names` (all of them, as the
 * layout indexes them), trained with `layout` and the per-column statistics
 * `stats` (one per name, normalize.ts fitNormalization): only the used
 * columns are kept, inputs first in their order, then targets not already
 * listed, and the indices renumbered into that list.
 */
export function seriesMetadataOf(
  names: string[],
  layout: SeriesLayout,
  stats: ColumnStats[],
): SeriesMetadata {
  const used = [...new Set([...layout.inputColumns, ...layout.targetColumns])];
  const at = new Map(used.map((c, k) => [c, k]));
  return {
    columns: used.map((c) => names[c]),
    inputColumns: layout.inputColumns.map((c) => at.get(c)!),
    targetColumns: layout.targetColumns.map((c) => at.get(c)!),
    mean: used.map((c) => stats[c].mean),
    std: used.map((c) => stats[c].std),
  };
}

/** Throws FormatError 'metadata-invalid' unless `meta` is a well-formed record for `model`. */
export function checkSeriesMetadata(
  meta: SeriesMetadata,
  model: ModelConfig,
  file?: string,
): SeriesMetadata {
  const fail = (why: string) =>
    new FormatError('metadata-invalid', `the "series" metadata: ${why}`, file);
  const r = meta as unknown as Record<string, unknown>;
  if (typeof r !== 'object' || r === null) throw fail('not an object');
  const { columns, inputColumns, targetColumns, mean, std } = r;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw fail('"columns" must be a list of names');
  }
  const C = columns.length;
  const indices = (x: unknown, name: string, count: number | undefined): number[] => {
    if (!Array.isArray(x) || !x.every((i) => Number.isInteger(i) && i >= 0 && i < C)) {
      throw fail(`"${name}" must list indices into "columns" (0 … ${C - 1})`);
    }
    if (count !== undefined && x.length !== count) {
      throw fail(`"${name}" lists ${x.length} columns but the model has ${count}`);
    }
    return x as number[];
  };
  const numbers = (x: unknown, name: string, positive: boolean): number[] => {
    if (
      !Array.isArray(x) ||
      x.length !== C ||
      !x.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0))
    ) {
      throw fail(`"${name}" must hold ${C} finite${positive ? ' positive' : ''} numbers`);
    }
    return x as number[];
  };
  return {
    columns: [...(columns as string[])],
    inputColumns: [...indices(inputColumns, 'inputColumns', model.seriesInputs)],
    targetColumns: [...indices(targetColumns, 'targetColumns', model.seriesOutputs)],
    mean: [...numbers(mean, 'mean', false)],
    std: [...numbers(std, 'std', true)],
  };
}

export function parseSeriesMetadata(
  text: string,
  model: ModelConfig,
  file?: string,
): SeriesMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FormatError('metadata-invalid', 'the "series" metadata is not JSON', file);
  }
  return checkSeriesMetadata(raw as SeriesMetadata, model, file);
}
