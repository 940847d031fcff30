// The forecast head on the CPU reference: values straight into layer 0 (no
// embedding), Co values out, mean squared error over T·B·Co. The float64
// gradient check (L = 1 and 2, Ci = 2, Co = 1 and 2, every cell, with a
// carried state and with dropout), evaluate and predict against the loss's
// definition and the carried state, and a small LSTM on the built-in noisy
// sines beating the last-value baseline on validation.
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { Arr, ArrCtor } from '../../../src/engine/cpu/gemm';
import type { DropoutSpec } from '../../../src/engine/dropout';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import type { RecurrentState } from '../../../src/engine/state';
import { naiveBaselines } from '../../../src/series/baselines';
import { generateSeries } from '../../../src/series/generators';
import { fitColumn, normalize, splitSeries } from '../../../src/series/normalize';
import {
  SeriesBatcher,
  seriesValidationBatches,
  sliceRows,
  type SeriesBatch,
} from '../../../src/series/windows';
import {
  expectFloat32Agrees,
  expectGradientsMatch,
  type GradFixture,
} from '../../helpers/gradcheck';

const T = 4;
const B = 3;

function forecaster(cell: CellType, layers: number, Co: number, H = 5): ModelConfig {
  return {
    cell,
    vocabSize: 0,
    embedSize: 4,
    hiddenSize: H,
    layers,
    task: 'forecast',
    seriesInputs: 2,
    seriesOutputs: Co,
  };
}

function fixture(model: ModelConfig, ctor: ArrCtor): GradFixture {
  const rng = new Rng(6);
  const params = new ctor(initParams(model, rng).map((x) => x * 3));
  const Ci = model.seriesInputs!;
  const Co = model.seriesOutputs!;
  const inputs = new ctor(T * B * Ci).map(() => rng.normal());
  const targets = new ctor(T * B * Co).map(() => rng.normal());
  // A forecast carries its state: a nonzero one exercises the path through h0 and c0.
  const n = model.layers * B * model.hiddenSize;
  const state: RecurrentState<Arr> = {
    h: new ctor(n).map(() => rng.uniform(-0.5, 0.5)),
    c: new ctor(n).map(() => rng.uniform(-1, 1)),
  };
  return { model, T, B, layout: paramLayout(model), params, inputs, targets, state };
}

const DROPOUTS: [string, DropoutSpec | undefined][] = [
  ['no dropout', undefined],
  ['dropout 0.3', { rate: 0.3, variational: false, seed: 11 }],
];

describe.each(
  CELL_TYPES.flatMap((cell) =>
    [1, 2].flatMap((L) =>
      [1, 2].flatMap((Co) => DROPOUTS.map(([name, spec]) => [cell, L, Co, name, spec] as const)),
    ),
  ),
)('forecast gradients, %s, L = %i, Co = %i, %s', (cell, L, Co, name, dropout) => {
  const model = forecaster(cell, L, Co);

  it('match central finite differences in float64 (rel. err ≤ 1e-6 per tensor)', () => {
    expect(paramLayout(model).embedding.size).toBe(0);
    expectGradientsMatch(
      fixture(model, Float64Array),
      `forecast ${cell} L=${L} Co=${Co}, ${name}`,
      dropout,
    );
  });

  it('float32 path agrees with float64 within 1e-4 per tensor', () => {
    expectFloat32Agrees(fixture(model, Float32Array), fixture(model, Float64Array), dropout);
  });
});

/** A SeriesBatch as the engines take it: values in, target values out, no tokens. */
function asBatch(s: SeriesBatch): Batch {
  return {
    inputs: new Int32Array(0),
    targets: new Int32Array(0),
    values: s.inputs,
    targetValues: s.targets,
    seqLen: s.seqLen,
    batchSize: s.batchSize,
  };
}

