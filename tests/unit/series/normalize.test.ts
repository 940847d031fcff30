// Dimension legend: C columns, N rows; no T or B.

import { describe, expect, it } from 'vitest';
import {
  denormalize,
  fitColumn,
  fitNormalization,
  normalize,
  splitSeries,
} from '../../../src/series/normalize';
import { splitCorpus } from '../../../src/engine/batcher';

describe('normalisation', () => {
  it('splits as the text batcher does', () => {
    for (const [n, f] of [
      [100, 0.1],
      [101, 0.25],
      [7, 0.5],
      [10, 0],
    ]) {
      const text = splitCorpus(new Int32Array(n), f);
      expect(splitSeries(n, f)).toEqual({
        trainRows: text.train.length,
        validationRows: text.validation.length,
      });
    }
  });

  it('uses the training split only: validation values do not change the stats', () => {
    const a = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i) * 3 + 5);
    const b = a.slice();
    for (let i = 80; i < 100; i++) b[i] = 1e6 + i; // a wild held-out end
    const [sa] = fitNormalization([a], 0.2);
    const [sb] = fitNormalization([b], 0.2);
    expect(sb).toEqual(sa);
    // and they are the training rows' exact mean and population std.
    const train = Array.from(a.subarray(0, 80));
    const mean = train.reduce((s, v) => s + v) / 80;
    const std = Math.sqrt(train.reduce((s, v) => s + (v - mean) ** 2, 0) / 80);
    expect(sa.mean).toBeCloseTo(mean, 12);
    expect(sa.std).toBeCloseTo(std, 12);
    const z = normalize(a, sa).subarray(0, 80);
    expect(z.reduce((s, v) => s + v) / 80).toBeCloseTo(0, 12);
    expect(Math.sqrt(z.reduce((s, v) => s + v * v, 0) / 80)).toBeCloseTo(1, 12);
  });

  it('inverts exactly (up to rounding), keeping NaN for missing cells', () => {
    const x = Float64Array.from([3, -1, NaN, 8, 2.5]);
    const s = fitColumn(x, 5);
    expect(s.mean).toBeCloseTo((3 - 1 + 8 + 2.5) / 4, 12); // NaN skipped
    const back = denormalize(normalize(x, s), s);
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) expect(Number.isNaN(back[i])).toBe(true);
      else expect(back[i]).toBeCloseTo(x[i], 12);
    }
  });

  it('a constant training column gets std 1: centred, never divided by zero', () => {
    const x = Float64Array.from([4, 4, 4, 4, 9]);
    const s = fitColumn(x, 4);
    expect(s).toEqual({ mean: 4, std: 1, constant: true });
    expect(Array.from(normalize(x, s))).toEqual([0, 0, 0, 0, 5]);
    expect(fitColumn(Float64Array.from([NaN, NaN]), 2)).toEqual({
      mean: 0,
      std: 1,
      constant: true,
    });
  });
});
