// Exports of bidirectional taggers (task spaces, D = 2) loaded by the tools
// themselves and held to the CPU engine's logits (max |Δ| ≤ 1e-4):
// model.safetensors under PyTorch's `_reverse` names (export → import bit for
// bit, and PyTorch's bidirectional equations evaluated in float64 on the
// exported tensors), ONNX Runtime running direction="bidirectional" LSTM,
// GRU and RNN at L = 1 and 2, and TF.js loading Bidirectional(LSTM) and
// Bidirectional(SimpleRNN).
//
// Dimension legend: T steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, D directions, O head outputs (K = 2 classes).

import { beforeAll, describe, expect, test } from 'vitest';
import * as ort from '../../helpers/ort';
import * as tf from '@tensorflow/tfjs';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import { modelConfigFields, type ModelConfig } from '../../../src/engine/config';
import { Rng } from '../../../src/engine/rng';
import { exportOnnx } from '../../../src/io/exportOnnx';
import { exportTfjs } from '../../../src/io/exportTfjs';
import { toPytorchTensors } from '../../../src/io/pytorch';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { exportSafetensors, importWeights, modelMetadata } from '../../../src/io/weights';
import { pytorchEquations } from '../../helpers/pytorchEquations';
import { loadTfjs } from '../../helpers/tfjs';
import {
  codeOf,
  cpuLogits,
  maxAbsDiff,
  seededParams,
  tinyCorpus,
  tinyModel,
  TEXT,
} from '../../helpers/io';

const corpus = tinyCorpus();
const K = 2;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function biTagger(cell: CellType, L: number): ModelConfig {
  return { ...tinyModel(L, corpus), cell, task: 'spaces', direction: 'bi' };
}

const tokens = corpus.vocab.encode(TEXT.slice(0, 40));
const T = tokens.length;