describe('a forecasting CPU backend', () => {
  const model = forecaster('lstm', 2, 2, 6);
  const rng = new Rng(2);
  const batch = (): Batch => ({
    inputs: new Int32Array(0),
    targets: new Int32Array(0),
    values: Float32Array.from({ length: 5 * 2 * 2 }, () => rng.normal()),
    targetValues: Float32Array.from({ length: 5 * 2 * 2 }, () => rng.normal()),
    seqLen: 5,
    batchSize: 2,
  });
  const windows = [batch(), batch()];
  const cpu = new CpuBackend(model, initParams(model, new Rng(8)), { batchSize: 2, seqLen: 5 });

  it('evaluates the mean squared error of what it predicts, over T·B·Co values', async () => {
    const outputs = await cpu.predict(windows);
    let sum = 0;
    let count = 0;
    outputs.forEach((out, w) => {
      expect(out).toHaveLength(5 * 2 * 2);
      out.forEach((y, i) => {
        sum += (y - windows[w].targetValues![i]) ** 2;
        count++;
      });
    });
    expect(await cpu.evaluate(windows)).toBeCloseTo(sum / count, 6);
  });

  it('carries the state from one window into the next', async () => {
    const [, second] = await cpu.predict(windows);
    const [alone] = await cpu.predict([windows[1]]);
    expect(second).not.toEqual(alone);
  });

  it('probes a stretch of values: (P, O) outputs, the layers, no reverse direction', async () => {
    const values = Float32Array.from({ length: 7 * 2 }, () => rng.normal());
    const r = await cpu.probe(values);
    expect(r.length).toBe(7);
    expect(r.logits).toHaveLength(7 * 2);
    expect(r.layers).toHaveLength(2);
    expect(r.reverse).toBeUndefined();
    await expect(cpu.probe(Float32Array.from([1, 2, 3]))).rejects.toThrow(/multiple of Ci=2/);
  });

  it('gives the gradient-flow view: its head norm is that of the training gradient', async () => {
    const fresh = new CpuBackend(model, initParams(model, new Rng(8)), { batchSize: 2, seqLen: 5 });
    const flow = await fresh.gradientFlow(windows[0]);
    expect(flow.h).toHaveLength(2);
    expect(flow.h[0]).toHaveLength(5);
    expect(flow.h.every((h) => h.every((v) => Number.isFinite(v) && v >= 0))).toBe(true);
    // The last position's gradient reaches its own step.
    expect(flow.h[1][0]).toBeGreaterThan(0);
    // Groups: embedding (none here), 2 layers, head; from zero state, as `gradients` on a fresh engine.
    expect(flow.groupNorms).toHaveLength(4);
    expect(flow.groupNorms[0]).toBe(0);
    const { grads } = await fresh.gradients(windows[0]);
    const { headW, headB } = fresh.layout;
    let sq = 0;
    for (const t of [headW, headB]) {
      for (let i = t.offset; i < t.offset + t.size; i++) sq += grads[i] ** 2;
    }
    expect(flow.groupNorms[3]).toBeCloseTo(Math.sqrt(sq), 5);
  });

  it('refuses a window without values, or with a non-finite one', () => {
    const bad = batch();
    bad.values![3] = NaN;
    expect(() => cpu.trainStep(bad, DEFAULT_OPTIMIZER)).toThrow(/values hold NaN at position 3/);
    const missing = { ...batch(), targetValues: undefined };
    expect(() => cpu.trainStep(missing, DEFAULT_OPTIMIZER)).toThrow(/needs targetValues/);
  });
});

describe('a small LSTM on the noisy sines', () => {
  it('forecasts the validation split better than the last value does', async () => {
    const valFraction = 0.2;
    const raw = generateSeries('sines', 3000, 1);
    const { trainRows } = splitSeries(raw.length, valFraction);
    const column = normalize(raw, fitColumn(raw, trainRows));
    const layout = { inputColumns: [0], targetColumns: [0] };
    const [Bt, Tt] = [8, 32];
    const train = new SeriesBatcher(sliceRows([column], 0, trainRows), layout, Bt, Tt, 1);
    const validation = seriesValidationBatches(
      sliceRows([column], trainRows, raw.length),
      layout,
      Bt,
      Tt,
      16,
    ).map(asBatch);
    const model: ModelConfig = {
      cell: 'lstm',
      vocabSize: 0,
      embedSize: 1,
      hiddenSize: 24,
      layers: 1,
      task: 'forecast',
      seriesInputs: 1,
      seriesOutputs: 1,
    };
    const cpu = new CpuBackend(model, initParams(model, new Rng(1)), {
      batchSize: Bt,
      seqLen: Tt,
    });
    const optimizer = { ...DEFAULT_OPTIMIZER, learningRate: 0.01 };
    const before = await cpu.evaluate(validation);
    for (let step = 0; step < 400; step++) {
      const { batch, startsEpoch } = train.next();
      if (startsEpoch) cpu.resetState();
      cpu.trainStep(asBatch(batch), optimizer);
    }
    const after = await cpu.evaluate(validation);
    const baseline = naiveBaselines(raw, { valFraction }).lastValue.mseNormalized;
    console.log(
      `noisy sines, validation MSE (normalised): before ${before.toFixed(4)}, ` +
        `after 400 steps ${after.toFixed(4)}, last-value baseline ${baseline.toFixed(4)}`,
    );
    expect(after).toBeLessThan(baseline);
  });
});
