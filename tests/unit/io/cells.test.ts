// model.safetensors for every cell (LSTM, GRU, RNN): export → import is the
// identity, the GRU's b_hn survives in bias_hh's n block, and a file as
// PyTorch writes it (nonzero bias_ih AND bias_hh, no metadata) imports to a
// model whose logits equal PyTorch's equations evaluated straight off the
// state_dict in float64 (tests/helpers/pytorchEquations.ts, an oracle that
// shares no code with src/io's permutations or the CPU engine).
//
// Dimension legend: T steps, E embedding, H hidden, V vocabulary, L layers,
// G gates per unit, X input size of a layer.

import { describe, expect, test } from 'vitest';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import { modelConfigFields, type ModelConfig } from '../../../src/engine/config';
import { paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { toPytorchTensors } from '../../../src/io/pytorch';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { exportSafetensors, exportVocabJson, importWeights } from '../../../src/io/weights';
import { pytorchEquations } from '../../helpers/pytorchEquations';
import { cpuLogits, maxAbsDiff, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();

function modelOf(cell: CellType, L = 2): ModelConfig {
  return { ...tinyModel(L, corpus), cell };
}

describe.each(CELL_TYPES)('%s: model.safetensors', (cell) => {
  const model = modelOf(cell);
  const params = seededParams(model, 17);
  const tokens = corpus.vocab.encode(TEXT.slice(0, 40));

  test('export → import gives back the arena bit for bit; the logits are PyTorch’s', async () => {
    const bytes = exportSafetensors(model, params, corpus.vocab);
    const back = importWeights(bytes, { expectModel: model, corpusVocab: corpus.vocab });
    expect(back.model).toEqual(modelConfigFields(model));
    expect(back.params).toEqual(params);
    const sd = readSafetensors(bytes).tensors;
    expect([...sd.keys()].filter((k) => k.includes('weight_hh'))).toEqual([
      `${cell}.weight_hh_l0`,
      `${cell}.weight_hh_l1`,
    ]);
    const diff = maxAbsDiff(
      await cpuLogits(model, params, tokens),
      pytorchEquations(model, sd, tokens),
    );
    console.log(
      `${cell}: CPU engine vs PyTorch equations on the exported file: ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  test('a PyTorch-written file (nonzero bias_hh everywhere, no metadata) imports exactly', async () => {
    // Fresh nonzero biases on both sides, as after training in PyTorch.
    const rng = new Rng(23);
    const tensors = toPytorchTensors(model, params).map((t) =>
      t.name.includes('.bias_') ? { ...t, data: t.data.map(() => rng.uniform(-0.8, 0.8)) } : t,
    );
    const bytes = writeSafetensors(tensors, {});
    const back = importWeights(bytes, { vocabJson: exportVocabJson(corpus.vocab) });
    expect(back.model).toEqual(modelConfigFields(model));
    const sd = new Map(tensors.map((t) => [t.name, t]));
    const diff = maxAbsDiff(
      await cpuLogits(model, back.params, tokens),
      pytorchEquations(model, sd, tokens),
    );
    console.log(`${cell}: imported PyTorch file vs PyTorch equations: ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    // And the import is no approximation: exported again, the one bias is the float32 sum.
    const again = new Map(toPytorchTensors(model, back.params).map((t) => [t.name, t]));
    const H = model.hiddenSize;
    const bih = sd.get(`${cell}.bias_ih_l1`)!.data;
    const bhh = sd.get(`${cell}.bias_hh_l1`)!.data;
    const summed = cell === 'gru' ? 2 * H : bih.length; // the GRU's n block stays apart
    const want = bih.map((x, i) => (i < summed ? x + bhh[i] : x));
    expect(again.get(`${cell}.bias_ih_l1`)!.data).toEqual(want);
    const wantHh = new Float32Array(bhh.length);
    if (cell === 'gru') wantHh.set(bhh.subarray(2 * H), 2 * H);
    expect(again.get(`${cell}.bias_hh_l1`)!.data).toEqual(wantHh);
  });
});

test('the GRU’s b_hn survives: written as bias_hh’s n block, read back into bhn', () => {
  const model = modelOf('gru');
  const params = seededParams(model, 3);
  const H = model.hiddenSize;
  const layout = paramLayout(model);
  layout.layers.forEach(({ bhn }, l) => {
    for (let j = 0; j < H; j++) params[bhn!.offset + j] = 0.1 * (j + 1) * (l ? -1 : 1);
  });
  const bytes = exportSafetensors(model, params, corpus.vocab);
  const sd = readSafetensors(bytes).tensors;
  layout.layers.forEach(({ bhn }, l) => {
    const bhh = sd.get(`gru.bias_hh_l${l}`)!.data; // (3H) blocks r, z, n
    expect(bhh.subarray(0, 2 * H).every((x) => x === 0)).toBe(true);
    expect(bhh.subarray(2 * H)).toEqual(params.subarray(bhn!.offset, bhn!.offset + H));
  });
  const back = importWeights(bytes, { expectModel: model, corpusVocab: corpus.vocab });
  for (const { bhn } of layout.layers) {
    expect(back.params.subarray(bhn!.offset, bhn!.offset + H)).toEqual(
      params.subarray(bhn!.offset, bhn!.offset + H),
    );
  }
});
