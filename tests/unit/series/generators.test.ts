// Dimension legend: N samples per series; no T, B or C.

import { describe, expect, it } from 'vitest';
import {
  generateSeries,
  mackeyGlass,
  noisySines,
  trendSeasonal,
} from '../../../src/series/generators';

/** Correlation of x[t] with x[t + lag] (Pearson over the overlap, so no bias towards 0 at long lags). */
function acf(x: Float64Array, lag: number): number {
  const a = x.subarray(0, x.length - lag);
  const b = x.subarray(lag);
  const mean = (v: Float64Array) => v.reduce((s, y) => s + y, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** The highest correlation at any lag in [lo, hi]. */
function bestAcf(x: Float64Array, lo: number, hi: number): number {
  let best = -1;
  for (let lag = lo; lag <= hi; lag++) best = Math.max(best, acf(x, lag));
  return best;
}

describe('generators', () => {
  it('are deterministic in the seed and the right length', () => {
    for (const kind of ['sines', 'trend-seasonal', 'mackey-glass'] as const) {
      const a = generateSeries(kind, 300, 7);
      const b = generateSeries(kind, 300, 7);
      const c = generateSeries(kind, 300, 8);
      expect(a.length).toBe(300);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
      expect(a.every(Number.isFinite)).toBe(true);
    }
  });

  it('noisy sines: bounded by the amplitudes, noise at the asked level', () => {
    const clean = noisySines({ length: 2000, seed: 3, noise: 0 });
    const noisy = noisySines({ length: 2000, seed: 3, noise: 0.2 });
    expect(Math.max(...clean.map(Math.abs))).toBeLessThanOrEqual(3);
    let sq = 0;
    for (let i = 0; i < clean.length; i++) sq += (noisy[i] - clean[i]) ** 2;
    expect(Math.sqrt(sq / clean.length)).toBeCloseTo(0.2, 1);
  });

  it('trend + seasonality: the slope shows and the period dominates the detrended ACF', () => {
    const x = trendSeasonal({ length: 2400, seed: 5, period: 24, slope: 0.01, noise: 0.1 });
    const head = x.slice(0, 240).reduce((a, b) => a + b) / 240;
    const tail = x.slice(-240).reduce((a, b) => a + b) / 240;
    expect(tail - head).toBeCloseTo(0.01 * 2160, 0);
    const detrended = x.map((v, t) => v - 0.01 * t);
    expect(acf(detrended, 24)).toBeGreaterThan(0.9);
    expect(acf(detrended, 12)).toBeLessThan(0.5);
  });

  it('Mackey-Glass (τ = 17) stays on its attractor and is not periodic', () => {
    const x = mackeyGlass({ length: 3000, seed: 1 });
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    // The τ = 17 attractor spans roughly 0.4 … 1.35.
    expect(lo).toBeGreaterThan(0.2);
    expect(hi).toBeLessThan(1.5);
    expect(hi - lo).toBeGreaterThan(0.7);
    // Smooth at short lags…
    expect(acf(x, 1)).toBeGreaterThan(0.9);
    // …but no lag in 10…500 brings it back. Its quasi-period (about 50) returns only
    // part-way; a periodic signal of the same span, the control, returns all the way.
    expect(bestAcf(x, 10, 500)).toBeLessThan(0.92);
    const periodic = x.subarray(0, 300);
    const tiled = Float64Array.from({ length: 3000 }, (_, i) => periodic[i % 300]);
    expect(bestAcf(tiled, 10, 500)).toBeGreaterThan(0.999);
  });

  it('Mackey-Glass: nearby starts diverge (sensitive dependence)', () => {
    const a = mackeyGlass({ length: 1500, seed: 1, warmup: 0 });
    const b = mackeyGlass({ length: 1500, seed: 2, warmup: 0 });
    let late = 0;
    for (let i = 1000; i < 1500; i++) late = Math.max(late, Math.abs(a[i] - b[i]));
    expect(late).toBeGreaterThan(0.3);
  });
});
