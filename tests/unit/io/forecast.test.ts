// Exports of forecast models (no embedding: layer 0 reads Ci normalised
// values, head nn.Linear(H, Co)) loaded by the tools themselves: ONNX Runtime
// reproduces CpuBackend.predict's one-step predictions on the validation
// windows of a real (built-in) series, state carried from window to window
// through hn/cn as the engine carries it; model.safetensors comes back bit for
// bit with its series record (columns, training-split mean and std) and its
// tensors give the CPU outputs by PyTorch's equations; TF.js runs the LSTM
// with input [T, Ci]; checkpoints keep the series record (no vocabulary).
//
// Dimension legend: T steps, B batch, H hidden, L layers, Ci values read and
// Co values predicted per step, C columns, N rows.

import { beforeAll, describe, expect, test } from 'vitest';
import * as ort from '../../helpers/ort';
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../../src/engine/backend';
import { CELL_TYPES, CELLS, type CellType } from '../../../src/engine/cells';
import { modelConfigFields, type ModelConfig } from '../../../src/engine/config';
import { generateSeries } from '../../../src/series/generators';
import { fitNormalization, normalize, splitSeries } from '../../../src/series/normalize';
import { seriesValidationBatches, sliceRows, type SeriesLayout } from '../../../src/series/windows';
import { exportOnnx } from '../../../src/io/exportOnnx';
import { exportTfjs } from '../../../src/io/exportTfjs';
import { toPytorchTensors } from '../../../src/io/pytorch';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { seriesMetadataOf } from '../../../src/io/seriesMetadata';
import { exportSafetensors, importWeights } from '../../../src/io/weights';
import { pytorchEquations } from '../../helpers/pytorchEquations';
import { loadTfjs } from '../../helpers/tfjs';
import {
  codeOf,
  cpuBackend,
  cpuLogits,
  maxAbsDiff,
  seededParams,
  tinyCorpus,
} from '../../helpers/io';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Three columns; the model reads the last two and forecasts the first (Ci = 2, Co = 1).
const N = 400;
const names = ['sines', 'trend', 'glass'];
const raw = [
  generateSeries('sines', N, 1),
  generateSeries('trend-seasonal', N, 2),
  generateSeries('mackey-glass', N, 3),
];
const layout: SeriesLayout = { inputColumns: [1, 2], targetColumns: [0] };
const VAL_FRACTION = 0.25;
const stats = fitNormalization(raw, VAL_FRACTION);
const columns = raw.map((c, k) => normalize(c, stats[k]));
const { trainRows } = splitSeries(N, VAL_FRACTION);
const series = seriesMetadataOf(names, layout, stats);

function forecastModel(cell: CellType, L: number): ModelConfig {
  return {
    vocabSize: 0,
    task: 'forecast',
    seriesInputs: 2,
    seriesOutputs: 1,
    cell,
    embedSize: 6,
    hiddenSize: 7,
    layers: L,
  };
}

/** Validation windows as the engine takes them (values, no tokens). */
function validationBatches(B: number, T: number): Batch[] {
  const val = sliceRows(columns, trainRows, N);
  return seriesValidationBatches(val, layout, B, T, 3, names).map((w) => ({
    inputs: new Int32Array(0),
    targets: new Int32Array(0),
    values: w.values,
    targetValues: w.targetValues,
    seqLen: w.seqLen,
    batchSize: w.batchSize,
  }));
}

/** (T, Ci) values of rows [from, from + T) of the input columns. */
function inputRows(from: number, T: number): Float32Array {
  const out = new Float32Array(T * 2);
  for (let t = 0; t < T; t++) {
    layout.inputColumns.forEach((c, k) => (out[t * 2 + k] = columns[c][from + t]));
  }
  return out;
}

test('the series record keeps the used columns and their training-split statistics', () => {
  expect(series.columns).toEqual(['trend', 'glass', 'sines']);
  expect(series.inputColumns).toEqual([0, 1]);
  expect(series.targetColumns).toEqual([2]);
  expect(series.mean[2]).toBe(stats[0].mean);
  expect(series.std[0]).toBe(stats[1].std);
});

