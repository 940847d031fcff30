// Exports from the WebGPU backend's own weights, run in ONNX Runtime, against
// the GPU backend's probe logits (the issue asks for CPU and GPU alike), and a
// safetensors round trip through the GPU backend, for every cell the WebGPU
// engine trains. A cell it does not train yet must be refused cleanly
// (GpuUnavailableError naming the cell); the day the engine accepts it, the
// full test runs for it with no change here.
//
// Dimension legend: T steps, B batch, H hidden, V vocabulary, L layers.

import { afterAll, describe, expect, test } from 'vitest';
import * as ort from '../helpers/ort';
import { DEFAULT_OPTIMIZER } from '../../src/engine/config';
import { Batcher } from '../../src/engine/batcher';
import { CELL_TYPES, type CellType } from '../../src/engine/cells';
import type { ModelConfig } from '../../src/engine/config';
import { createGpuBackend } from '../../src/engine/gpu';
import { buildCorpus } from '../../src/engine/tokenizer';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { exportOnnx } from '../../src/io/exportOnnx';
import { exportSafetensors, importWeights } from '../../src/io/weights';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
afterAll(() => harness?.close());

const TEXT = 'the quick brown fox jumps over the lazy dog; (and [then] {some}) 123!\n'.repeat(4);
const corpus = buildCorpus(TEXT);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function modelOf(cell: CellType, L: number): ModelConfig {
  return { vocabSize: corpus.vocab.size, cell, embedSize: 8, hiddenSize: 12, layers: L };
}

// Every cell on both depths: the WebGPU engine trains all three.
const cases = CELL_TYPES.flatMap((cell) => [1, 2].map((L) => [cell, L] as const));
describe('exports from the GPU backend', () => {
  test.each(cases)(
    '%s: ONNX Runtime logits equal GpuBackend.probe (≤ 1e-4), L=%i',
    async (cell, L) => {
      const model = modelOf(cell, L);
      const B = 2;
      const T = 6;
      const gpu = await createGpuBackend(harness!.device, model, initParams(model, new Rng(L)), {
        batchSize: B,
        seqLen: T,
      });
      try {
        // A few training steps so the exported weights are the GPU's own, not the initial ones.
        const batcher = new Batcher(corpus.tokens, B, T, 3);
        for (let k = 0; k < 3; k++) gpu.trainStep(batcher.next().batch, DEFAULT_OPTIMIZER);
        await gpu.drainLosses();
        const params = await gpu.getParams();
        const tokens = corpus.vocab.encode(TEXT.slice(0, 40));
        const probe = await gpu.probe(tokens);

        const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
        const H = model.hiddenSize;
        const out = await session.run({
          tokens: new ort.Tensor(
            'int64',
            BigInt64Array.from(tokens, (t) => BigInt(t)),
            [tokens.length, 1],
          ),
          h0: new ort.Tensor('float32', new Float32Array(L * H), [L, 1, H]),
          // Only the LSTM's graph has c0.
          ...(cell === 'lstm'
            ? { c0: new ort.Tensor('float32', new Float32Array(L * H), [L, 1, H]) }
            : {}),
        });
        const diff = maxAbsDiff(out.logits.data as Float32Array, probe.logits);
        console.log(
          `onnxruntime vs GpuBackend.probe, ${cell}, L=${L}: max abs diff ${diff.toExponential(2)}`,
        );
        expect(diff).toBeLessThanOrEqual(1e-4);

        // Round trip: export → import → a fresh GPU backend gives the same logits.
        const back = importWeights(exportSafetensors(model, params, corpus.vocab), {
          expectModel: model,
          corpusVocab: corpus.vocab,
        });
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
