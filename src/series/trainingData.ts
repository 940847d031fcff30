// A series as the training loop's data bundle for a forecast model
// (engine/training/data.ts): columns normalised with the statistics of the
// training rows only (normalize.ts), training and validation windows
// (windows.ts), the scores of the one-step predictions on the validation
// rows with each validation run, the forecast chart at the probe cadence
// (history, actual, one-step predictions, rollout: forecast.ts) and the gate
// snapshot of a stretch of the validation rows.
//
// Dimension legend: N rows, B batch, T window, Ci input columns, Co target
// columns, P probed rows, R rollout rows.

import type { Backend } from '../engine/backend';
import type { ModelConfig, TrainConfig } from '../engine/config';
import type { ProbeOutcome } from '../engine/snapshot';
import { directionCount } from '../engine/task';
import { copyLayers, type TaskScorer, type TrainingData } from '../engine/training/data';
import { PROBE_STREAMS } from '../engine/training/diagnostics';
import type { ForecastReport } from '../engine/training/events';
import type { TrainerOptions } from '../engine/training/options';
import { canRunPastEnd, oneStepPredictions, oneStepWarmUp, rollout } from './forecast';
import {
  denormalizeValue,
  fitColumn,
  normalize,
  splitSeries,
  type ColumnStats,
  type SeriesSplit,
} from './normalize';
import {
  SeriesBatcher,
  seriesValidationBatches,
  seriesWindowAt,
  sliceRows,
  type SeriesLayout,
} from './windows';

/** Most rows the forecast chart shows: history before the validation split, then held-out rows. */
export const CHART_ROWS = 600;
/** Rows of history the chart keeps at least, when the validation part is long. */
const MIN_HISTORY = 100;
/** Validation rows a gate snapshot shows (P at most). */
export const PROBE_ROWS = 200;
/** Rows a rollout reads before its first prediction, to build the model's state. */
export const ROLLOUT_WARM_UP = 128;
/** Rows of the chart's rollout unless the person chose otherwise. */
export const DEFAULT_HORIZON = 50;

/** A series ready to train on: its columns in their units and normalised, and where validation starts. */
export interface SeriesData {
  name: string;
  /** (N) per numeric column, in its own units. */
  columns: Float64Array[];
  names: string[];
  layout: SeriesLayout;
  split: SeriesSplit;
  /** Per column, from the training rows only. */
  stats: ColumnStats[];
  /** (N) per column, normalised with `stats`. */
  normalized: Float64Array[];
}

export function prepareSeries(
  name: string,
  columns: Float64Array[],
  names: string[],
  layout: SeriesLayout,
  valFraction: number,
): SeriesData {
  const split = splitSeries(columns[0]?.length ?? 0, valFraction);
  const stats = columns.map((c) => fitColumn(c, split.trainRows));
  const normalized = columns.map((c, k) => normalize(c, stats[k]));
  return { name, columns, names, layout, split, stats, normalized };
}

/** Why a forecast model cannot sample. */
export const FORECAST_SAMPLING_REFUSAL =
  'a forecast model predicts values, not characters: sampling needs a next-character model';

/** The training loop's bundle for a forecast model of `model` on `series`; `horizon` is read at each chart. */
export function forecastTrainingData(
  series: SeriesData,
  model: ModelConfig,
  { batchSize: B, seqLen: T, seed }: TrainConfig,
  options: TrainerOptions,
  horizon: () => number = () => DEFAULT_HORIZON,
): TrainingData {
  const { normalized, layout, names, split } = series;
  const N = split.trainRows + split.validationRows;
  const train = sliceRows(normalized, 0, split.trainRows);
  const batches = new SeriesBatcher(train, layout, B, T, seed, names);
  const flowB = Math.min(B, PROBE_STREAMS);
  return {
    batches,
    validation: seriesValidationBatches(
      sliceRows(normalized, split.trainRows, N),
      layout,
      B,
      T,
      options.maxValidationWindows,
      names,
    ),
    flowWindow:
      directionCount(model) === 1
        ? seriesWindowAt(train, layout, Math.floor((split.trainRows - 1) / flowB), 0, flowB, T)
        : null,
    probe: {
      needsText: false,
      take: (backend, { fromRow }) => seriesProbe(backend, series, fromRow),
    },
    sampling: { refusal: FORECAST_SAMPLING_REFUSAL },
    scores: forecastScorer(series, T),
    companion: {
      async take(backend, events) {
        events.forecast?.(await forecastReport(backend, series, T, horizon()));
      },
    },
  };
}

/**
 * MSE and MAE of the one-step predictions of the validation rows (state built
 * over the oneStepWarmUp rows before them), normalised, of each target column
 * and averaged over them (the baselines' mseNormalized units).
 */
