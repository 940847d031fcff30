// What the forecast charts draw, assembled from the worker's reports: pure
// functions, so the tests check them without a browser.
//
// Dimension legend: N rows of a ForecastReport's actual/oneStep, R rows of its
// rollout, P rows of a gate snapshot's stretch.

import type { ForecastColumn, ForecastReport, TaskScoresReport } from '../engine/training/events';
import { canRunPastEnd } from '../series/forecast';
import { thin } from '../store/metrics';
import type { BaselineScores, SeriesStats } from '../worker/protocol';

/** One row of the forecast chart; a missing key is a gap in that line. */
export interface ForecastRow {
  row: number;
  actual?: number;
  oneStep?: number;
  rollout?: number;
  future?: number;
}

/**
 * The chart's table by data row: the actual values and one-step predictions
 * over start … start + N − 1, the rollout over validationStart … + R − 1
 * (the worker keeps it inside the series), and the forecast past the series'
 * end over seriesRows … + F − 1 when the rows shown reach that end (a long
 * validation part is cut at CHART_ROWS: then there is no end to continue).
 * NaN (no prediction yet at the first rows) is left out, so recharts draws a
 * gap rather than a line to zero.
 */
export function forecastRows(report: ForecastReport, column: ForecastColumn): ForecastRow[] {
  const { start, validationStart, seriesRows } = report;
  const { actual, oneStep, rollout } = column;
  if (actual.length === 0 && rollout.length === 0) return [];
  const future = start + actual.length === seriesRows ? column.future : new Float64Array(0);
  const first = Math.min(start, validationStart);
  const end = Math.max(
    start + actual.length,
    validationStart + rollout.length,
    future.length > 0 ? seriesRows + future.length : 0,
  );
  const rows: ForecastRow[] = [];
  for (let r = first; r < end; r++) {
    const row: ForecastRow = { row: r };
    const k = r - start;
    if (k >= 0 && k < actual.length && Number.isFinite(actual[k])) row.actual = actual[k];
    if (k >= 0 && k < oneStep.length && Number.isFinite(oneStep[k])) row.oneStep = oneStep[k];
    const j = r - validationStart;
    if (j >= 0 && j < rollout.length && Number.isFinite(rollout[j])) row.rollout = rollout[j];
    const f = r - seriesRows;
    if (f >= 0 && f < future.length && Number.isFinite(future[f])) row.future = future[f];
    rows.push(row);
  }
  return rows;
}

/** Column `c` of the series as the page names it (its header, or its place when it has none). */
export function columnLabel(series: SeriesStats, c: number): string {
  return series.columns[c]?.name ?? `column ${c + 1}`;
}

/**
 * Which of a report's (or a gate stretch's) target columns to draw: the one
 * named `chosen`, or the first (the first target) when no column has that
 * name (nothing chosen yet, or the targets changed since).
 */
export function chosenColumn<C extends { name: string }>(
  columns: readonly C[],
  chosen: string | null,
): C | undefined {
  return columns.find((c) => c.name === chosen) ?? columns[0];
}

/** A forecast model's scores at one validation run. */
export type ForecastScoresReport = Extract<TaskScoresReport, { kind: 'forecast' }>;

/** The forecast scores of a model's validation runs, in step order (tagging scores left out). */
export function forecastScores(
  reports: readonly TaskScoresReport[] | undefined,
): ForecastScoresReport[] {
  return (reports ?? []).filter((r): r is ForecastScoresReport => r.kind === 'forecast');
}

/** One target's line of the per-target scores: the model's MSE beside its own baselines'. */
export interface TargetScores {
  name: string;
  /** The model's validation MSE of this target; null before the first validation. */
  model: number | null;
  lastValue: number;
  /** With the target's own season P; null when it has none. */
  seasonal: { mse: number; period: number } | null;
  /** "beats both", "beats last value", "not yet below either", …; '–' before a score. */
  verdict: string;
}

/** Each target's scores, in the layout's order, from the latest validation run (if any). */
export function targetScores(
  series: SeriesStats,
  latest: ForecastScoresReport | null,
): TargetScores[] {
  const { layout, baselines } = series;
  return layout.targetColumns.map((c, k) => {
    const own = baselines.perTarget[k];
    const model = latest?.perTarget[k]?.mse ?? null;
    const seasonal = own?.seasonal ? { mse: own.seasonal.mse, period: own.seasonal.period } : null;
    const lastValue = own?.lastValue.mse ?? NaN;
    return {
      name: columnLabel(series, c),
      model,
      lastValue,
      seasonal,
      verdict: targetVerdict(model, lastValue, seasonal?.mse ?? null),
    };
  });
}

function targetVerdict(model: number | null, lastValue: number, seasonal: number | null): string {
  if (model === null || !Number.isFinite(model)) return '–';
  const beatsLast = model < lastValue;
  if (seasonal === null) return beatsLast ? 'beats last value' : 'not yet below last value';
  const beatsSeasonal = model < seasonal;
  if (beatsLast && beatsSeasonal) return 'beats both';
  if (beatsLast) return 'beats last value only';
  if (beatsSeasonal) return 'beats seasonal naive only';
  return 'not yet below either';
}

