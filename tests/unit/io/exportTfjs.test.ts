// The TF.js layers export loaded by @tensorflow/tfjs itself (cpu backend) with
// tf.loadLayersModel over a fake fetch that serves model.json and the .bin
// by path, exactly as a browser would load them from a folder: the LSTM and
// the RNN (SimpleRNN). The GRU has no TF.js export (TF.js has no reset-after
// GRU); the last tests hold that refusal to TF.js's actual behaviour.

import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { CellType } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { exportTfjs, TfjsGruUnsupportedError } from '../../../src/io/exportTfjs';
import { loadTfjs } from '../../helpers/tfjs';
import { cpuLogits, maxAbsDiff, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function modelOf(cell: CellType, L: number): ModelConfig {
  return { ...tinyModel(L, corpus), cell };
}

const load = loadTfjs;

const KERAS_CLASS = { lstm: 'LSTM', rnn: 'SimpleRNN' } as const;

describe.each((['lstm', 'rnn'] as const).flatMap((cell) => [1, 2].map((L) => [cell, L] as const)))(
  'TF.js layers export, %s, L=%i',
  (cell, L) => {
    const model = modelOf(cell, L);
    const params = seededParams(model, 21 + L);

    test('tf.loadLayersModel loads it and gives the CPU backend logits (≤ 1e-4)', async () => {
      const ex = exportTfjs(model, params, corpus.vocab);
      const loaded = await load({ 'model.json': ex.modelJson, [ex.weightsFile]: ex.weights });
      expect(loaded.layers.map((l) => l.getClassName())).toEqual([
        'Embedding',
        ...Array(L).fill(KERAS_CLASS[cell]),
        'Dense',
      ]);
      for (const layer of loaded.layers.slice(1, 1 + L)) {
        const config = layer.getConfig();
        expect(config.activation).toBe('tanh');
        // The whole point of writing it explicitly: TF.js would default to hardSigmoid.
        if (cell === 'lstm') expect(config.recurrentActivation).toBe('sigmoid');
      }

      const tokens = corpus.vocab.encode(TEXT.slice(0, 48));
      const input = tf.tensor2d(Array.from(tokens), [1, tokens.length]);
      const output = loaded.predict(input) as tf.Tensor;
      expect(output.shape).toEqual([1, tokens.length, model.vocabSize]);
      const got = await output.data();
      const want = await cpuLogits(model, params, tokens);
      const diff = maxAbsDiff(got, want);
      console.log(
        `tfjs vs CpuBackend.probe, ${cell}, L=${L}, T=${tokens.length}: max abs diff ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
      tf.dispose([input, output]);
      loaded.dispose();
    });

    test('model.json carries the manifest, the vocabulary and the cell', () => {
      const ex = exportTfjs(model, params, corpus.vocab, 'weights.bin');
      const json = JSON.parse(ex.modelJson);
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      const floats = json.weightsManifest[0].weights.reduce(
        (n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1),
        0,
      );
      expect(ex.weights.byteLength).toBe(floats * 4);
      expect(json.userDefinedMetadata.vocab.itos).toEqual(corpus.vocab.itos);
      expect(json.userDefinedMetadata.config.cell).toBe(cell);
    });
  },
);

describe('the GRU', () => {
  const model = modelOf('gru', 1);

  test('is refused with a reason that names the way out', () => {
    expect(() => exportTfjs(model, seededParams(model), corpus.vocab)).toThrow(
      TfjsGruUnsupportedError,
    );
    expect(() => exportTfjs(model, seededParams(model), corpus.vocab)).toThrow(/export ONNX/);
  });

  test("because TF.js still refuses a reset_after GRU (PyTorch's): if this fails, build the export", async () => {
    // The LSTM export of the same sizes, its LSTM layer swapped for the Keras
    // GRU (reset_after=True, bias (2, 3H)) a GRU export would have to write.
    const lstm = modelOf('lstm', 1);
    const ex = exportTfjs(lstm, seededParams(lstm), corpus.vocab);
    const json = JSON.parse(ex.modelJson);
    const H = lstm.hiddenSize;
    const E = lstm.embedSize;
    const layer = json.modelTopology.config.layers[1];
    layer.class_name = 'GRU';
    layer.config.name = 'gru';
    layer.config.reset_after = true;
    delete layer.config.unit_forget_bias;
    const manifest = json.weightsManifest[0].weights;
    manifest.splice(
      1,
      3,
      { name: 'gru/kernel', shape: [E, 3 * H], dtype: 'float32' },
      { name: 'gru/recurrent_kernel', shape: [H, 3 * H], dtype: 'float32' },
      { name: 'gru/bias', shape: [2, 3 * H], dtype: 'float32' },
    );
    const floats = manifest.reduce(
      (n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1),
      0,
    );
    await expect(
      load({ 'model.json': JSON.stringify(json), [ex.weightsFile]: new Uint8Array(floats * 4) }),
    ).rejects.toThrow(/reset_after/);
  });
});