export function forecastScorer(series: SeriesData, seqLen: number): TaskScorer {
  return {
    async run(backend) {
      const { normalized, layout, split } = series;
      if (split.validationRows === 0) return null;
      const first = Math.max(1, split.trainRows);
      const predicted = await oneStepPredictions(backend, normalized, layout, seqLen, {
        first,
        warmUp: oneStepWarmUp(seqLen),
      }); // (N, Co), from `first` on
      const Co = layout.targetColumns.length;
      const N = split.trainRows + split.validationRows;
      const rows = N - first;
      if (rows <= 0) return null;
      // (Co) each target's errors over the validation rows; every target has as many rows.
      const perTarget = layout.targetColumns.map((c, k) => {
        let se = 0;
        let ae = 0;
        for (let r = first; r < N; r++) {
          const e = normalized[c][r] - predicted[r * Co + k];
          se += e * e;
          ae += Math.abs(e);
        }
        return { mse: se / rows, mae: ae / rows };
      });
      const mean = (key: 'mse' | 'mae') => perTarget.reduce((sum, t) => sum + t[key], 0) / Co;
      return {
        kind: 'forecast',
        step: backend.step,
        mse: mean('mse'),
        mae: mean('mae'),
        perTarget,
      };
    },
  };
}

/** The rows the chart shows: [start, start + length), history then validation, CHART_ROWS at most. */
export function chartRows(split: SeriesSplit): { start: number; length: number } {
  const shownValidation = Math.min(
    split.validationRows,
    CHART_ROWS - Math.min(split.trainRows, MIN_HISTORY),
  );
  const history = Math.min(split.trainRows, CHART_ROWS - shownValidation);
  return { start: split.trainRows - history, length: history + shownValidation };
}

/** The forecast chart's series of every target column, each in its own units. */
export async function forecastReport(
  backend: Backend,
  series: SeriesData,
  seqLen: number,
  horizon: number,
): Promise<ForecastReport> {
  const { columns, normalized, layout, split, stats, names } = series;
  const step = backend.step;
  const Co = layout.targetColumns.length;
  const { start, length } = chartRows(split);
  const predicted = await oneStepPredictions(backend, normalized, layout, seqLen, {
    first: Math.max(1, start),
    end: start + length,
    warmUp: oneStepWarmUp(seqLen),
  }); // (N, Co), rows start … start + length − 1
  const ahead = await rollout(
    backend,
    normalized,
    layout,
    split.trainRows,
    horizon,
    ROLLOUT_WARM_UP,
    seqLen,
  ); // (R, Co)
  const N = split.trainRows + split.validationRows;
  // The same rollout from the last row: the forecast of what comes next, when nothing else is read.
  const next = canRunPastEnd(layout)
    ? await rollout(backend, normalized, layout, N, horizon, ROLLOUT_WARM_UP, seqLen)
    : new Float32Array(0); // (F, Co)
  // Column k of a (rows, Co) table, in target column `c`'s units.
  const inUnits = (table: ArrayLike<number>, rows: number, k: number, c: number) =>
    Float64Array.from({ length: rows }, (_, j) => denormalizeValue(table[j * Co + k], stats[c]));
  return {
    step,
    start,
    validationStart: split.trainRows,
    seriesRows: N,
    columns: layout.targetColumns.map((c, k) => ({
      name: columnName(names, c),
      actual: Float64Array.from(columns[c].subarray(start, start + length)), // (length)
      oneStep: inUnits(predicted.subarray(start * Co), length, k, c), // (length)
      rollout: inUnits(ahead, ahead.length / Co, k, c), // (R)
      future: inUnits(next, next.length / Co, k, c), // (F)
    })),
  };
}

/** A column's name as the chart and the gates strip show it. */
function columnName(names: readonly string[], c: number): string {
  return names[c] ?? `column ${c + 1}`;
}

/**
 * The gate snapshot of PROBE_ROWS rows (fewer at the series' end) from row
 * `fromRow` (clamped into the series), or by default from the first
 * validation row (the training rows' last PROBE_ROWS when there is no
 * validation part): the model reads them from zero state; `series` holds
 * each target column there in its units.
 */
export async function seriesProbe(
  backend: Backend,
  series: SeriesData,
  fromRow: number | null = null,
): Promise<ProbeOutcome> {
  const { columns, normalized, layout, split, names } = series;
  const N = split.trainRows + split.validationRows;
  const start =
    fromRow !== null
      ? Math.min(Math.max(0, fromRow), N - 1)
      : split.validationRows > 0
        ? split.trainRows
        : Math.max(0, N - PROBE_ROWS);
  const P = Math.min(PROBE_ROWS, N - start);
  if (P <= 0) return { problem: 'the series has no rows to probe' };
  const Ci = layout.inputColumns.length;
  const input = new Float32Array(P * Ci); // (P, Ci)
  for (let t = 0; t < P; t++) {
    layout.inputColumns.forEach((c, k) => (input[t * Ci + k] = normalized[c][start + t]));
  }
  const step = backend.step;
  const result = await backend.probe(input);
  const { cell } = backend.model;
  return {
    snapshot: {
      step,
      cell,
      chars: [],
      hidden: backend.model.hiddenSize,
      layers: copyLayers(result.layers, cell),
      nextCharProb: new Float32Array(0),
      series: {
        start,
        columns: layout.targetColumns.map((c) => ({
          name: columnName(names, c),
          values: Float64Array.from(columns[c].subarray(start, start + P)), // (P)
        })),
      },
      unknown: [],
    },
  };
}
