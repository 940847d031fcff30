// Naive one-step baselines on the validation split, so a trained model has to
// earn its place: a forecast that loses to "tomorrow equals today" has learned
// nothing worth its weights. Each baseline predicts validation row t from rows
// before t only (the model sees the same history), and the errors are given in
// the column's own units and in normalised units (the units the model's MSE is in).
//
// Dimension legend: N rows of one column (Float64Array), P a season's length in
// rows. T window, B batch and C columns do not appear here.

import { fitColumn, splitSeries, type ColumnStats } from './normalize';

export interface ErrorMetrics {
  mse: number;
  mae: number;
  /** The same errors measured on normalised values: mse / std², mae / std. */
  mseNormalized: number;
  maeNormalized: number;
  /** How many validation rows were scored (rows with a missing value are skipped). */
  count: number;
}

export interface BaselineReport {
  /** x̂[t] = x[t − 1]. */
  lastValue: ErrorMetrics;
  /** x̂[t] = x[t − P]; null when no period was given or found. */
  seasonal: (ErrorMetrics & { period: number; detected: boolean }) | null;
  stats: ColumnStats;
}

/** Errors of predicting rows [from, N) by `predict(t)`; NaN pairs are left out. */
export function scoreOneStep(
  values: Float64Array,
  from: number,
  predict: (t: number) => number,
  stats: ColumnStats,
): ErrorMetrics {
  let se = 0;
  let ae = 0;
  let count = 0;
  for (let t = from; t < values.length; t++) {
    const e = values[t] - predict(t);
    if (Number.isNaN(e)) continue;
    se += e * e;
    ae += Math.abs(e);
    count++;
  }
  const mse = count === 0 ? NaN : se / count;
  const mae = count === 0 ? NaN : ae / count;
  return {
    mse,
    mae,
    mseNormalized: mse / (stats.std * stats.std),
    maeNormalized: mae / stats.std,
    count,
  };
}

/** Pearson correlation of x[t] and x[t + lag] over the overlap. */
export function autocorrelation(x: Float64Array, lag: number): number {
  const n = x.length - lag;
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += x[i];
    mb += x[i + lag];
  }
  ma /= n;
  mb /= n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - ma;
    const b = x[i + lag] - mb;
    num += a * b;
    da += a * a;
    db += b * b;
  }
  return da === 0 || db === 0 ? NaN : num / Math.sqrt(da * db);
}

/** x minus its least-squares line, missing values filled with the line (so they add nothing). */
function detrend(x: Float64Array): Float64Array {
  let n = 0;
  let st = 0;
  let sx = 0;
  let stt = 0;
  let stx = 0;
  x.forEach((v, t) => {
    if (Number.isNaN(v)) return;
    n++;
    st += t;
    sx += v;
    stt += t * t;
    stx += t * v;
  });
  const denom = n * stt - st * st;
  const slope = denom === 0 ? 0 : (n * stx - st * sx) / denom;
  const icpt = n === 0 ? 0 : (sx - slope * st) / n;
  return x.map((v, t) => (Number.isNaN(v) ? 0 : v - (icpt + slope * t)));
}

/**
 * The season's length: the lag in [minLag, maxLag] where the autocorrelation of
 * the linearly detrended series peaks (a trend would otherwise correlate every lag).
 * Multiples of the period peak almost as high, so the first local peak within 90%
 * of the highest wins. A peak counts only when it reaches `threshold` (0.5:
 * below it, x[t − P] predicts x[t] worse than the mean does) and rises by
 * `prominence` above the lowest autocorrelation at a shorter lag: a season
 * swings the series away and back, where a random walk's slow drift only decays
 * and its bumps would pass for a season (9.5% of 200 walks of 1,600 rows at the
 * old 0.3 threshold alone, none with both). Null when no peak qualifies.
 */
export function detectPeriod(
  x: Float64Array,
  minLag = 2,
  maxLag = Math.min(Math.floor(x.length / 3), 500),
  threshold = 0.5,
  prominence = 0.5,
): number | null {
  const d = detrend(x);
  const r = new Float64Array(maxLag + 2);
  for (let lag = Math.max(1, minLag - 1); lag <= maxLag + 1; lag++)
    r[lag] = autocorrelation(d, lag);
  const peaks: number[] = [];
  let lowest = r[Math.max(1, minLag - 1)];
  for (let lag = minLag; lag <= maxLag; lag++) {
    lowest = Math.min(lowest, r[lag]);
    const isPeak = r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1];
    if (isPeak && r[lag] >= threshold && r[lag] - lowest >= prominence) peaks.push(lag);
  }
  if (peaks.length === 0) return null;
  const best = Math.max(...peaks.map((l) => r[l]));
  return peaks.find((l) => r[l] >= 0.9 * best) ?? null;
}

export interface BaselineOptions {
  /** Held-out fraction at the end, as for text. */
  valFraction: number;
  /** The season's length; detected on the training split when omitted. */
  period?: number;
  /** Search range for the detected period. */
  minPeriod?: number;
  maxPeriod?: number;
}

/** Last-value and seasonal-naive errors on the validation split of one column. */
export function naiveBaselines(values: Float64Array, o: BaselineOptions): BaselineReport {
  const { trainRows } = splitSeries(values.length, o.valFraction);
  const stats = fitColumn(values, trainRows);
  const from = Math.max(1, trainRows);
  const lastValue = scoreOneStep(values, from, (t) => values[t - 1], stats);
  const train = values.subarray(0, trainRows);
  const detected = o.period === undefined;
  const period =
    o.period ??
    (trainRows >= 8
      ? detectPeriod(train, o.minPeriod, o.maxPeriod ?? Math.min(Math.floor(trainRows / 3), 500))
      : null);
  let seasonal: BaselineReport['seasonal'] = null;
  if (period !== null && period >= 1) {
    const p = period;
    const m = scoreOneStep(values, Math.max(p, trainRows), (t) => values[t - p], stats);
    seasonal = { ...m, period: p, detected };
  }
  return { lastValue, seasonal, stats };
}
