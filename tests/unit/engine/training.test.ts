// The CPU reference learns: on a small generated corpus with structure an LSTM
// can pick up, validation loss falls far below the uniform baseline ln(V).
import { describe, expect, it } from 'vitest';
import { Batcher, splitCorpus, validationBatches } from '../../../src/engine/batcher';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { adamStep, clipScale, globalNorm } from '../../../src/engine/cpu/adam';

/** Words of a tiny grammar: predictable within a word, uncertain between words. */
function generatedCorpus(seed: number, length: number): string {
  const words = ['the cat', 'a dog', 'sat on', 'the mat', 'ran to', 'my hat'];
  const rng = new Rng(seed);
  let text = '';
  while (text.length < length)
    text += words[rng.int(words.length)] + (rng.next() < 0.2 ? '.\n' : ' ');
  return text;
}

function train(seed: number, steps: number) {
  const corpus = buildCorpus(generatedCorpus(3, 6000));
  const { train: trainTokens, validation } = splitCorpus(corpus.tokens, 0.1);
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: corpus.vocab.size,
    embedSize: 8,
    hiddenSize: 24,
    layers: 1,
  };
  const backend = new CpuBackend(model, initParams(model, new Rng(seed)), {
    batchSize: 8,
    seqLen: 16,
  });
  const batcher = new Batcher(trainTokens, 8, 16, seed);
  for (let s = 0; s < steps; s++) {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 });
  }
  return { backend, validation, V: corpus.vocab.size, batcher };
}

describe('CPU training', () => {
  it('lowers validation loss well below ln(V), deterministically under a seed', async () => {
    const a = train(1, 150);
    const b = train(1, 150);
    const vb = validationBatches(a.validation, 8, 16, 4);
    const lossA = await a.backend.evaluate(vb);
    const lossB = await b.backend.evaluate(vb);
    const lossesA = (await a.backend.drainLosses()).map((l) => l.loss);
    const lossesB = (await b.backend.drainLosses()).map((l) => l.loss);
    console.log(
      `validation loss ${lossA.toFixed(3)} nats vs uniform ln(V) = ${Math.log(a.V).toFixed(3)}`,
    );
    expect(lossA).toBeLessThan(0.5 * Math.log(a.V));
    expect(lossesA).toEqual(lossesB);
    expect(lossB).toBe(lossA);
    expect(lossesA).toHaveLength(150);
    expect(lossesA.at(-1)!).toBeLessThan(lossesA[0]);
  });

  it('samples text from the vocabulary, reproducibly per seed, and probes every gate', async () => {
    const { backend, V } = train(2, 60);
    const prime = Int32Array.of(1, 2, 3);
    const s1 = backend.createSampler({ prime, temperature: 0.8, topK: 5, seed: 4 });
    const s2 = backend.createSampler({ prime, temperature: 0.8, topK: 5, seed: 4 });
    const out1 = [...(await s1.next(20)), ...(await s1.next(20))];
    const out2 = await s2.next(40);
    expect(out1).toEqual([...out2]);
    expect(out1.every((id) => id >= 0 && id < V)).toBe(true);

    const probe = await backend.probe(Int32Array.of(0, 1, 2, 3, 4));
    expect(probe.layers).toHaveLength(1);
    const { i, f, g, o, c, h } = probe.layers[0] as Required<(typeof probe.layers)[0]>;
    for (const gate of [i, f, o]) expect(gate.every((x) => x > 0 && x < 1)).toBe(true);
    expect(g.every((x) => x > -1 && x < 1)).toBe(true);
    // h = o ⊙ tanh(c), the textbook cell output.
    for (let k = 0; k < h.length; k++) expect(h[k]).toBeCloseTo(o[k] * Math.tanh(c[k]), 6);
    expect(probe.logits.length).toBe(5 * V);
  });

  it('applies decoupled weight decay to masked entries only and scales clipped gradients', () => {
    const params = Float64Array.of(1, 2, 3, 4);
    const grads = Float64Array.of(0, 0, 3, 4); // norm 5
    const m = new Float64Array(4);
    const v = new Float64Array(4);
    const mask = Float64Array.of(1, 0, 1, 0);
    const o = { ...DEFAULT_OPTIMIZER, learningRate: 0.1, weightDecay: 0.5 };
    const scale = clipScale(globalNorm(grads), 1);
    expect(scale).toBeCloseTo(1 / 5, 6);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(50, 0)).toBe(1);
    adamStep(params, grads, m, v, mask, scale, 1, o);
    expect(params[0]).toBeCloseTo(1 * (1 - 0.05), 12); // decayed, no gradient
    expect(params[1]).toBe(2); // no decay, no gradient
    expect(m[2]).toBeCloseTo(0.1 * 3 * scale, 12); // the moment sees the clipped gradient
    // First Adam step moves by ≈ lr·sign(g), after decay.
    expect(params[2]).toBeCloseTo(3 * (1 - 0.05) - 0.1, 6);
    expect(params[3]).toBeCloseTo(4 - 0.1, 6);
  });
});
