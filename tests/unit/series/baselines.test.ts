// Dimension legend: N rows of one column, P a season's length; no T, B or C.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/rng';
import {
  autocorrelation,
  detectPeriod,
  naiveBaselines,
  scoreOneStep,
} from '../../../src/series/baselines';
import {
  generateSeries,
  mackeyGlass,
  noisySines,
  trendSeasonal,
} from '../../../src/series/generators';

describe('naive baselines', () => {
  it('last value: exact MSE and MAE on a hand-made series, in both units', () => {
    // 10 rows, valFraction 0.3 → rows 7, 8, 9 validate, predicted by rows 6, 7, 8.
    const x = Float64Array.from([0, 1, 0, 1, 0, 1, 0, 2, 5, 4]);
    const r = naiveBaselines(x, { valFraction: 0.3, period: 2 });
    // errors: 2 − 0 = 2, 5 − 2 = 3, 4 − 5 = −1
    expect(r.lastValue.count).toBe(3);
    expect(r.lastValue.mse).toBeCloseTo((4 + 9 + 1) / 3, 12);
    expect(r.lastValue.mae).toBeCloseTo(2, 12);
    // training rows 0…6: mean 3/7, population std
    const mean = 3 / 7;
    const std = Math.sqrt([0, 1, 0, 1, 0, 1, 0].reduce((s, v) => s + (v - mean) ** 2, 0) / 7);
    expect(r.stats.std).toBeCloseTo(std, 12);
    expect(r.lastValue.mseNormalized).toBeCloseTo(14 / 3 / std ** 2, 10);
    expect(r.lastValue.maeNormalized).toBeCloseTo(2 / std, 10);
    // seasonal with P = 2: predictions x[5] = 1, x[6] = 0, x[7] = 2 → errors 1, 5, 2
    expect(r.seasonal?.period).toBe(2);
    expect(r.seasonal?.detected).toBe(false);
    expect(r.seasonal?.mse).toBeCloseTo((1 + 25 + 4) / 3, 12);
    expect(r.seasonal?.mae).toBeCloseTo(8 / 3, 12);
  });

  it('skips rows where the actual or the prediction is missing', () => {
    const x = Float64Array.from([1, 2, NaN, 4, 5]);
    const stats = { mean: 0, std: 1, constant: false };
    const m = scoreOneStep(x, 1, (t) => x[t - 1], stats);
    expect(m.count).toBe(2); // t = 1 (2 − 1) and t = 4 (5 − 4)
    expect(m.mse).toBe(1);
  });

  it('detects the season of trend + seasonality and of noisy sines with one period', () => {
    const x = trendSeasonal({ length: 1200, seed: 2, period: 24, slope: 0.02 });
    expect(detectPeriod(x.subarray(0, 960))).toBe(24);
    const s = noisySines({ length: 1000, seed: 4, components: 1, periodMin: 30, periodMax: 30 });
    expect(detectPeriod(s)).toBe(30);
  });

  it('finds no season in white noise', () => {
    let state = 12345;
    const noise = Float64Array.from({ length: 600 }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648 - 0.5;
    });
    expect(detectPeriod(noise)).toBeNull();
    expect(Math.abs(autocorrelation(noise, 5))).toBeLessThan(0.15);
  });

  it('finds no season in random walks, whose slow drift passed for one at a looser test', () => {
    const found: number[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Rng(seed);
      const walk = new Float64Array(1600);
      for (let i = 1; i < walk.length; i++) walk[i] = walk[i - 1] + rng.normal();
      const p = detectPeriod(walk);
      if (p !== null) found.push(p);
      // The looser test of before (a peak of 0.3, no rise asked) takes some walk's bump.
      if (detectPeriod(walk, 2, 500, 0.3, 0) !== null) found.push(-seed);
    }
    // Every detection was the loose test's: a walk of the 60 fooled it, none fools the test.
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p < 0)).toBe(true);
  });

  it('seasonal naive beats last value on a seasonal series', () => {
    // A gentle trend: a season's worth of drift (slope · P) adds (slope · P)² to the
    // seasonal naive's MSE, so a steep trend can hand the win back to last value.
    const x = trendSeasonal({ length: 2000, seed: 9, period: 24, slope: 0.002, noise: 0.05 });
    const r = naiveBaselines(x, { valFraction: 0.2 });
    expect(r.seasonal?.detected).toBe(true);
    expect(r.seasonal?.period).toBe(24);
    expect(r.lastValue.count).toBe(400);
    expect(r.seasonal!.mse).toBeLessThan(r.lastValue.mse / 2);
  });

  it('on Mackey-Glass (sampled every 1) last value is already hard to beat', () => {
    const x = mackeyGlass({ length: 2000, seed: 1 });
    const r = naiveBaselines(x, { valFraction: 0.2 });
    // A smooth series: one step changes little, well under the series' spread.
    expect(r.lastValue.mseNormalized).toBeLessThan(0.05);
    expect(Number.isFinite(r.lastValue.mae)).toBe(true);
  });

  it('gives the numbers docs/forecasting.md quotes for the built-in series', () => {
    const table = {
      sines: [0.102, 0.247, 286],
      'trend-seasonal': [0.05, 0.015, 24],
      'mackey-glass': [0.021, 0.324, 100],
    } as const;
    for (const [kind, [last, seasonal, period]] of Object.entries(table)) {
      const r = naiveBaselines(generateSeries(kind as keyof typeof table, 2000, 1), {
        valFraction: 0.2,
      });
      expect(r.lastValue.mseNormalized).toBeCloseTo(last, 3);
      expect(r.seasonal?.mseNormalized).toBeCloseTo(seasonal, 3);
      expect(r.seasonal?.period).toBe(period);
    }
  });
});
