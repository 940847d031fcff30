// Exports of a bidirectional tagger from the WebGPU backend's own weights
// (after a few training steps on the GPU), run in ONNX Runtime
// (direction="bidirectional") against GpuBackend.probe's logits, and a
// safetensors round trip (PyTorch `_reverse` names) into a fresh GPU backend,
// for every cell at L = 1 and 2.
//
// Dimension legend: T steps, B batch, H hidden, V vocabulary, L layers, D directions.

import { afterAll, describe, expect, test } from 'vitest';
import * as ort from '../helpers/ort';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES, type CellType } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../src/engine/config';
import { createGpuBackend } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { buildCorpus } from '../../src/engine/tokenizer';
import { exportOnnx } from '../../src/io/exportOnnx';
import { exportSafetensors, importWeights } from '../../src/io/weights';
import { maxAbsDiff } from '../helpers/io';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
afterAll(() => harness?.close());

const TEXT = 'thequickbrownfoxjumpsoverthelazydog;andthensome123!\n'.repeat(3);
const corpus = buildCorpus(TEXT);

function biTagger(cell: CellType, L: number): ModelConfig {
  return {
    vocabSize: corpus.vocab.size,
    task: 'spaces',
    direction: 'bi',
    cell,
    embedSize: 8,
    hiddenSize: 12,
    layers: L,
  };
}

/** A (T, B) tagging window: tokens of the corpus, labels 0/1 (token id parity, any fixed rule trains). */
function window(offset: number, B: number, T: number): Batch {
  const inputs = new Int32Array(T * B);
  const targets = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      inputs[t * B + b] = corpus.tokens[offset + b * 40 + t];
      targets[t * B + b] = inputs[t * B + b] % 2;
    }
  }
  return { inputs, targets, seqLen: T, batchSize: B };
}

describe('bidirectional exports from the GPU backend', () => {
  test.each(CELL_TYPES.flatMap((cell) => [1, 2].map((L) => [cell, L] as const)))(
    '%s, L=%i: ONNX Runtime logits equal GpuBackend.probe (≤ 1e-4); safetensors round trip',
    async (cell, L) => {
      const model = biTagger(cell, L);
      const B = 2;
      const T = 6;
      const gpu = await createGpuBackend(harness!.device, model, initParams(model, new Rng(L)), {
        batchSize: B,
        seqLen: T,
      });
      try {
        // A few steps so the exported weights are the GPU's own, not the initial ones.
        for (let k = 0; k < 3; k++) gpu.trainStep(window(k * T, B, T), DEFAULT_OPTIMIZER);
        await gpu.drainLosses();
        const params = await gpu.getParams();
        // A bidirectional probe reads its text in one window of at most T·B characters.
        const tokens = corpus.vocab.encode(TEXT.slice(0, T * B));
        const probe = await gpu.probe(tokens);

        const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
        const out = await session.run({
          tokens: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [tokens.length, 1]),
        });
        const diff = maxAbsDiff(out.logits.data as Float32Array, probe.logits);
        console.log(
          `onnxruntime vs GpuBackend.probe, bi ${cell}, L=${L}: max abs diff ${diff.toExponential(2)}`,
        );
        expect(diff).toBeLessThanOrEqual(1e-4);

        const back = importWeights(exportSafetensors(model, params, corpus.vocab), {
          expectModel: model,
          corpusVocab: corpus.vocab,
        });
        expect(back.params).toEqual(params);
        const again = await createGpuBackend(harness!.device, model, back.params, {
          batchSize: B,
          seqLen: T,
        });
        try {
          expect((await again.probe(tokens)).logits).toEqual(probe.logits);
        } finally {
          again.dispose();
        }
      } finally {
        gpu.dispose();
      }
    },
  );
});
