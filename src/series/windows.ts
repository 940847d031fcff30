// Windows for truncated BPTT over a multivariate series, cut exactly as the text
// batcher (src/engine/batcher.ts) cuts characters: B streams each read their own
// contiguous segment of the training rows in consecutive windows of T, so the
// final (h, c) of one window is the right starting state for the next window of
// the same stream; every epoch starts the streams over at a fresh seeded phase
// (and the carried state must be reset: `next()` says so). Inputs are the chosen
// columns at row t, targets the target columns at row t + 1.
//
// Dimension legend: T window length, B streams (batch), C columns (Ci inputs,
// Co targets), N rows. Windows are time-major: inputs (T, B, Ci), targets
// (T, B, Co), element [t][b][c] at (t·B + b)·C + c. Float32, as the engines train:
// the windows are engine Batches (backend.ts) with `values` and `targetValues`.

import type { Batch } from '../engine/backend';
import { CorpusError } from '../engine/tokenizer';
import { minTokensFor, validationShape } from '../engine/batcher';
import { StreamSchedule, type BatcherPosition } from '../engine/streamSchedule';

/**
 * A series window as the engines read it: `values` (T, B, Ci) the inputs at
 * rows t, `targetValues` (T, B, Co) the target columns at rows t + 1; the
 * token arrays are empty.
 */
export type SeriesBatch = Batch & { values: Float32Array; targetValues: Float32Array };

export interface SeriesLayout {
  /** Indices into the columns that feed the model at each step (Ci of them). */
  inputColumns: number[];
  /** Indices of the columns to forecast one step ahead (Co of them). */
  targetColumns: number[];
}

/** Checks the columns and the chosen indices; the windows need finite values everywhere. */
function checkColumns(columns: Float64Array[], layout: SeriesLayout, names?: string[]): number {
  if (columns.length === 0) throw new CorpusError('the series has no columns');
  const rows = columns[0].length;
  const used = new Set([...layout.inputColumns, ...layout.targetColumns]);
  if (layout.inputColumns.length === 0 || layout.targetColumns.length === 0) {
    throw new CorpusError('choose at least one input column and one target column');
  }
  for (const c of used) {
    if (!Number.isInteger(c) || c < 0 || c >= columns.length) {
      throw new CorpusError(`column ${c + 1} does not exist (the series has ${columns.length})`);
    }
    if (columns[c].length !== rows) throw new CorpusError('the columns differ in length');
    // A NaN would poison every loss it reaches; the CSV report has already named the cell.
    const bad = columns[c].findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const name = names?.[c] ?? `column ${c + 1}`;
      throw new CorpusError(
        `${JSON.stringify(name)} has a missing or non-numeric value at data row ${bad + 1}: ` +
          'fix or drop it, or leave the column out',
      );
    }
  }
  return rows;
}

/** One (T, B, C) window: stream b reads rows b·segment + start …, targets one row later. */
export function seriesWindowAt(
  columns: Float64Array[],
  layout: SeriesLayout,
  segment: number,
  start: number,
  batchSize: number,
  seqLen: number,
): SeriesBatch {
  const ci = layout.inputColumns.length;
  const co = layout.targetColumns.length;
  const inputs = new Float32Array(seqLen * batchSize * ci);
  const targets = new Float32Array(seqLen * batchSize * co);
  for (let b = 0; b < batchSize; b++) {
    const base = b * segment + start;
    for (let t = 0; t < seqLen; t++) {
      const row = base + t;
      const cell = t * batchSize + b;
      for (let k = 0; k < ci; k++) inputs[cell * ci + k] = columns[layout.inputColumns[k]][row];
      for (let k = 0; k < co; k++) {
        targets[cell * co + k] = columns[layout.targetColumns[k]][row + 1];
      }
    }
  }
  return {
    inputs: new Int32Array(0),
    targets: new Int32Array(0),
    values: inputs,
    targetValues: targets,
    seqLen,
    batchSize,
  };
}

export class SeriesBatcher {
  private readonly schedule: StreamSchedule;

  /**
   * `columns` are the training rows only (normalised), all of the same length N.
   * `names` only make error messages readable.
   */
  constructor(
    private readonly columns: Float64Array[],
    private readonly layout: SeriesLayout,
    readonly batchSize: number,
    readonly seqLen: number,
    seed: number,
    names?: string[],
  ) {
    const rows = checkColumns(columns, layout, names);
    if (rows < minTokensFor(batchSize, seqLen)) {
      throw new CorpusError(
        `the training split has ${rows} rows; B=${batchSize} streams × T=${seqLen} ` +
          `need at least ${minTokensFor(batchSize, seqLen)}: use a longer series or lower B or T`,
      );
    }
    // Targets are one row later: hence the − 1, as for text. The text batcher's schedule,
    // so the same seed gives the same phases.
    const segment = Math.floor((rows - 1) / batchSize);
    this.schedule = new StreamSchedule(segment, seqLen, seed, 'this series');
  }

  get segment(): number {
    return this.schedule.segment;
  }

  get windowsPerEpoch(): number {
    return this.schedule.windowsPerEpoch;
  }

  /** The next window; `startsEpoch` means the carried state must be zeroed first. */
  next(): { batch: SeriesBatch; startsEpoch: boolean } {
    const { start, startsEpoch } = this.schedule.advance();
    const { columns, layout, segment, batchSize, seqLen } = this;
    const batch = seriesWindowAt(columns, layout, segment, start, batchSize, seqLen);
    return { batch, startsEpoch };
  }

  /** Back to the first window of the first epoch. */
  reset(): void {
    this.schedule.reset();
  }

  getPosition(): BatcherPosition {
    return this.schedule.getPosition();
  }

  setPosition(p: BatcherPosition): void {
    this.schedule.setPosition(p);
  }
}

/**
 * Consecutive validation windows over the held-out rows, shaped as for text
 * (validationShape: a short split gets fewer streams or a shorter window).
 * Empty when there is nothing to validate on.
 */
export function seriesValidationBatches(
  columns: Float64Array[],
  layout: SeriesLayout,
  batchSize: number,
  seqLen: number,
  maxWindows: number,
  names?: string[],
): SeriesBatch[] {
  const rows = checkColumns(columns, layout, names);
  const shape = validationShape(rows, batchSize, seqLen, maxWindows);
  if (!shape) return [];
  const { seqLen: T, batchSize: B, windows } = shape;
  const segment = Math.floor((rows - 1) / B);
  const out: SeriesBatch[] = [];
  for (let w = 0; w < windows; w++) out.push(seriesWindowAt(columns, layout, segment, w * T, B, T));
  return out;
}

/** Rows [from, to) of every column, without copying (for the train/validation cut). */
export function sliceRows(columns: Float64Array[], from: number, to: number): Float64Array[] {
  return columns.map((c) => c.subarray(from, to));
}
