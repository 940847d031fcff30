// Dimension legend: T window, B streams, C columns (Ci inputs, Co targets), N rows; (T, B, C) time-major.

import { describe, expect, it } from 'vitest';
import { Batcher, splitCorpus, validationBatches } from '../../../src/engine/batcher';
import { CorpusError } from '../../../src/engine/tokenizer';
import { splitSeries } from '../../../src/series/normalize';
import { SeriesBatcher, seriesValidationBatches, sliceRows } from '../../../src/series/windows';

// Three columns whose values encode (column, row), so every cell says where it came from.
const N = 500;
const cols = [0, 1, 2].map((c) => Float64Array.from({ length: N }, (_, r) => c * 1000 + r));

describe('SeriesBatcher', () => {
  it('lays out (T, B, C) time-major with targets at t + 1 for the chosen columns', () => {
    const B = 4;
    const T = 10;
    const batcher = new SeriesBatcher(cols, { inputColumns: [0, 2], targetColumns: [1] }, B, T, 1);
    const { batch, startsEpoch } = batcher.next();
    expect(startsEpoch).toBe(true);
    expect(batch).toMatchObject({ seqLen: T, batchSize: B });
    expect(batch.inputs.length + batch.targets.length).toBe(0);
    expect(batch.values.length).toBe(T * B * 2);
    expect(batch.targetValues.length).toBe(T * B);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = b * batcher.segment + t;
        const cell = t * B + b;
        expect(batch.values[cell * 2]).toBe(row);
        expect(batch.values[cell * 2 + 1]).toBe(2000 + row);
        expect(batch.targetValues[cell]).toBe(1000 + row + 1);
      }
    }
  });

  it('carries each stream on: the next window starts where the last ended', () => {
    const batcher = new SeriesBatcher(cols, { inputColumns: [0], targetColumns: [0] }, 3, 7, 1);
    const first = batcher.next().batch;
    const second = batcher.next();
    expect(second.startsEpoch).toBe(false);
    for (let b = 0; b < 3; b++) {
      // last target of window 1 = first input of window 2 + 1 row … i.e. the next row.
      expect(second.batch.values[b]).toBe(first.values[6 * 3 + b] + 1);
      expect(second.batch.values[b]).toBe(first.targetValues[6 * 3 + b]);
    }
  });

  it('cuts and shifts exactly as the text batcher, epoch after epoch', () => {
    const tokens = Int32Array.from({ length: 413 }, (_, i) => (i * 37) % 101);
    const column = Float64Array.from(tokens);
    const text = new Batcher(tokens, 5, 9, 42);
    const series = new SeriesBatcher([column], { inputColumns: [0], targetColumns: [0] }, 5, 9, 42);
    expect(series.segment).toBe(text.segment);
    expect(series.windowsPerEpoch).toBe(text.windowsPerEpoch);
    for (let i = 0; i < text.windowsPerEpoch * 3 + 2; i++) {
      const a = text.next();
      const b = series.next();
      expect(b.startsEpoch).toBe(a.startsEpoch);
      expect(Array.from(b.batch.values)).toEqual(Array.from(a.batch.inputs));
      expect(Array.from(b.batch.targetValues)).toEqual(Array.from(a.batch.targets));
    }
    expect(series.getPosition()).toEqual(text.getPosition());
  });

  it('restores a saved position and resets to the first window', () => {
    const layout = { inputColumns: [0, 1], targetColumns: [2] };
    const a = new SeriesBatcher(cols, layout, 4, 8, 3);
    for (let i = 0; i < a.windowsPerEpoch + 3; i++) a.next();
    const saved = a.getPosition();
    const expected = a.next().batch;
    const b = new SeriesBatcher(cols, layout, 4, 8, 3);
    b.setPosition(saved);
    expect(Array.from(b.next().batch.values)).toEqual(Array.from(expected.values));
    expect(() => b.setPosition({ ...saved, shift: 10_000 })).toThrow(CorpusError);
    b.reset();
    const fresh = new SeriesBatcher(cols, layout, 4, 8, 3);
    expect(Array.from(b.next().batch.targetValues)).toEqual(Array.from(fresh.next().batch.targetValues));
  });

  it('refuses too few rows, bad columns and missing values, naming the cell', () => {
    const short = [Float64Array.from({ length: 20 }, (_, i) => i)];
    const one = { inputColumns: [0], targetColumns: [0] };
    expect(() => new SeriesBatcher(short, one, 4, 5, 1)).toThrow(
      'the training split has 20 rows; B=4 streams × T=5 need at least 21',
    );
    expect(
      () => new SeriesBatcher(cols, { inputColumns: [3], targetColumns: [0] }, 2, 5, 1),
    ).toThrow('column 4 does not exist');
    const holed = [cols[0], cols[1].slice()];
    holed[1][41] = NaN;
    expect(
      () =>
        new SeriesBatcher(holed, { inputColumns: [0], targetColumns: [1] }, 2, 5, 1, ['t', 'temp']),
    ).toThrow('"temp" has a missing or non-numeric value at data row 42');
  });
});

describe('seriesValidationBatches', () => {
  it('shapes the held-out rows as validationBatches shapes held-out text', () => {
    const { trainRows } = splitSeries(N, 0.2);
    const val = sliceRows(cols, trainRows, N);
    const tokens = Int32Array.from(cols[0]);
    const textVal = validationBatches(splitCorpus(tokens, 0.2).validation, 8, 16, 4);
    const batches = seriesValidationBatches(
      val,
      { inputColumns: [0], targetColumns: [0] },
      8,
      16,
      4,
    );
    expect(batches.length).toBe(textVal.length);
    batches.forEach((b, i) => {
      expect(Array.from(b.values)).toEqual(Array.from(textVal[i].inputs));
      expect(Array.from(b.targetValues)).toEqual(Array.from(textVal[i].targets));
      // The validation windows read only held-out rows, targets one row on.
      for (let k = 0; k < b.values.length; k++) {
        expect(b.values[k]).toBeGreaterThanOrEqual(trainRows);
        expect(b.targetValues[k]).toBe(b.values[k] + 1);
      }
    });
    expect(
      seriesValidationBatches(
        sliceRows(cols, 0, 1),
        { inputColumns: [0], targetColumns: [0] },
        8,
        16,
        4,
      ),
    ).toEqual([]);
  });
});
