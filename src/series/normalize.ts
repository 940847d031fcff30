// Normalisation for forecasting: each column is shifted and scaled by the mean and
// standard deviation of its TRAINING split only. Statistics that saw the held-out
// end would leak its level into training, and the validation loss would flatter
// the model. The split mirrors the text batcher's splitCorpus: the last
// `valFraction` of the rows are held out, so validation is the series' future.
//
// Dimension legend: C columns, N rows (one Float64Array of N per column).
// T window and B batch do not appear here.

export interface SeriesSplit {
  /** Rows [0, trainRows) train; rows [trainRows, N) validate. */
  trainRows: number;
  validationRows: number;
}

/** The same cut as splitCorpus for text: floor(N · valFraction) rows held out at the end. */
export function splitSeries(rows: number, valFraction: number): SeriesSplit {
  const validationRows = Math.floor(rows * valFraction);
  return { trainRows: rows - validationRows, validationRows };
}

export interface ColumnStats {
  mean: number;
  /** The scale divided by; 1 for a constant column (see fitColumn). */
  std: number;
  /** True when the training split had no spread, so std was set to 1. */
  constant: boolean;
}

/**
 * Mean and population standard deviation of `values[0 … trainRows)`, skipping
 * missing values (NaN). Zero-variance rule: a column whose training values are all
 * equal (std below 1e-12 times its magnitude, or no finite values) gets std = 1,
 * so normalising subtracts the mean and nothing is divided by zero; the column then
 * reads 0 throughout training and shows any later change in its original units.
 */
export function fitColumn(values: Float64Array, trainRows: number): ColumnStats {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < trainRows; i++) {
    if (Number.isNaN(values[i])) continue;
    n++;
    sum += values[i];
  }
  if (n === 0) return { mean: 0, std: 1, constant: true };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < trainRows; i++) {
    if (!Number.isNaN(values[i])) sq += (values[i] - mean) ** 2;
  }
  const std = Math.sqrt(sq / n);
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) return { mean, std: 1, constant: true };
  return { mean, std, constant: false };
}

/** Statistics per column, from the training split of the given fraction. */
export function fitNormalization(columns: Float64Array[], valFraction: number): ColumnStats[] {
  const rows = columns.length === 0 ? 0 : columns[0].length;
  const { trainRows } = splitSeries(rows, valFraction);
  return columns.map((c) => fitColumn(c, trainRows));
}

/** (x − mean) / std, for every row (training and validation alike). NaN stays NaN. */
export function normalize(values: Float64Array, s: ColumnStats): Float64Array {
  return values.map((v) => (v - s.mean) / s.std);
}

/** The inverse: a prediction in normalised units back to the column's own units. */
export function denormalize(values: Float64Array, s: ColumnStats): Float64Array {
  return values.map((v) => v * s.std + s.mean);
}

export function normalizeValue(v: number, s: ColumnStats): number {
  return (v - s.mean) / s.std;
}

export function denormalizeValue(v: number, s: ColumnStats): number {
  return v * s.std + s.mean;
}
