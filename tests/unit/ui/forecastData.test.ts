// The forecast page's pure helpers: the chart's table assembled from a
// ForecastReport (actual, one-step and rollout rows lined up by data row,
// NaN as gaps), the scores picked out of the task reports, the comparison
// with a baseline, the gate strip's path, and the column chooser's toggles.
//
// Dimension legend: N rows of actual/oneStep, R rows of the rollout, P positions of a strip.

import { describe, expect, it } from 'vitest';
import type {
  ForecastColumn,
  ForecastReport,
  TaskScoresReport,
} from '../../../src/engine/training/events';
import { toggledInputs, toggledTargets } from '../../../src/store/seriesActions';
import { keptChartColumn } from '../../../src/store/taskSlice';
import {
  chosenColumn,
  compareToBaseline,
  comparisonText,
  forecastRows,
  forecastScores,
  formatLogTick,
  formatScore,
  mseCurve,
  rolloutInfo,
  stripPath,
  targetScores,
} from '../../../src/ui/forecastData';
import type { SeriesStats } from '../../../src/worker/protocol';

/** The chart's rows of a one-target report, with `over` in the report and `line` in its column. */
function rowsOf(over: Partial<ForecastReport> = {}, line: Partial<ForecastColumn> = {}) {
  const column: ForecastColumn = {
    name: 'load',
    actual: Float64Array.from([1, 2, 3, 4, 5, 6]), // rows 10..15
    oneStep: Float64Array.from([NaN, 2.1, 2.9, 4.2, 5.1, 5.8]),
    rollout: Float64Array.from([4.9, 5.5, 6.2, 7]), // rows 14..17
    future: new Float64Array(0),
    ...line,
  };
  const report: ForecastReport = {
    step: 40,
    start: 10,
    validationStart: 14,
    seriesRows: 16,
    columns: [column],
    ...over,
  };
  return forecastRows(report, column);
}

