// Forecast models in the worker session (CPU engine): a series loaded from
// CSV or a built-in generator, answered with 'series' (columns, baselines) or
// 'seriesError' (a bad cell named by row and column, the series in use kept);
// a model built on it trains, is scored with each validation run, and sends
// the forecast chart, whose one-step predictions are the engine's own
// predict on the same rows.
//
// Dimension legend: N rows, T window, B batch, Ci / Co columns read / forecast.

import { afterEach, describe, expect, test } from 'vitest';
import { naiveBaselines } from '../../../src/series/baselines';
import { oneStepWarmUp } from '../../../src/series/forecast';
import { forecastScorer, prepareSeries } from '../../../src/series/trainingData';
import { generateSeries } from '../../../src/series/generators';
import { fitColumn, splitSeries } from '../../../src/series/normalize';
import { seriesWindowAt } from '../../../src/series/windows';
import { until } from '../../helpers/until';
import type { RunConfig } from '../../../src/worker/protocol';
import { CONFIG, startHost, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const FORECAST: RunConfig = {
  ...CONFIG,
  model: { ...CONFIG.model, task: 'forecast', hiddenSize: 16 },
  train: {
    ...CONFIG.train,
    seqLen: 16,
    batchSize: 8,
    valFraction: 0.2,
    optimizer: { ...CONFIG.train.optimizer, learningRate: 1e-2 },
  },
};

const CSV = ['day,temp,rain', '1,10.5,0', '2,11,1', '3,n/a,0', '4,12,0', '5,12.5,'].join('\n');
/** CSV without its clean day column: every numeric column has a bad cell. */
const ALL_BAD = ['temp,rain', '10.5,0', '11,1', 'n/a,0', '12,0', '12.5,'].join('\n');

/** A host configured for a one-row window, sent `csv` as the series 'weather' (request 5). */
function startWithCsv(csv: string): Harness {
  const h = (harness = startHost());
  h.host.handle({
    type: 'configure',
    config: { ...FORECAST, train: { ...FORECAST.train, batchSize: 1, seqLen: 1 } },
  });
  h.host.handle({
    type: 'loadSeries',
    id: 5,
    name: 'weather',
    source: { kind: 'text', text: csv },
  });
  return h;
}

describe('series in the worker', () => {
  test('a CSV with bad cells: refused when every numeric column has some, each column named', async () => {
    const h = startWithCsv(ALL_BAD);
    await h.host.idle();
    expect(h.of('series')).toEqual([]);
    const first = h.of('seriesError')[0];
    expect(first.id).toBe(5);
    expect(first.message).toMatch(/every numeric column has missing or unreadable cells/);
    expect(first.message).toContain('row 6, column "rain": missing');
    expect(first.message).toContain('row 4, column "temp": "n/a" is not a number');

    // A ragged row: no number is read from it, in any column, so the file is refused there.
    h.host.handle({
      type: 'loadSeries',
      id: 6,
      name: 'ragged',
      source: { kind: 'text', text: 'a,b\n1,2\n3\n4,5\n6,7\n8,9\n' },
    });
    await h.host.idle();
    expect(h.of('seriesError')[1].message).toContain(
      'row 3, column "b": the row has 1 field where the first row has 2',
    );

    h.host.handle({
      type: 'loadSeries',
      id: 7,
      name: 'words',
      source: { kind: 'text', text: 'a,b\nx,y\n' },
    });
    await h.host.idle();
    expect(h.of('seriesError')[2].message).toMatch(/no column of it holds numbers/);
    expect(h.host.session.series).toBeNull();
  });

  test('a bad cell in the last column: the last clean column is the default; choosing a bad one names row and column', async () => {
    // rain (last) misses its last cell and temp has "n/a": day, the last clean column, is used.
    const h = startWithCsv(CSV);
    await h.host.idle();
    expect(h.of('seriesError')).toEqual([]);
    const stats = h.of('series')[0].stats;
    expect(stats.layout).toEqual({ inputColumns: [0], targetColumns: [0] });
    expect(stats.columns.map((c) => [c.name, c.problems])).toEqual([
      ['day', 0],
      ['temp', 1],
      ['rain', 1],
    ]);
    expect(stats.columns[2].messages).toEqual(['row 6, column "rain": missing']);

    // Other columns before that: rain's one bad cell no longer hides clean temp.
    const clean = CSV.replace('n/a', '11.5');
    h.host.handle({ type: 'loadSeries', id: 6, name: 'w', source: { kind: 'text', text: clean } });
    await h.host.idle();
    expect(h.of('series')[1].stats.layout).toEqual({ inputColumns: [1], targetColumns: [1] });

    h.host.handle({
      type: 'loadSeries',
      id: 8,
      name: 'weather',
      source: { kind: 'text', text: CSV },
      layout: { inputColumns: [1], targetColumns: [1] },
    });
    await h.host.idle();
    const refused = h.of('seriesError')[0];
    expect(refused.id).toBe(8);
    expect(refused.message).toMatch(/row 4, column "temp": "n\/a" is not a number/);
    // The series in use stays the one loaded before.
    expect(h.host.session.series?.id).toBe(6);
  }, 60_000);

  test('a built-in series trains a forecaster: scores, a chart whose one-step predictions are predict’s, a series probe', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'configure', config: FORECAST });
    h.host.handle({
      type: 'loadSeries',
      id: 1,
      name: 'sines',
      source: { kind: 'builtin', series: 'sines' },
    });
    await h.host.idle();
    const stats = h.of('series')[0].stats;
    expect(stats).toMatchObject({ rows: 2000, trainRows: 1600, validationRows: 400, horizon: 50 });
    expect(stats.layout).toEqual({ inputColumns: [0], targetColumns: [0] });
    expect(stats.baselines.lastValue.mse).toBeGreaterThan(0);
    await until('the forecaster', () => h.host.session.trainer !== null);
    const model = h.host.session.trainer!.backend.model;
    expect(model).toMatchObject({
      task: 'forecast',
      vocabSize: 0,
      seriesInputs: 1,
      seriesOutputs: 1,
    });

    h.host.handle({ type: 'train' });
    const scores = () => h.of('taskScores');
    await until('scores at step 200', () => scores().some((s) => s.step >= 200), 120_000);
    h.host.handle({ type: 'pause' });
    await h.host.idle();
    await until('a chart of the paused model', () =>
      h.of('forecast').some((f) => f.step === h.host.session.trainer!.step),
    );
    const [first, last] = [scores()[0], scores().at(-1)!];
    if (first.kind !== 'forecast' || last.kind !== 'forecast') throw new Error('forecast scores');
    expect(last.mse).toBeLessThan(first.mse);
    // The losses are mean squared errors of normalised values.
    expect(h.of('metrics').some((m) => m.validation.length > 0)).toBe(true);

    const chart = h.of('forecast').at(-1)!;
    expect(chart.columns.map((c) => c.name)).toEqual(['sines']);
    const [line] = chart.columns;
    expect(chart.validationStart).toBe(1600);
    expect(chart.start + line.actual.length).toBeLessThanOrEqual(2000);
    expect(line.actual.length).toBeLessThanOrEqual(600);
    expect(line.rollout.length).toBe(50);
    // The series is its own only input: the chart goes on past its last row, as far as the horizon.
    expect(chart.seriesRows).toBe(2000);
    expect(line.future.length).toBe(50);
    expect(line.future.every(Number.isFinite)).toBe(true);
    const values = generateSeries('sines', 2000, FORECAST.train.seed);
    for (let i = 0; i < line.actual.length; i++)
      expect(line.actual[i]).toBe(values[chart.start + i]);

    // The same one-step predictions, straight from the engine: one B = 1 stream from the warm-up
    // before the chart's first row.
    const backend = h.host.session.trainer!.backend;
    const stat = fitColumn(values, splitSeries(2000, 0.2).trainRows);
    const normalized = values.map((v) => (v - stat.mean) / stat.std);
    const layout = { inputColumns: [0], targetColumns: [0] };
    const T = FORECAST.train.seqLen;
    const from = Math.max(0, chart.start - oneStepWarmUp(T));
    expect(from).toBeGreaterThan(0); // 2,000 rows: the stream does not start at row 0
    const windows = [];
    for (let s = from; s < 1999; s += T) {
      windows.push(seriesWindowAt([normalized], layout, 0, s, 1, Math.min(T, 1999 - s)));
    }
    const flat = (await backend.predict(windows)).flatMap((o) => Array.from(o)); // rows from + 1 …
    for (let i = 0; i < line.oneStep.length; i++) {
      const row = chart.start + i;
      expect(line.oneStep[i]).toBeCloseTo(flat[row - 1 - from] * stat.std + stat.mean, 10);
    }
    // The model does better one step ahead than the normalised MSE of a flat line at the mean.
    expect(last.mse).toBeLessThan(0.5);

    const probe = h.of('probe').at(-1)!;
    expect(probe.chars).toEqual([]);
    expect(probe.series!.start).toBe(1600);
    expect(probe.series!.columns.map((c) => c.values.length)).toEqual([200]);
    expect(probe.layers[0].h!.length).toBe(200 * 16);
    expect(h.of('error')).toEqual([]);

    // The person moves the gates' stretch: from row 1900 the series has 100 rows left, read from
    // a zero state, as the engine's own probe of those rows gives them.
    const probes = h.of('probe').length;
    h.host.handle({ type: 'setProbeRows', from: 1900 });
    await until('a probe from row 1900', () =>
      h
        .of('probe')
        .slice(probes)
        .some((p) => p.series?.start === 1900),
    );
    const moved = h.of('probe').find((p, i) => i >= probes && p.series?.start === 1900)!;
    expect(Array.from(moved.series!.columns[0].values)).toEqual(Array.from(values.subarray(1900)));
    const direct = await backend.probe(Float32Array.from(normalized.subarray(1900)));
    expect(Array.from(moved.layers[0].h!)).toEqual(Array.from(direct.layers[0].h!));
    // A row that is no row is refused; the stretch in use stays; null goes back to the default.
    h.host.handle({ type: 'setProbeRows', from: -3 });
    await h.host.idle();
    expect(h.of('error').map((m) => m.message)).toEqual([
      'a message was refused: setProbeRows.from must be a whole number ≥ 0, got -3',
    ]);
    const before = h.of('probe').length;
    h.host.handle({ type: 'setProbeRows', from: null });
    await until('a probe from the validation start', () =>
      h
        .of('probe')
        .slice(before)
        .some((p) => p.series?.start === 1600),
    );

    // The rollout's length follows the horizon, from the next chart.
    h.host.handle({ type: 'setHorizon', rows: 20 });
    h.host.handle({ type: 'step' });
    await h.host.idle();
    expect(h.of('series').at(-1)!.stats.horizon).toBe(20);
    await until(
      'a chart of 20 rows',
      () => h.of('forecast').at(-1)!.columns[0].rollout.length === 20,
    );
  }, 180_000);

  test('with two targets the baselines are averaged over both, as the model’s scores are', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'configure', config: FORECAST });
    const N = 600;
    const a = generateSeries('sines', N, 2);
    const b = generateSeries('trend-seasonal', N, 3);
    const csv = ['a,b', ...Array.from({ length: N }, (_, r) => `${a[r]},${b[r]}`)].join('\n');
    h.host.handle({
      type: 'loadSeries',
      id: 1,
      name: 'two',
      source: { kind: 'text', text: csv },
      layout: { inputColumns: [0, 1], targetColumns: [0, 1] },
    });
    await h.host.idle();
    const { baselines } = h.of('series')[0].stats;
    const valFraction = FORECAST.train.valFraction;
    const [ba, bb] = [a, b].map((c) => naiveBaselines(c, { valFraction }));
    expect(baselines.lastValue.mse).toBeCloseTo(
      (ba.lastValue.mseNormalized + bb.lastValue.mseNormalized) / 2,
      12,
    );
    expect(baselines.lastValue.mae).toBeCloseTo(
      (ba.lastValue.maeNormalized + bb.lastValue.maeNormalized) / 2,
      12,
    );
    // Each target's own, beside the mean.
    expect(baselines.perTarget.map((t) => t.lastValue.mse)).toEqual(
      [ba, bb].map((t) => t.lastValue.mseNormalized),
    );
    expect(baselines.perTarget.map((t) => t.seasonal?.period)).toEqual(
      [ba, bb].map((t) => t.seasonal?.period),
    );
    expect(ba.seasonal && bb.seasonal).toBeTruthy();
    expect(baselines.seasonal!.periods).toEqual([ba.seasonal!.period, bb.seasonal!.period]);
    expect(baselines.seasonal!.mse).toBeCloseTo(
      (ba.seasonal!.mseNormalized + bb.seasonal!.mseNormalized) / 2,
      12,
    );

    // The chart has a line set per target, each in its own units: column k of the engine's
    // (row, Co) predictions of the same rows, read as one B = 1 stream from the warm-up before
    // the chart's first row (row 0 here: 600 rows are fewer than the warm-up).
    h.host.handle({ type: 'step' });
    await h.host.idle();
    await until('a chart', () => h.of('forecast').length > 0);
    const chart = h.of('forecast').at(-1)!;
    expect(chart.columns.map((c) => c.name)).toEqual(['a', 'b']);
    const backend = h.host.session.trainer!.backend;
    const trainRows = splitSeries(N, valFraction).trainRows;
    const stats = [a, b].map((c) => fitColumn(c, trainRows));
    const normalized = [a, b].map((c, k) => c.map((v) => (v - stats[k].mean) / stats[k].std));
    const layout = { inputColumns: [0, 1], targetColumns: [0, 1] };
    const T = FORECAST.train.seqLen;
    const from = Math.max(0, chart.start - oneStepWarmUp(T));
    const windows = [];
    for (let s = from; s < N - 1; s += T) {
      windows.push(seriesWindowAt(normalized, layout, 0, s, 1, Math.min(T, N - 1 - s)));
    }
    const flat = (await backend.predict(windows)).flatMap((o) => Array.from(o)); // rows from + 1 …
    chart.columns.forEach((line, k) => {
      const raw = [a, b][k];
      expect(line.rollout.length).toBe(Math.min(50, N - trainRows));
      for (let i = 0; i < line.actual.length; i++) {
        const row = chart.start + i;
        expect(line.actual[i]).toBe(raw[row]);
        if (row === 0) continue;
        expect(line.oneStep[i]).toBeCloseTo(
          flat[(row - 1 - from) * 2 + k] * stats[k].std + stats[k].mean,
          10,
        );
      }
    });
    // The scores of the same model: each target's errors over the validation rows, and their mean.
    const scored = await forecastScorer(
      prepareSeries('two', [a, b], ['a', 'b'], layout, valFraction),
      T,
    ).run(backend);
    if (scored?.kind !== 'forecast') throw new Error('forecast scores');
    [0, 1].forEach((k) => {
      let [se, ae] = [0, 0];
      for (let r = trainRows; r < N; r++) {
        const e = normalized[k][r] - flat[(r - 1 - from) * 2 + k];
        se += e * e;
        ae += Math.abs(e);
      }
      expect(scored.perTarget[k].mse).toBeCloseTo(se / (N - trainRows), 10);
      expect(scored.perTarget[k].mae).toBeCloseTo(ae / (N - trainRows), 10);
    });
    expect(scored.mse).toBeCloseTo((scored.perTarget[0].mse + scored.perTarget[1].mse) / 2, 12);
    expect(scored.perTarget[0].mse).not.toBeCloseTo(scored.perTarget[1].mse, 6);
    expect(h.of('taskScores').at(-1)).toHaveProperty('perTarget');

    await until('a probe', () => h.of('probe').length > 0);
    const stretch = h.of('probe').at(-1)!.series!;
    expect(stretch.columns.map((c) => c.name)).toEqual(['a', 'b']);
    stretch.columns.forEach((c, k) =>
      expect(Array.from(c.values)).toEqual(
        Array.from([a, b][k].subarray(stretch.start, stretch.start + c.values.length)),
      ),
    );
  });

  test('a forecaster refuses to sample, and a bidirectional forecaster is refused', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'configure', config: FORECAST });
    h.host.handle({
      type: 'loadSeries',
      id: 1,
      name: 'mg',
      source: { kind: 'builtin', series: 'mackey-glass' },
    });
    await h.host.idle();
    await until('the forecaster', () => h.host.session.trainer !== null);
    h.host.handle({
      type: 'sample',
      request: { id: 3, prime: 'a', length: 5, temperature: 1, topK: 0, seed: 1 },
    });
    h.host.handle({
      type: 'configure',
      config: { ...FORECAST, model: { ...FORECAST.model, direction: 'bi' } },
    });
    await h.host.idle();
    await until('the refusal', () => h.of('sampleError').length > 0);
    expect(h.of('sampleError')[0].message).toMatch(/forecast model predicts values/);
    expect(h.of('configError').at(-1)!.message).toMatch(/forecasting needs a left-to-right model/);
  }, 60_000);
});