describe.each(CELL_TYPES.flatMap((cell) => [1, 2].map((L) => [cell, L] as const)))(
  'bidirectional %s tagger, L=%i',
  (cell, L) => {
    const model = biTagger(cell, L);
    const params = seededParams(model, 40 + L);
    const H = model.hiddenSize;

    test('model.safetensors: _reverse names, back bit for bit, PyTorch’s equations', async () => {
      const bytes = exportSafetensors(model, params, corpus.vocab);
      const sd = readSafetensors(bytes).tensors;
      for (let l = 0; l < L; l++) {
        const X = l === 0 ? model.embedSize : 2 * H;
        expect(sd.get(`${cell}.weight_ih_l${l}_reverse`)!.shape).toEqual([
          sd.get(`${cell}.weight_hh_l0`)!.shape[0],
          X,
        ]);
        expect(sd.has(`${cell}.bias_hh_l${l}_reverse`)).toBe(true);
      }
      expect(sd.get('head.weight')!.shape).toEqual([K, 2 * H]);
      const back = importWeights(bytes, { expectModel: model, corpusVocab: corpus.vocab });
      expect(back.model).toEqual(modelConfigFields(model));
      expect(back.model.task).toBe('spaces');
      expect(back.model.direction).toBe('bi');
      expect(back.params).toEqual(params);

      const want = await cpuLogits(model, params, tokens);
      expect(want.length).toBe(T * K);
      const diff = maxAbsDiff(want, pytorchEquations(model, sd, tokens));
      console.log(
        `bi ${cell}, L=${L}: CPU engine vs PyTorch's bidirectional equations on the export: ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
    });

    test('a PyTorch-written file (nonzero bias_hh, both directions) imports exactly', async () => {
      const rng = new Rng(29 + L);
      const tensors = toPytorchTensors(model, params).map((t) =>
        t.name.includes('.bias_') ? { ...t, data: t.data.map(() => rng.uniform(-0.8, 0.8)) } : t,
      );
      // As a person would save it: their state_dict plus our config and vocabulary metadata.
      const bytes = writeSafetensors(tensors, modelMetadata(model, corpus.vocab));
      const back = importWeights(bytes, { corpusVocab: corpus.vocab });
      const diff = maxAbsDiff(
        await cpuLogits(model, back.params, tokens),
        pytorchEquations(model, new Map(tensors.map((t) => [t.name, t])), tokens),
      );
      console.log(
        `bi ${cell}, L=${L}: imported PyTorch file vs PyTorch's equations: ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
    });

    test('ONNX Runtime runs direction="bidirectional" and gives the CPU logits', async () => {
      const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
      // A tagger starts every window from zero: no state inputs or outputs.
      expect([...session.inputNames]).toEqual(['tokens']);
      expect([...session.outputNames]).toEqual(['logits']);
      // Two streams, time-major: the text and the text reversed; each is read both ways alone.
      const reversed = tokens.slice().reverse();
      const both = new BigInt64Array(T * 2);
      for (let t = 0; t < T; t++) {
        both[t * 2] = BigInt(tokens[t]);
        both[t * 2 + 1] = BigInt(reversed[t]);
      }
      const out = await session.run({ tokens: new ort.Tensor('int64', both, [T, 2]) });
      expect(out.logits.dims).toEqual([T, 2, K]);
      const got = out.logits.data as Float32Array;
      const stream = (b: number) => {
        const s = new Float32Array(T * K);
        for (let t = 0; t < T; t++)
          s.set(got.subarray((t * 2 + b) * K, (t * 2 + b + 1) * K), t * K);
        return s;
      };
      const diff = Math.max(
        maxAbsDiff(stream(0), await cpuLogits(model, params, tokens)),
        maxAbsDiff(stream(1), await cpuLogits(model, params, reversed)),
      );
      console.log(
        `onnxruntime vs CpuBackend.probe, bi ${cell}, L=${L}, T=${T}, B=2: ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
    });
  },
);

describe.each((['lstm', 'rnn'] as const).flatMap((cell) => [1, 2].map((L) => [cell, L] as const)))(
  'TF.js Bidirectional %s, L=%i',
  (cell, L) => {
    test('tf.loadLayersModel loads it and gives the CPU logits', async () => {
      const model = biTagger(cell, L);
      const params = seededParams(model, 50 + L);
      const ex = exportTfjs(model, params, corpus.vocab);
      const loaded = await loadTfjs({ 'model.json': ex.modelJson, [ex.weightsFile]: ex.weights });
      expect(loaded.layers.map((l) => l.getClassName())).toEqual([
        'Embedding',
        ...Array(L).fill('Bidirectional'),
        'Dense',
      ]);
      const input = tf.tensor2d(Array.from(tokens), [1, T]);
      const output = loaded.predict(input) as tf.Tensor;
      expect(output.shape).toEqual([1, T, K]);
      const diff = maxAbsDiff(await output.data(), await cpuLogits(model, params, tokens));
      console.log(
        `tfjs vs CpuBackend.probe, Bidirectional ${cell}, L=${L}, T=${T}: ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
      const meta = JSON.parse(ex.modelJson).userDefinedMetadata;
      expect(meta.config).toEqual(modelConfigFields(model));
      tf.dispose([input, output]);
      loaded.dispose();
    });
  },
);

test('the bidirectional GRU has no TF.js export either', () => {
  const model = biTagger('gru', 1);
  expect(() => exportTfjs(model, seededParams(model), corpus.vocab)).toThrow(/export ONNX/);
});

test('a bidirectional file without its config metadata is refused, not read as a language model', () => {
  const model = biTagger('lstm', 1);
  const bytes = writeSafetensors(toPytorchTensors(model, seededParams(model)), {});
  expect(codeOf(() => importWeights(bytes))).toBe('metadata-invalid');
  expect(() => importWeights(bytes)).toThrow(/_reverse tensors\) needs its "config" metadata/);
});

test('a config written before tasks and cells (no task, direction, cell) reads as a left-to-right LSTM language model', () => {
  const lm = tinyModel(1, corpus);
  const params = seededParams(lm, 3);
  const old = {
    vocabSize: lm.vocabSize,
    embedSize: lm.embedSize,
    hiddenSize: lm.hiddenSize,
    layers: 1,
  };
  const bytes = writeSafetensors(toPytorchTensors(lm, params), {
    config: JSON.stringify(old),
    vocab: JSON.stringify(corpus.vocab.toJSON()),
  });
  const back = importWeights(bytes, { corpusVocab: corpus.vocab });
  expect(back.model).toEqual(modelConfigFields(lm));
  expect(back.model).toMatchObject({ task: 'lm', direction: 'uni', cell: 'lstm' });
  expect(back.params).toEqual(params);
});

test('the config metadata of every format is the full model configuration', () => {
  const model = biTagger('rnn', 1);
  const params = seededParams(model, 4);
  const full = modelConfigFields(model);
  const st = readSafetensors(exportSafetensors(model, params, corpus.vocab)).metadata;
  expect(JSON.parse(st.config)).toEqual(full);
  expect(
    JSON.parse(exportTfjs(model, params, corpus.vocab).modelJson).userDefinedMetadata.config,
  ).toEqual(full);
  // ONNX metadata_props are plain strings inside the protobuf.
  expect(new TextDecoder().decode(exportOnnx(model, params, corpus.vocab))).toContain(
    JSON.stringify(full),
  );
});