/**
 * The validation MSE curve with at most `max` points (bucket means, the last
 * kept as it is, as the loss chart thins its curves): a long run validates
 * thousands of times, and a chart of every point would slow each redraw.
 */
export function mseCurve(
  scores: readonly { step: number; mse: number }[],
  max: number,
): { step: number; mse: number }[] {
  // Drawn on a log axis: a zero (or a failed, non-finite) score has no place on it.
  const points = scores
    .filter((s) => s.mse > 0 && Number.isFinite(s.mse))
    .map((s) => ({ step: s.step, loss: s.mse }));
  return thin(points, max).map((p) => ({ step: p.step, mse: p.loss }));
}

/** How the model's validation MSE stands against a baseline's (both normalised). */
export interface Comparison {
  /** The model's MSE is below the baseline's. */
  beats: boolean;
  /** 100 · (1 − model / baseline): how much lower (negative: higher), in percent. */
  percent: number;
}

/** The model against a baseline, or null when either is not a finite, usable number. */
export function compareToBaseline(modelMse: number, baseline: BaselineScores): Comparison | null {
  if (!Number.isFinite(modelMse) || !(baseline.mse > 0) || !Number.isFinite(baseline.mse)) {
    return null;
  }
  const percent = 100 * (1 - modelMse / baseline.mse);
  return { beats: modelMse < baseline.mse, percent };
}

/** The verdict on one baseline: "beats the last-value baseline by 23.4%" or "not yet below …". */
export function comparisonText(comparison: Comparison | null, baselineName: string): string {
  if (!comparison) return `no validation score yet to set beside the ${baselineName} baseline`;
  if (comparison.beats) {
    // 99.96% would round to a "100.0%" that no finite error earns.
    const by = comparison.percent >= 99.95 ? 'more than 99.9' : comparison.percent.toFixed(1);
    return `beats the ${baselineName} baseline by ${by}%`;
  }
  return `not yet below the ${baselineName} baseline (${(-comparison.percent).toFixed(1)}% above it)`;
}

/** A score as the tiles write it: four significant digits, small ones in exponent form. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return v
    .toPrecision(4)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** A log axis's tick: plain decimals down to 0.001, then 1e-4, 2.5e-5. */
export function formatLogTick(v: number): string {
  if (v >= 1e-3) return String(Number(v.toPrecision(3)));
  const [mantissa, exponent] = v.toExponential(1).split('e');
  return `${String(Number(mantissa))}e${String(Number(exponent))}`;
}

/**
 * An SVG path of a gate stretch's values across a box of `width` × `height`:
 * position p at the centre of its heatmap column (as wide as the map's
 * cells), the values scaled to the box with a small margin. Non-finite values
 * break the line.
 */
export function stripPath(values: ArrayLike<number>, width: number, height: number): string {
  const P = values.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < P; p++) {
    const v = values[p];
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (P === 0 || lo > hi) return '';
  const margin = 2;
  const span = hi - lo || 1;
  const y = (v: number) =>
    hi === lo ? height / 2 : margin + ((hi - v) / span) * (height - 2 * margin);
  const parts: string[] = [];
  let pen = false;
  for (let p = 0; p < P; p++) {
    const v = values[p];
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = ((p + 0.5) * width) / P;
    parts.push(`${pen ? 'L' : 'M'}${x.toFixed(2)} ${y(v).toFixed(2)}`);
    pen = true;
  }
  return parts.join(' ');
}

/** The chart's rollout as the panel names it: the rows it runs and what it is fed. */
export interface RolloutInfo {
  /** Rows it runs: the horizon, cut to the held-out rows (the inputs' recorded values end there). */
  rows: number;
  /** The horizon asked for had to be cut. */
  cut: boolean;
  /** The legend's words for it. */
  legend: string;
  /** It also runs past the series' last row (every input is a target: nothing unknown is read). */
  pastEnd: boolean;
}

/** What the rollout of target column `target` (the first by default) is fed, and its rows. */
export function rolloutInfo(
  series: SeriesStats,
  target: number = series.layout.targetColumns[0],
): RolloutInfo {
  const { layout, horizon, validationRows } = series;
  const rows = Math.min(horizon, validationRows);
  const name = (c: number) => columnLabel(series, c);
  const others = layout.inputColumns.filter((c) => !layout.targetColumns.includes(c));
  // The targets whose forecasts are read back: all of them drive every target's line.
  const fed = layout.targetColumns.filter((c) => layout.inputColumns.includes(c));
  const recorded = others.length > 0 ? `; ${others.map(name).join(', ')} as recorded` : '';
  let legend: string;
  if (fed.length === 0) {
    legend = `rollout (nothing fed back: ${name(target)} is not an input)`;
  } else if (!fed.includes(target)) {
    legend = `rollout (${name(target)} is not an input; fed its forecasts of ${fed.map(name).join(', ')}${recorded})`;
  } else {
    legend = `rollout (fed its own forecasts${recorded})`;
  }
  return { rows, cut: rows < horizon, legend, pastEnd: canRunPastEnd(layout) };
}
