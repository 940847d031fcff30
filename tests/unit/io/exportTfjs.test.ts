// The TF.js layers export loaded by @tensorflow/tfjs itself (cpu backend) with
// tf.loadLayersModel over a fake fetch that serves model.json and the .bin
// by path, exactly as a browser would load them from a folder.

import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exportTfjs } from '../../../src/io/exportTfjs';
import { cpuLogits, maxAbsDiff, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function load(files: Record<string, Uint8Array | string>): Promise<tf.LayersModel> {
  const fetchFunc = async (url: RequestInfo | URL) => {
    const name = String(url instanceof Request ? url.url : url)
      .split('/')
      .pop()!;
    const body = files[name];
    if (body === undefined) return new Response('not found', { status: 404 });
    return new Response(typeof body === 'string' ? body : body.slice(), { status: 200 });
  };
  return tf.loadLayersModel('http://127.0.0.1/export/model.json', { fetchFunc });
}

describe.each([1, 2])('TF.js layers export, L=%i', (L) => {
  const model = tinyModel(L, corpus);
  const params = seededParams(model, 21 + L);

  test('tf.loadLayersModel loads it and gives the CPU backend logits (≤ 1e-4)', async () => {
    const ex = exportTfjs(model, params, corpus.vocab);
    const loaded = await load({ 'model.json': ex.modelJson, [ex.weightsFile]: ex.weights });
    expect(loaded.layers.map((l) => l.getClassName())).toEqual([
      'Embedding',
      ...Array(L).fill('LSTM'),
      'Dense',
    ]);
    for (const layer of loaded.layers.slice(1, 1 + L)) {
      // The whole point of writing it explicitly: TF.js would default to hardSigmoid.
      expect(layer.getConfig().recurrentActivation).toBe('sigmoid');
    }

    const tokens = corpus.vocab.encode(TEXT.slice(0, 48));
    const input = tf.tensor2d(Array.from(tokens), [1, tokens.length]);
    const output = loaded.predict(input) as tf.Tensor;
    expect(output.shape).toEqual([1, tokens.length, model.vocabSize]);
    const got = await output.data();
    const want = await cpuLogits(model, params, tokens);
    const diff = maxAbsDiff(got, want);
    console.log(
      `tfjs vs CpuBackend.probe, L=${L}, T=${tokens.length}: max abs diff ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([input, output]);
    loaded.dispose();
  });

  test('model.json carries the manifest and the vocabulary', () => {
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
  });
});
