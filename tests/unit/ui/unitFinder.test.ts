// The unit finder and the row orders (src/ui/unitFeatures.ts, unitOrder.ts):
// text features per character, Pearson r per unit, and a synthetic snapshot
// in which one unit is a feature exactly (r = 1) and another its negative
// scaled (r = −1), among units of noise: the finder names them first.
//
// Dimension legend: P probe characters, H hidden units.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/rng';
import {
  findUnits,
  textFeatures,
  unitCorrelations,
  TEXT_FEATURES,
} from '../../../src/ui/unitFeatures';
import { rowsOf, unitOrder } from '../../../src/ui/unitOrder';

const TEXT = 'He said "look (at [it]) now" twice.\nThen 42 "more" (of it).\nEnd';
const chars = [...TEXT];
const P = chars.length;
const H = 6;
const QUOTE_UNIT = 3;
const DEPTH_UNIT = 1;

/** (P, H) values: unit 3 = inside quotes, unit 1 = 2 − 0.5·depth, the rest noise. */
function synthetic(): Float32Array {
  const f = textFeatures(chars);
  const rng = new Rng(11);
  const values = new Float32Array(P * H);
  for (let t = 0; t < P; t++) for (let j = 0; j < H; j++) values[t * H + j] = rng.next() * 2 - 1;
  for (let t = 0; t < P; t++) {
    values[t * H + QUOTE_UNIT] = f.quote[t];
    values[t * H + DEPTH_UNIT] = 2 - 0.5 * f.depth[t];
  }
  return values;
}

describe('text features', () => {
  it('are the state after reading each character', () => {
    const f = textFeatures([...'a"b(c)"\nX1 e']);
    expect(Array.from(f.quote)).toEqual([0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(f.bracket)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(f.depth)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(f.column)).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4]);
    expect(Array.from(f.space)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(f.digit)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(f.upper)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(f.vowel)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('count nested brackets and never go below zero', () => {
    expect(Array.from(textFeatures([...'([{x}])) (']).depth)).toEqual([
      1, 2, 3, 3, 2, 1, 0, 0, 0, 1,
    ]);
  });
});

describe('unit correlations', () => {
  it('match Pearson r computed directly, and are NaN for a constant feature', () => {
    const values = synthetic();
    const feature = textFeatures(chars).column;
    const r = unitCorrelations(values, P, H, feature);
    for (let j = 0; j < H; j++) {
      const x = Array.from({ length: P }, (_, t) => values[t * H + j]);
      const mx = x.reduce((a, b) => a + b) / P;
      const my = feature.reduce((a, b) => a + b) / P;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let t = 0; t < P; t++) {
        sxy += (x[t] - mx) * (feature[t] - my);
        sxx += (x[t] - mx) ** 2;
        syy += (feature[t] - my) ** 2;
      }
      expect(r[j]).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 10);
    }
    expect(Array.from(unitCorrelations(values, P, H, new Float64Array(P).fill(1)))).toEqual(
      new Array(H).fill(NaN),
    );
  });
});

describe('the unit finder', () => {
  it('finds the unit that is a feature exactly (r = 1) and its negative (r = −1)', () => {
    const rows = findUnits(synthetic(), chars, H, 3);
    expect(rows.map((row) => row.feature)).toEqual([...TEXT_FEATURES]);
    const quote = rows.find((row) => row.feature === 'quote')!;
    expect(quote.units[0].unit).toBe(QUOTE_UNIT);
    expect(quote.units[0].r).toBeCloseTo(1, 9);
    const depth = rows.find((row) => row.feature === 'depth')!;
    expect(depth.units[0].unit).toBe(DEPTH_UNIT);
    expect(depth.units[0].r).toBeCloseTo(-1, 9);
    for (const row of rows) {
      expect(row.present).toBe(true);
      expect(row.units).toHaveLength(3);
      const strengths = row.units.map((u) => Math.abs(u.r));
      expect(strengths).toEqual([...strengths].sort((a, b) => b - a));
    }
  });

  it('says a feature absent from the text has nothing to find', () => {
    const plain = [...'just lower case'];
    const values = new Float32Array(plain.length * 2).map((_, k) => Math.sin(k));
    const rows = findUnits(values, plain, 2);
    const byFeature = Object.fromEntries(rows.map((row) => [row.feature, row]));
    for (const absent of ['quote', 'bracket', 'depth', 'digit', 'upper'])
      expect(byFeature[absent]).toEqual({ feature: absent, present: false, units: [] });
    expect(byFeature.space.present).toBe(true);
  });
});

describe('row orders', () => {
  it('by index, by mean (highest first), by |r| with a feature (strongest first)', () => {
    const values = synthetic();
    expect(Array.from(unitOrder('index', values, P, H))).toEqual([0, 1, 2, 3, 4, 5]);

    const means = Array.from({ length: H }, (_, j) => {
      let sum = 0;
      for (let t = 0; t < P; t++) sum += values[t * H + j];
      return sum / P;
    });
    const byMean = Array.from(unitOrder('mean', values, P, H));
    expect(byMean[0]).toBe(DEPTH_UNIT); // about 2, far above the noise and the 0/1 unit
    for (let k = 1; k < H; k++)
      expect(means[byMean[k - 1]]).toBeGreaterThanOrEqual(means[byMean[k]]);

    const quote = textFeatures(chars).quote;
    const byQuote = Array.from(unitOrder('feature', values, P, H, quote));
    expect(byQuote[0]).toBe(QUOTE_UNIT);
    const r = unitCorrelations(values, P, H, quote);
    for (let k = 1; k < H; k++)
      expect(Math.abs(r[byQuote[k - 1]])).toBeGreaterThanOrEqual(Math.abs(r[byQuote[k]]));
    expect([...byQuote].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps index order for a feature constant along the text; rowsOf inverts an order', () => {
    const values = synthetic();
    const flat = new Float64Array(P);
    expect(Array.from(unitOrder('feature', values, P, H, flat))).toEqual([0, 1, 2, 3, 4, 5]);
    const order = unitOrder('mean', values, P, H);
    const rows = rowsOf(order);
    for (let k = 0; k < H; k++) expect(rows[order[k]]).toBe(k);
  });
});