describe.each(CELL_TYPES)('forecast %s, L=2', (cell) => {
  const model = forecastModel(cell, 2);
  const params = seededParams(model, 61);
  const H = model.hiddenSize;

  test('ONNX Runtime reproduces CpuBackend.predict on the validation windows, state carried', async () => {
    const B = 2;
    const T = 12;
    const batches = validationBatches(B, T);
    expect(batches.length).toBe(3);
    const cpu = cpuBackend(model, params, B, T);
    const want = await cpu.predict(batches);
    cpu.dispose();

    const session = await ort.InferenceSession.create(exportOnnx(model, params, null, {}, series));
    const withC = CELLS[cell].carriesCell;
    expect([...session.inputNames]).toEqual(withC ? ['values', 'h0', 'c0'] : ['values', 'h0']);
    let h: Float32Array = new Float32Array(2 * B * H);
    let c: Float32Array = new Float32Array(2 * B * H);
    let diff = 0;
    for (const [k, batch] of batches.entries()) {
      const out = await session.run({
        values: new ort.Tensor('float32', batch.values!, [T, B, 2]),
        h0: new ort.Tensor('float32', h, [2, B, H]),
        ...(withC ? { c0: new ort.Tensor('float32', c, [2, B, H]) } : {}),
      });
      expect(out.predictions.dims).toEqual([T, B, 1]);
      diff = Math.max(diff, maxAbsDiff(out.predictions.data as Float32Array, want[k]));
      h = out.hn.data as Float32Array;
      if (withC) c = out.cn.data as Float32Array;
    }
    console.log(
      `onnxruntime vs CpuBackend.predict, forecast ${cell}, L=2, ${batches.length} validation windows of T=${T}, B=${B}: ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  test('model.safetensors: no embedding, back bit for bit with its series record; PyTorch’s equations', async () => {
    const bytes = exportSafetensors(model, params, null, {}, series);
    const sd = readSafetensors(bytes).tensors;
    expect(sd.has('embedding.weight')).toBe(false);
    expect(sd.get(`${cell}.weight_ih_l0`)!.shape[1]).toBe(2);
    expect(sd.get('head.weight')!.shape).toEqual([1, H]);
    const back = importWeights(bytes, { expectModel: model });
    expect(back.model).toEqual(modelConfigFields(model));
    expect(back.vocab).toBeNull();
    expect(back.series).toEqual(series);
    expect(back.params).toEqual(params);

    const values = inputRows(trainRows, 30);
    const diff = maxAbsDiff(
      await cpuLogits(model, params, values),
      pytorchEquations(model, sd, values),
    );
    console.log(
      `forecast ${cell}: CPU engine vs PyTorch's equations on the export: ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});

test('TF.js loads the forecast LSTM (input [T, Ci]) and gives the CPU outputs', async () => {
  const model = forecastModel('lstm', 2);
  const params = seededParams(model, 71);
  const ex = exportTfjs(model, params, null, 'model.weights.bin', {}, series);
  const loaded = await loadTfjs({ 'model.json': ex.modelJson, [ex.weightsFile]: ex.weights });
  expect(loaded.layers.map((l) => l.getClassName())).toEqual(['LSTM', 'LSTM', 'Dense']);
  expect(loaded.inputs[0].shape).toEqual([null, null, 2]);
  const T = 30;
  const values = inputRows(trainRows, T);
  const input = tf.tensor3d(values, [1, T, 2]);
  const output = loaded.predict(input) as tf.Tensor;
  expect(output.shape).toEqual([1, T, 1]);
  const diff = maxAbsDiff(await output.data(), await cpuLogits(model, params, values));
  console.log(`tfjs vs CpuBackend.probe, forecast lstm, L=2, T=${T}: ${diff.toExponential(2)}`);
  expect(diff).toBeLessThanOrEqual(1e-4);
  const meta = JSON.parse(ex.modelJson).userDefinedMetadata;
  expect(meta.series).toEqual(series);
  expect(meta.config).toEqual(modelConfigFields(model));
  expect(meta.vocab).toBeUndefined();
  tf.dispose([input, output]);
  loaded.dispose();
});

describe('what a forecast file must and must not hold', () => {
  const model = forecastModel('gru', 1);
  const params = seededParams(model, 5);

  test('a forecast has no vocabulary; only a forecast has series metadata', () => {
    const corpus = tinyCorpus();
    expect(() => exportSafetensors(model, params, corpus.vocab)).toThrow(/no vocabulary/);
    const lm: ModelConfig = {
      cell: 'lstm',
      vocabSize: corpus.vocab.size,
      embedSize: 4,
      hiddenSize: 5,
      layers: 1,
    };
    expect(() => exportOnnx(lm, seededParams(lm), corpus.vocab, {}, series)).toThrow(
      /only a forecast has series metadata/,
    );
  });

  test('a series record that does not fit the model is refused', () => {
    const wrong = { ...series, inputColumns: [0] };
    expect(() => exportSafetensors(model, params, null, {}, wrong)).toThrow(
      /"inputColumns" lists 1 columns but the model has 2/,
    );
    const noStd = { ...series, std: [1, 0, 1] };
    expect(() => exportSafetensors(model, params, null, {}, noStd)).toThrow(/finite positive/);
  });

  test('a forecast file without metadata (as PyTorch saves it) is read as a forecast, not a language model', () => {
    const bytes = writeSafetensors(toPytorchTensors(model, params), {});
    // E sizes nothing in a forecast: the session's model (E = 6) is the file's (E = 1, inferred).
    const back = importWeights(bytes, { expectModel: model });
    expect(back.model).toMatchObject({
      task: 'forecast',
      seriesInputs: 2,
      seriesOutputs: 1,
      cell: 'gru',
    });
    expect(back.params).toEqual(params);
    expect(back.vocab).toBeNull();
    expect(back.series).toBeNull();
  });

  test('a forecast is not imported where another model is expected', () => {
    const bytes = exportSafetensors(model, params, null, {}, series);
    expect(
      codeOf(() =>
        importWeights(bytes, {
          expectModel: {
            ...model,
            task: 'spaces',
            vocabSize: 9,
            seriesInputs: 0,
            seriesOutputs: 0,
          },
        }),
      ),
    ).toBe('config-mismatch');
  });

  test('damaged or misplaced series and vocabulary metadata is refused with the reason', () => {
    const tensors = toPytorchTensors(model, params);
    const config = JSON.stringify(modelConfigFields(model));
    const read = (meta: Record<string, string>) => () =>
      importWeights(writeSafetensors(tensors, { config, ...meta }));
    expect(codeOf(read({ series: '{not json' }))).toBe('metadata-invalid');
    expect(codeOf(read({ series: JSON.stringify({ ...series, mean: [0, NaN, 1] }) }))).toBe(
      'metadata-invalid',
    );
    expect(codeOf(read({ series: JSON.stringify({ ...series, targetColumns: [7] }) }))).toBe(
      'metadata-invalid',
    );
    expect(codeOf(read({ series: '{"__proto__":{"columns":["x"]}}' }))).toBe('metadata-invalid');
    expect(codeOf(read({ vocab: JSON.stringify(tinyCorpus().vocab.toJSON()) }))).toBe(
      'metadata-invalid',
    );
    // And a token model holding a series record.
    const corpus = tinyCorpus();
    const lm: ModelConfig = {
      cell: 'rnn',
      vocabSize: corpus.vocab.size,
      embedSize: 3,
      hiddenSize: 4,
      layers: 1,
    };
    const lmBytes = writeSafetensors(toPytorchTensors(lm, seededParams(lm)), {
      config: JSON.stringify(modelConfigFields(lm)),
      vocab: JSON.stringify(corpus.vocab.toJSON()),
      series: JSON.stringify(series),
    });
    expect(() => importWeights(lmBytes)).toThrow(
      /only a forecast has series metadata \(this model's task is lm\)/,
    );
  });
});