describe('forecastRows', () => {
  it('lines the three series up by data row, the rollout running past the last actual row', () => {
    const rows = rowsOf();
    expect(rows.map((r) => r.row)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(rows.map((r) => r.actual)).toEqual([1, 2, 3, 4, 5, 6, undefined, undefined]);
    expect(rows.map((r) => r.rollout)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      4.9,
      5.5,
      6.2,
      7,
    ]);
  });

  it('continues past the series with its forecast of what comes next, when the rows shown reach its end', () => {
    const rows = rowsOf({}, { future: Float64Array.from([6.5, 7.1, 7.4]) });
    expect(rows.map((r) => r.row)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(rows.filter((r) => r.future !== undefined).map((r) => [r.row, r.future])).toEqual([
      [16, 6.5],
      [17, 7.1],
      [18, 7.4],
    ]);
    // The rows shown stop before the series' end (a long validation part is cut): no future.
    const cut = rowsOf({ seriesRows: 900 }, { future: Float64Array.from([6.5]) });
    expect(cut.some((r) => r.future !== undefined)).toBe(false);
    expect(cut.at(-1)!.row).toBe(17);
  });

  it('leaves a NaN prediction out, so the line has a gap there rather than a drop to zero', () => {
    const rows = rowsOf();
    expect('oneStep' in rows[0]).toBe(false);
    expect(rows[1].oneStep).toBe(2.1);
    expect(rows[5].oneStep).toBe(5.8);
    expect(rows.filter((r) => r.oneStep !== undefined)).toHaveLength(5);
  });

  it('starts at the rollout when it begins before the actual stretch, and is empty for empty data', () => {
    const rows = rowsOf({ start: 20, validationStart: 18 }, { actual: Float64Array.of(1) });
    expect(rows[0]).toEqual({ row: 18, rollout: 4.9 });
    expect(rows.find((r) => r.row === 20)?.actual).toBe(1);
    const none = rowsOf(
      {},
      {
        actual: new Float64Array(0),
        oneStep: new Float64Array(0),
        rollout: new Float64Array(0),
      },
    );
    expect(none).toEqual([]);
  });
});

/** Stats of a three-column series, `over` replacing fields. */
const stats = (over: Partial<SeriesStats>): SeriesStats => ({
  name: 'weather',
  rows: 400,
  trainRows: 360,
  validationRows: 40,
  columns: ['load', 'temp', 'hour'].map((name) => ({ name, problems: 0, messages: [] })),
  layout: { inputColumns: [0], targetColumns: [0] },
  notes: [],
  baselines: {
    lastValue: { mse: 1, mae: 1 },
    seasonal: null,
    perTarget: [{ lastValue: { mse: 1, mae: 1 }, seasonal: null }],
  },
  horizon: 24,
  ...over,
});

describe('chosenColumn', () => {
  const columns = [{ name: 'load' }, { name: 'temp' }, { name: 'price' }];

  it('draws the column chosen by name, and the first target when none is chosen or it is gone', () => {
    expect(chosenColumn(columns, 'temp')).toBe(columns[1]);
    expect(chosenColumn(columns, null)).toBe(columns[0]);
    // temp was a target when chosen; the targets changed since.
    expect(chosenColumn(columns.slice(2), 'temp')).toBe(columns[2]);
    expect(chosenColumn([], 'temp')).toBeUndefined();
  });

  it('keeps the choice while the series stays and the column is a target, else the first again', () => {
    const two = stats({ layout: { inputColumns: [0, 1], targetColumns: [0, 1] } });
    expect(keptChartColumn('temp', two, two)).toBe('temp');
    // temp no longer forecast: back to the first target (ticking it again does not bring it back).
    expect(keptChartColumn('temp', two, stats({}))).toBeNull();
    // Another series with a column of the same name opens on its first target.
    expect(keptChartColumn('temp', two, { ...two, name: 'other.csv' })).toBeNull();
    expect(keptChartColumn(null, two, two)).toBeNull();
  });
});

describe('scores against the baselines', () => {
  it('keeps the forecast scores of the reports, in order', () => {
    const reports: TaskScoresReport[] = [
      { kind: 'forecast', step: 10, mse: 0.5, mae: 0.6, perTarget: [{ mse: 0.5, mae: 0.6 }] },
      { kind: 'tagging', step: 10, accuracy: 1, precision: 1, recall: 1, f1: 1 },
      { kind: 'forecast', step: 20, mse: 0.2, mae: 0.3, perTarget: [{ mse: 0.2, mae: 0.3 }] },
    ];
    expect(forecastScores(reports)).toEqual([reports[0], reports[2]]);
    expect(forecastScores(undefined)).toEqual([]);
  });

  it('says by how much the model beats a baseline, or how far above it it still is', () => {
    const beats = compareToBaseline(0.075, { mse: 0.1, mae: 0.2 });
    expect(beats?.beats).toBe(true);
    expect(beats?.percent).toBeCloseTo(25, 10);
    expect(comparisonText(beats, 'last-value')).toBe('beats the last-value baseline by 25.0%');
    const behind = compareToBaseline(0.15, { mse: 0.1, mae: 0.2 });
    expect(behind?.beats).toBe(false);
    expect(comparisonText(behind, 'last-value')).toBe(
      'not yet below the last-value baseline (50.0% above it)',
    );
  });

  it('never rounds a near-perfect model up to 100%', () => {
    const near = compareToBaseline(0.0000245, { mse: 0.06653, mae: 0.2 });
    expect(comparisonText(near, 'last-value')).toBe(
      'beats the last-value baseline by more than 99.9%',
    );
  });

  it('refuses to compare with a missing score or a zero baseline', () => {
    expect(compareToBaseline(NaN, { mse: 0.1, mae: 0.2 })).toBeNull();
    expect(compareToBaseline(0.1, { mse: 0, mae: 0 })).toBeNull();
    expect(comparisonText(null, 'last-value')).toMatch(/no validation score yet/);
  });

  it('writes scores with four significant digits, small ones as exponents', () => {
    expect(formatScore(0.123456)).toBe('0.1235');
    expect(formatScore(12.5)).toBe('12.5');
    expect(formatScore(0.00012)).toBe('1.20e-4');
    expect(formatScore(NaN)).toBe('–');
    expect([1, 0.1, 0.001, 1e-4, 2.5e-5].map(formatLogTick)).toEqual([
      '1',
      '0.1',
      '0.001',
      '1e-4',
      '2.5e-5',
    ]);
  });
});

describe('rolloutInfo', () => {
  it('runs the horizon, cut to the held-out rows when it asks for more', () => {
    expect(rolloutInfo(stats({}))).toMatchObject({ rows: 24, cut: false });
    expect(rolloutInfo(stats({ horizon: 100 }))).toMatchObject({ rows: 40, cut: true });
    expect(rolloutInfo(stats({ validationRows: 0, trainRows: 400 }))).toMatchObject({ rows: 0 });
  });

  it('says what the rollout is fed: its own forecasts, recorded covariates, or nothing', () => {
    expect(rolloutInfo(stats({})).legend).toBe('rollout (fed its own forecasts)');
    const covariates = { inputColumns: [0, 1, 2], targetColumns: [0] };
    expect(rolloutInfo(stats({ layout: covariates })).legend).toBe(
      'rollout (fed its own forecasts; temp, hour as recorded)',
    );
    const none = { inputColumns: [1], targetColumns: [0] };
    expect(rolloutInfo(stats({ layout: none })).legend).toBe(
      'rollout (nothing fed back: load is not an input)',
    );
  });

  it('speaks of the target column drawn, when there are several', () => {
    const layout = { inputColumns: [0, 1], targetColumns: [0, 2] };
    expect(rolloutInfo(stats({ layout }), 0).legend).toBe(
      'rollout (fed its own forecasts; temp as recorded)',
    );
    // hour is not read, but the forecasts of load that are read back drive its line too.
    expect(rolloutInfo(stats({ layout }), 2).legend).toBe(
      'rollout (hour is not an input; fed its forecasts of load; temp as recorded)',
    );
  });
});

describe('targetScores', () => {
  const two = stats({
    layout: { inputColumns: [0, 1], targetColumns: [0, 2] },
    baselines: {
      lastValue: { mse: 0.3, mae: 0.4 },
      seasonal: null,
      perTarget: [
        { lastValue: { mse: 0.2, mae: 0.3 }, seasonal: { mse: 0.05, mae: 0.1, period: 24 } },
        { lastValue: { mse: 0.4, mae: 0.5 }, seasonal: null },
      ],
    },
  });
  const scores = (a: number, b: number) => ({
    kind: 'forecast' as const,
    step: 50,
    mse: (a + b) / 2,
    mae: 0,
    perTarget: [
      { mse: a, mae: 0 },
      { mse: b, mae: 0 },
    ],
  });

  it('sets each target’s MSE beside its own baselines, with a verdict', () => {
    expect(targetScores(two, scores(0.1, 0.3))).toEqual([
      {
        name: 'load',
        model: 0.1,
        lastValue: 0.2,
        seasonal: { mse: 0.05, period: 24 },
        verdict: 'beats last value only',
      },
      { name: 'hour', model: 0.3, lastValue: 0.4, seasonal: null, verdict: 'beats last value' },
    ]);
    expect(targetScores(two, scores(0.01, 0.5)).map((t) => t.verdict)).toEqual([
      'beats both',
      'not yet below last value',
    ]);
    expect(targetScores(two, scores(0.1, NaN))[1].verdict).toBe('–');
  });

  it('shows the baselines before the first validation, the model as not yet scored', () => {
    const rows = targetScores(two, null);
    expect(rows.map((t) => [t.model, t.lastValue, t.verdict])).toEqual([
      [null, 0.2, '–'],
      [null, 0.4, '–'],
    ]);
  });
});

describe('mseCurve', () => {
  it('keeps a short curve as it is and thins a long one to bucket means, ending on the last score', () => {
    const short = [
      { step: 10, mse: 0.5 },
      { step: 20, mse: 0.3 },
    ];
    expect(mseCurve(short, 200)).toEqual(short);
    // A log axis has no place for zero or NaN.
    expect(mseCurve([...short, { step: 30, mse: 0 }, { step: 40, mse: NaN }], 200)).toEqual(short);
    const long = Array.from({ length: 1000 }, (_, k) => ({ step: 10 * (k + 1), mse: 1 + (k % 2) }));
    const thinned = mseCurve(long, 100);
    expect(thinned).toHaveLength(100);
    // Buckets of 10 alternating 1/2 scores average to 1.5; the last point is the last score.
    expect(thinned[0]).toEqual({ step: 100, mse: 1.5 });
    expect(thinned[99]).toEqual({ step: 10_000, mse: 2 });
  });
});

describe('stripPath', () => {
  it('puts each value at its column centre, the highest at the top margin, the lowest at the bottom', () => {
    const d = stripPath([0, 1, 0.5, 0], 40, 24);
    expect(d).toBe('M5.00 22.00 L15.00 2.00 L25.00 12.00 L35.00 22.00');
  });

  it('breaks the line at a non-finite value and draws a constant series at mid-height', () => {
    expect(stripPath([1, NaN, 2], 30, 10)).toBe('M5.00 8.00 M25.00 2.00');
    expect(stripPath([3, 3], 20, 10)).toBe('M5.00 5.00 L15.00 5.00');
    expect(stripPath([], 20, 10)).toBe('');
  });
});

describe('column chooser', () => {
  const layout = { inputColumns: [1], targetColumns: [1] };

  it('makes a new target an input too, and keeps the last target', () => {
    expect(toggledTargets(layout, 0, true)).toEqual({
      inputColumns: [0, 1],
      targetColumns: [0, 1],
    });
    expect(toggledTargets(layout, 1, false)).toBe(layout);
  });

  it('adds and removes inputs but keeps at least one', () => {
    expect(toggledInputs(layout, 2, true)).toEqual({ inputColumns: [1, 2], targetColumns: [1] });
    expect(toggledInputs(layout, 1, false)).toBe(layout);
    expect(toggledInputs({ inputColumns: [0, 1], targetColumns: [1] }, 1, false)).toEqual({
      inputColumns: [0],
      targetColumns: [1],
    });
  });
});
