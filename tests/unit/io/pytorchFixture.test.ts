// A model.safetensors laid out as PyTorch saves a trained
// Embedding → LSTM(L=2) → Linear (nonzero bias_hh, no header padding, entries
// in name order), with the logits of nn.LSTM's equations computed by numpy
// (tests/fixtures/pytorch/make_fixture.py). Importing it and running the CPU
// backend must give those logits: a check of our PyTorch layout that does not
// go through our own exporter.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { modelConfigFields } from '../../../src/engine/config';
import { readSafetensors } from '../../../src/io/safetensors';
import { exportSafetensors, importWeights } from '../../../src/io/weights';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { cpuLogits, maxAbsDiff } from '../../helpers/io';

const dir = new URL('../../fixtures/pytorch/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('model.safetensors', dir)));
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as {
  text: string;
  tokens: number[];
  config: { vocabSize: number; embedSize: number; hiddenSize: number; layers: number };
  logits: number[][];
};

describe('a file saved from PyTorch', () => {
  test('imports with its configuration read off the shapes and its vocabulary from metadata', () => {
    const corpus = buildCorpus(expected.text);
    const w = importWeights(bytes, { corpusVocab: corpus.vocab });
    expect(w.model).toEqual(modelConfigFields({ cell: 'lstm', ...expected.config }));
    expect(Array.from(corpus.tokens)).toEqual(expected.tokens);
  });

  test("gives nn.LSTM's logits (max abs diff ≤ 1e-5)", async () => {
    const w = importWeights(bytes);
    const got = await cpuLogits(w.model, w.params, Int32Array.from(expected.tokens));
    const diff = maxAbsDiff(got, expected.logits.flat());
    console.log(
      `PyTorch-layout fixture vs CpuBackend.probe: max abs diff ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  test('exports back with the same weights, the two biases folded into bias_ih', () => {
    const w = importWeights(bytes);
    const original = readSafetensors(bytes).tensors;
    const again = readSafetensors(exportSafetensors(w.model, w.params, w.vocab)).tensors;
    expect([...again.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [name, t] of original) {
      if (name.includes('.bias_')) continue;
      expect(again.get(name)!.data, name).toEqual(t.data);
    }
    for (let k = 0; k < w.model.layers; k++) {
      const sum = original
        .get(`lstm.bias_ih_l${k}`)!
        .data.map((x, i) => x + original.get(`lstm.bias_hh_l${k}`)!.data[i]);
      expect(again.get(`lstm.bias_ih_l${k}`)!.data).toEqual(sum);
      expect(again.get(`lstm.bias_hh_l${k}`)!.data.every((x) => x === 0)).toBe(true);
    }
  });
});
