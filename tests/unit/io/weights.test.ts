// model.safetensors and vocab.json: the PyTorch layout (names, shapes, gate
// blocks), export → import identity, and every way an import can be refused.

import { describe, expect, test } from 'vitest';
import { paramLayout } from '../../../src/engine/params';
import { Vocabulary } from '../../../src/engine/tokenizer';
import { VocabularyMismatchError, type FormatErrorCode } from '../../../src/io/errors';
import { modelConfigFields } from '../../../src/engine/config';
import { toPytorchTensors } from '../../../src/io/pytorch';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../../../src/io/safetensors';
import { parseVocabJson } from '../../../src/io/vocabFile';
import { exportSafetensors, exportVocabJson, importWeights } from '../../../src/io/weights';
import { codeOf, cpuLogits, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();
const model = tinyModel(2, corpus);
const params = seededParams(model);
const { vocabSize: V, embedSize: E, hiddenSize: H } = model;

/** Rewrites an exported file through `edit` of its tensors and metadata. */
function edited(
  edit: (tensors: NamedTensor[], meta: Record<string, string>) => NamedTensor[] | void,
): Uint8Array {
  const file = readSafetensors(exportSafetensors(model, params, corpus.vocab));
  const tensors = [...file.tensors.values()];
  const meta = { ...file.metadata };
  return writeSafetensors(edit(tensors, meta) ?? tensors, meta);
}

describe('PyTorch layout', () => {
  const tensors = new Map(toPytorchTensors(model, params).map((t) => [t.name, t]));
  const layout = paramLayout(model);

  test('state_dict names and shapes of Embedding → LSTM(L=2) → Linear', () => {
    expect([...tensors.entries()].map(([n, t]) => [n, t.shape])).toEqual([
      ['embedding.weight', [V, E]],
      ['lstm.weight_ih_l0', [4 * H, E]],
      ['lstm.weight_hh_l0', [4 * H, H]],
      ['lstm.bias_ih_l0', [4 * H]],
      ['lstm.bias_hh_l0', [4 * H]],
      ['lstm.weight_ih_l1', [4 * H, H]],
      ['lstm.weight_hh_l1', [4 * H, H]],
      ['lstm.bias_ih_l1', [4 * H]],
      ['lstm.bias_hh_l1', [4 * H]],
      ['head.weight', [V, H]],
      ['head.bias', [V]],
    ]);
  });

  test('gate blocks i, f, g, o come from the interleaved arena columns', () => {
    const wih = tensors.get('lstm.weight_ih_l0')!.data; // (4H, E)
    const bih = tensors.get('lstm.bias_ih_l0')!.data; // (4H)
    const { wx, b } = layout.layers[0];
    for (let gate = 0; gate < 4; gate++) {
      for (let j = 0; j < H; j++) {
        for (let x = 0; x < E; x++) {
          expect(wih[(gate * H + j) * E + x]).toBe(params[wx.offset + x * 4 * H + 4 * j + gate]);
        }
        expect(bih[gate * H + j]).toBe(params[b.offset + 4 * j + gate]);
      }
    }
    expect(tensors.get('lstm.bias_hh_l1')!.data.every((x) => x === 0)).toBe(true);
    // head.weight is (V, H): the transpose of the arena's (H, V).
    expect(tensors.get('head.weight')!.data[3 * H + 2]).toBe(
      params[layout.headW.offset + 2 * V + 3],
    );
  });
});

describe('export → import', () => {
  test('gives back the arena bit for bit, and identical logits', async () => {
    const bytes = exportSafetensors(model, params, corpus.vocab);
    const back = importWeights(bytes, { expectModel: model, corpusVocab: corpus.vocab });
    expect(back.model).toEqual(modelConfigFields(model));
    expect(back.vocab!.itos).toEqual(corpus.vocab.itos);
    expect(back.params).toEqual(params);
    const tokens = corpus.vocab.encode(TEXT);
    expect(await cpuLogits(model, back.params, tokens)).toEqual(
      await cpuLogits(model, params, tokens),
    );
  });

  test('metadata holds the vocabulary and the configuration as JSON strings', () => {
    const meta = readSafetensors(exportSafetensors(model, params, corpus.vocab)).metadata;
    expect(JSON.parse(meta.config)).toEqual(modelConfigFields(model));
    expect(JSON.parse(meta.vocab)).toEqual(JSON.parse(exportVocabJson(corpus.vocab)));
    const vocab = JSON.parse(exportVocabJson(corpus.vocab));
    expect(vocab.vocab_size).toBe(V);
    expect(vocab.itos).toEqual(corpus.vocab.itos);
    expect(vocab.stoi['🐈']).toBe(vocab.itos.indexOf('🐈'));
  });

  test('a PyTorch-trained file (nonzero bias_hh, no metadata) imports with vocab.json; biases add up', () => {
    const bytes = edited((tensors, meta) => {
      for (const k of Object.keys(meta)) delete meta[k];
      return tensors.map((t) =>
        t.name.startsWith('lstm.bias_hh')
          ? { ...t, data: t.data.map((_, i) => 0.25 * (i % 3)) }
          : t,
      );
    });
    expect(codeOf(() => importWeights(bytes))).toBe('vocabulary-invalid');
    const back = importWeights(bytes, { vocabJson: exportVocabJson(corpus.vocab) });
    expect(back.model).toEqual(modelConfigFields(model));
    const b0 = paramLayout(model).layers[0].b;
    const want = toPytorchTensors(model, params).find((t) => t.name === 'lstm.bias_ih_l0')!.data;
    // Arena gate k of unit j ← block k row j of bias_ih + bias_hh.
    expect(back.params[b0.offset + 4 * 2 + 1]).toBe(
      Math.fround(want[1 * H + 2] + 0.25 * ((H + 2) % 3)),
    );
  });
});

describe('import refuses, naming the problem', () => {
  test.each<[string, () => Uint8Array, FormatErrorCode, RegExp]>([
    [
      'a missing tensor',
      () => edited((ts) => ts.filter((t) => t.name !== 'lstm.weight_hh_l1')),
      'missing-tensor',
      /lstm\.weight_hh_l1 is missing/,
    ],
    [
      'an extra tensor',
      () =>
        edited((ts) => [
          ...ts,
          { name: 'lstm.weight_ih_l0_reverse', shape: [1], data: new Float32Array(1) },
        ]),
      'unexpected-tensor',
      /weight_ih_l0_reverse is not part of this model/,
    ],
    [
      'a shape that disagrees with the configuration',
      () =>
        edited((ts) =>
          ts.map((t) =>
            t.name === 'head.bias' ? { ...t, shape: [V + 1], data: new Float32Array(V + 1) } : t,
          ),
        ),
      'shape-mismatch',
      /head\.bias has shape \[\d+\].*needs \[\d+\]/,
    ],
    [
      'metadata config that disagrees with the tensors',
      () =>
        edited((_, meta) => void (meta.config = JSON.stringify({ ...model, hiddenSize: H + 1 }))),
      'shape-mismatch',
      /lstm\.weight_ih_l0 has shape \[28,6\] but the configuration .*H=8.* needs \[32,6\]/,
    ],
    [
      'a NaN weight',
      () =>
        edited((ts) =>
          ts.map((t) =>
            t.name === 'embedding.weight'
              ? { ...t, data: t.data.map((x, i) => (i === 5 ? NaN : x)) }
              : t,
          ),
        ),
      'non-finite',
      /embedding\.weight holds NaN at index 5/,
    ],
    [
      'a vocabulary of the wrong size',
      () => edited((_, meta) => void (meta.vocab = exportVocabJson(Vocabulary.fromText('abc')))),
      'vocabulary-invalid',
      /3 characters but the weights are for V=/,
    ],
    [
      'an unsorted vocabulary',
      () =>
        edited((_, meta) => {
          const v = JSON.parse(meta.vocab);
          [v.itos[0], v.itos[1]] = [v.itos[1], v.itos[0]];
          meta.vocab = JSON.stringify({ itos: v.itos });
        }),
      'vocabulary-invalid',
      /not sorted/,
    ],
    [
      'config metadata not JSON',
      () => edited((_, meta) => void (meta.config = '{oops')),
      'metadata-invalid',
      /not JSON/,
    ],
  ])('%s', (_name, make, code, message) => {
    const bytes = make();
    expect(codeOf(() => importWeights(bytes))).toBe(code);
    expect(() => importWeights(bytes)).toThrow(message);
  });

  test('a model other than the current one', () => {
    const bytes = exportSafetensors(model, params, corpus.vocab);
    expect(() => importWeights(bytes, { expectModel: { ...model, layers: 1 } })).toThrow(
      /holds LSTM V=\d+, E=6, H=7, L=2 but the current model is .*L=1/,
    );
  });

  test('a vocabulary that differs from the corpus, offering to adopt it when it covers the corpus', () => {
    const bytes = exportSafetensors(model, params, corpus.vocab);
    // The corpus uses a subset of the file's characters: the file's vocabulary can be adopted.
    const subset = tinyCorpus('the cat sat on the mat.');
    let err: unknown;
    try {
      importWeights(bytes, { corpusVocab: subset.vocab });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VocabularyMismatchError);
    const mismatch = err as VocabularyMismatchError;
    expect(mismatch.code).toBe('vocabulary-mismatch');
    expect(mismatch.canAdopt).toBe(true);
    expect(mismatch.fileVocab).toEqual(corpus.vocab.itos);
    expect(mismatch.unusedByCorpus).toContain('🐈');
    expect(mismatch.message).toMatch(/adopt/);
    // Adopting: encode the corpus with the file's vocabulary and the weights fit as they are.
    const adopted = parseVocabJson(readSafetensors(bytes).metadata.vocab);
    expect(() => adopted.encode(subset.text)).not.toThrow();

    // A corpus with characters the model never saw cannot adopt it.
    const wider = tinyCorpus(TEXT + 'Zebra€');
    try {
      importWeights(bytes, { corpusVocab: wider.vocab });
    } catch (e) {
      err = e;
    }
    expect((err as VocabularyMismatchError).canAdopt).toBe(false);
    expect((err as VocabularyMismatchError).missingFromFile.sort()).toEqual(['Z', '€']);
  });
});

describe('vocab.json', () => {
  test.each([
    ['not JSON', '{'],
    ['no itos', '{"stoi":{}}'],
    ['itos with a non-string', '{"itos":["a",1]}'],
    ['an entry of two characters', '{"itos":["a","bc"]}'],
    ['duplicates', '{"itos":["a","a"]}'],
    ['vocab_size disagreeing', '{"itos":["a","b"],"vocab_size":3}'],
    ['stoi disagreeing', '{"itos":["a","b"],"stoi":{"a":1,"b":0}}'],
    ['one entry', '{"itos":["a"]}'],
  ])('rejects %s', (_name, text) => {
    expect(codeOf(() => parseVocabJson(text))).toBe('vocabulary-invalid');
  });

  test('round trips, astral characters included', () => {
    expect(parseVocabJson(exportVocabJson(corpus.vocab)).itos).toEqual(corpus.vocab.itos);
  });
});
