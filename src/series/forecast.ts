// What a forecast model says about a series, through the engine's own
// forward pass (Backend.predict on B = 1 windows, state carried from window
// to window as the model trains): the one-step prediction of every row from
// the rows before it, and the autoregressive rollout that feeds the model its
// own predictions of the target columns. Both build the model's state on
// actual rows first (a warm-up) rather than from the series' start, so a
// long series costs the rows asked for. Values are normalised here
// (normalize.ts); the caller maps them back to the columns' units.
//
// Dimension legend: N rows, T window, Ci input columns, Co target columns,
// R rollout rows, K warm-up rows before a rollout. One stream: B = 1.

import type { Backend } from '../engine/backend';
import { seriesWindowAt, type SeriesBatch, type SeriesLayout } from './windows';

/**
 * B = 1 windows of T rows over rows [from, to − 1) of `columns` (normalised),
 * targets one row later: the stream the one-step predictions read. The last
 * window is shorter when T does not divide the rows.
 */
export function streamWindows(
  columns: Float64Array[],
  layout: SeriesLayout,
  from: number,
  to: number,
  seqLen: number,
): SeriesBatch[] {
  const out: SeriesBatch[] = [];
  for (let start = from; start < to - 1; start += seqLen) {
    const T = Math.min(seqLen, to - 1 - start);
    out.push(seriesWindowAt(columns, layout, 0, start, 1, T));
  }
  return out;
}

/**
 * Rows the one-step predictions of a model trained on windows of `seqLen`
 * rows read before the first row asked for, to build its state (from row 0
 * when there are fewer): 1,000, or four windows when that is more. Truncated
 * backpropagation teaches no dependency longer than a window, so a state
 * started this early is the state started at row 0 to within float rounding
 * (docs/forecasting.md has the measurement), and a long series costs the rows
 * asked for plus this, not every row before them, per validation run.
 */
export function oneStepWarmUp(seqLen: number): number {
  return Math.max(1000, 4 * seqLen);
}

/**
 * (N, Co) normalised one-step predictions: row r, first ≤ r < end, holds
 * the model's prediction of row r from rows from … r − 1, state carried from
 * row from = max(0, first − warmUp); every other row is NaN. By default
 * every row from 1 on, state carried from the series' start (row 0 has
 * nothing before it).
 */
export async function oneStepPredictions(
  backend: Backend,
  columns: Float64Array[],
  layout: SeriesLayout,
  seqLen: number,
  { first = 1, end = columns[0].length, warmUp = Infinity } = {},
): Promise<Float32Array> {
  const N = columns[0].length;
  const Co = layout.targetColumns.length;
  const out = new Float32Array(N * Co).fill(NaN);
  const from = Math.max(0, first - warmUp);
  const windows = streamWindows(columns, layout, from, Math.min(end, N), seqLen);
  const outputs = await backend.predict(windows); // each (T, 1, Co)
  let row = from + 1;
  for (const o of outputs) {
    // The warm-up's own predictions (rows before `first`) are left out.
    const skip = Math.max(0, Math.min(o.length / Co, first - row));
    out.set(o.subarray(skip * Co), (row + skip) * Co);
    row += o.length / Co;
  }
  return out;
}

/**
 * R rows of autoregressive forecast from row `from` (normalised, (R, Co)):
 * the model reads K warm-up rows before `from` (its state built from zero on
 * actual values, as a validation run starts), then each predicted row of the
 * target columns is fed back as the next input where a target column is also
 * an input; other input columns (known covariates) take their actual values.
 * With covariates R is at most the rows left after `from` (their actual
 * values end there); when every input is a target it may run past the last
 * row, `from` = N included: a forecast of what comes after the series. One
 * prediction stream (Backend.predictStream) reads each row once: K + R rows.
 */
export async function rollout(
  backend: Backend,
  columns: Float64Array[],
  layout: SeriesLayout,
  from: number,
  rows: number,
  warmUp: number,
  seqLen: number,
): Promise<Float32Array> {
  const N = columns[0].length;
  const R = Math.max(0, canRunPastEnd(layout) ? rows : Math.min(rows, N - from));
  const Co = layout.targetColumns.length;
  const out = new Float32Array(R * Co);
  if (R === 0 || from < 1 || from > N) return out;
  const start = Math.max(0, from - warmUp);
  // A working copy of the rows read: actual values, the target columns overwritten as
  // predicted (past the last row there is nothing else to read: zeros, never an input).
  const work = columns.map((c) => {
    const copy = new Float64Array(from + R - start);
    copy.set(c.subarray(start, Math.min(N, from + R)));
    return copy;
  });
  const fedBack = layout.targetColumns.map((c) => layout.inputColumns.includes(c));
  // One stream, its state carried: the warm-up rows start … from − 1 in windows of T (the
  // last output predicts row `from`), then one row per step, the prediction fed back first.
  const stream = backend.predictStream();
  let last: Float32Array = new Float32Array(0);
  for (const window of streamWindows(work, layout, 0, from - start + 1, seqLen)) {
    last = await stream.next(window);
  }
  for (let j = 0; j < R; j++) {
    const prediction = last.subarray(last.length - Co);
    out.set(prediction, j * Co);
    const row = from + j - start;
    layout.targetColumns.forEach((c, k) => {
      if (fedBack[k]) work[c][row] = prediction[k];
    });
    if (j + 1 < R) last = await stream.next(seriesWindowAt(work, layout, 0, row, 1, 1));
  }
  return out;
}

/** Whether a rollout can run past the series' last row: every input is fed back (no covariates). */
export function canRunPastEnd(layout: SeriesLayout): boolean {
  return layout.inputColumns.every((c) => layout.targetColumns.includes(c));
}
