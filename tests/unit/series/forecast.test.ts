// The forecast model's view of a series through the CPU engine's predict
// (src/series/forecast.ts): one-step predictions carry state from the series'
// start or from a warm-up before the rows asked for, and the rollout feeds predicted target values back as inputs while
// covariates keep their actual values; the chart's rows (trainingData.ts).
//
// Dimension legend: N rows, T window, Ci / Co columns read / forecast, R rollout rows.

import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../src/engine/config';
import {
  canRunPastEnd,
  oneStepPredictions,
  rollout,
  streamWindows,
} from '../../../src/series/forecast';
import { chartRows, CHART_ROWS } from '../../../src/series/trainingData';
import { seriesWindowAt, type SeriesLayout } from '../../../src/series/windows';
import { cpuBackend, seededParams } from '../../helpers/io';

const N = 60;
// Column 0 is forecast and read; column 1 is a covariate, read only.
const columns = [
  Float64Array.from({ length: N }, (_, r) => Math.sin(r / 4)),
  Float64Array.from({ length: N }, (_, r) => Math.cos(r / 7)),
];
const layout: SeriesLayout = { inputColumns: [0, 1], targetColumns: [0] };
const model: ModelConfig = {
  task: 'forecast',
  vocabSize: 0,
  cell: 'gru',
  embedSize: 1,
  hiddenSize: 6,
  layers: 2,
  seriesInputs: 2,
  seriesOutputs: 1,
};

describe('forecast predictions through the engine', () => {
  it('one-step predictions are one predict over a B = 1 stream from row 0, row 0 NaN', async () => {
    const backend = cpuBackend(model, seededParams(model, 5), 4, 8);
    const out = await oneStepPredictions(backend, columns, layout, 8);
    expect(Number.isNaN(out[0])).toBe(true);
    // Windows of 8, the last one shorter (59 inputs predict rows 1 … 59).
    const windows = streamWindows(columns, layout, 0, N, 8);
    expect(windows.map((w) => w.seqLen)).toEqual([8, 8, 8, 8, 8, 8, 8, 3]);
    const flat = (await backend.predict(windows)).flatMap((o) => [...o]);
    expect([...out.subarray(1)]).toEqual(flat);
  });

  it('asked for rows first … end − 1 with a warm-up, it reads from first − warmUp only', async () => {
    const backend = cpuBackend(model, seededParams(model, 5), 4, 8);
    const [first, end, warmUp] = [30, 50, 12];
    const out = await oneStepPredictions(backend, columns, layout, 8, { first, end, warmUp });
    // The same stream started at row 18: its predictions of rows 30 … 49, and nothing else.
    const windows = streamWindows(columns, layout, first - warmUp, end, 8);
    const flat = (await backend.predict(windows)).flatMap((o) => [...o]); // rows 19 … 49
    expect([...out.subarray(first, end)]).toEqual(flat.slice(first - (first - warmUp + 1)));
    expect([...out.subarray(0, first), ...out.subarray(end)].every(Number.isNaN)).toBe(true);
    // A warm-up reaching past row 0 starts at row 0: the full stream's predictions.
    const whole = await oneStepPredictions(backend, columns, layout, 8);
    const early = await oneStepPredictions(backend, columns, layout, 8, { first: 5, warmUp: 100 });
    expect([...early.subarray(5)]).toEqual([...whole.subarray(5)]);
  });

  it('the rollout feeds its own predictions of the target back, covariates stay actual', async () => {
    // Windows up to 16 steps: the check below reads each stretch as one window.
    const backend = cpuBackend(model, seededParams(model, 5), 4, 16);
    const from = 40;
    const warmUp = 10;
    const R = 3;
    const out = await rollout(backend, columns, layout, from, R, warmUp, 8);
    expect(out.length).toBe(R);
    // By hand: rows 30 … 39 actual, then row 40's prediction, then row 41's from it.
    const work = columns.map((c) => Float64Array.from(c.subarray(from - warmUp, from + R)));
    for (let j = 0; j < R; j++) {
      const windows = [seriesWindowAt(work, layout, 0, 0, 1, warmUp + j)];
      const [o] = await backend.predict(windows);
      // The rollout read the same rows in windows of 8, state carried: the same recurrence.
      expect(out[j]).toBeCloseTo(o[o.length - 1], 6);
      work[0][warmUp + j] = o[o.length - 1];
    }
    // Not the one-step prediction past the first row: the inputs differ from then on.
    const actualWork = columns.map((c) => c.subarray(from - warmUp, from + R));
    const [o] = await backend.predict([seriesWindowAt(actualWork, layout, 0, 0, 1, warmUp + 2)]);
    expect(Math.abs(out[2] - o[o.length - 1])).toBeGreaterThan(1e-4);
    // At most the rows left (the covariate's actual values end with the series).
    expect((await rollout(backend, columns, layout, N - 2, 10, warmUp, 8)).length).toBe(2);
    expect(canRunPastEnd(layout)).toBe(false);
    expect((await rollout(backend, columns, layout, N, 5, warmUp, 8)).length).toBe(0);
  });

  it('without covariates it runs past the last row: what comes next, fed its own forecasts', async () => {
    const own: SeriesLayout = { inputColumns: [0], targetColumns: [0] };
    const single: ModelConfig = { ...model, seriesInputs: 1 };
    const backend = cpuBackend(single, seededParams(single, 9), 4, 16);
    expect(canRunPastEnd(own)).toBe(true);
    const warmUp = 10;
    const R = 4;
    const out = await rollout(backend, [columns[0]], own, N, R, warmUp, 8);
    expect(out.length).toBe(R);
    // By hand: the last 10 rows, then each prediction appended as the next row read.
    const read = Array.from(columns[0].subarray(N - warmUp));
    for (let j = 0; j < R; j++) {
      const rows = Float64Array.from([...read, 0]);
      const [o] = await backend.predict([seriesWindowAt([rows], own, 0, 0, 1, read.length)]);
      expect(out[j]).toBeCloseTo(o[o.length - 1], 6);
      read.push(o[o.length - 1]);
    }
    // From inside the series it still runs the full horizon, past the end.
    expect((await rollout(backend, [columns[0]], own, N - 2, R, warmUp, 8)).length).toBe(R);
  });
});

describe('the forecast chart rows', () => {
  it('keeps history before the validation split and caps the rows shown', () => {
    expect(chartRows({ trainRows: 1600, validationRows: 400 })).toEqual({
      start: 1400,
      length: 600,
    });
    expect(chartRows({ trainRows: 1000, validationRows: 2000 })).toEqual({
      start: 900,
      length: CHART_ROWS,
    });
    expect(chartRows({ trainRows: 50, validationRows: 20 })).toEqual({ start: 0, length: 70 });
  });
});
