// Tagging models on the WebGPU engine against the CPU reference, left-to-right
// and bidirectional, for every cell at L = 1 and 2 on odd shapes (V 13, E 11,
// H 37, T 5, B 3): one window's gradients per tensor (with and without
// dropout), 16 training steps queued back to back, predict over validation
// windows and the probe (the reverse direction's signals too). Tagging windows
// start from zero state, so nothing is carried from one to the next. The
// plans alternate (L = 1: per-timestep kernels and register GEMMs; L = 2:
// persistent kernels and tiled GEMMs) so both recurrent kernels run both
// directions. Tolerances are backend.test.ts's (gradients) and
// training.test.ts's (steps).
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers, T window,
// B batch, D directions, O = 2 tagging classes.

import { afterAll, describe, expect, test } from 'vitest';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig, type OptimizerConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import type { DropoutSpec } from '../../src/engine/dropout';
import { createGpuBackend } from '../../src/engine/gpu';
import { initParams, paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { DIRECTIONS, TAG_CLASSES } from '../../src/engine/task';
import { openGpu } from '../helpers/webgpu';
import { expectClose, parityBackends, relativeError, report } from './support';

const harness = await openGpu();
afterAll(() => harness.close());

const dims = { vocabSize: 13, embedSize: 11, hiddenSize: 37 };
const [T, B] = [5, 3];

function taggingBatch(rng: Rng, b = B): Batch {
  const inputs = Int32Array.from({ length: T * b }, () => rng.int(dims.vocabSize));
  const targets = Int32Array.from({ length: T * b }, () => rng.int(TAG_CLASSES));
  return { inputs, targets, seqLen: T, batchSize: b };
}

const optimizer: OptimizerConfig = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  weightDecay: 0.01,
  clipNorm: 1,
};

const backends = (model: ModelConfig) => parityBackends(harness.device, model, B, T);

describe.each(DIRECTIONS)('%s tagging on the GPU vs the CPU', (direction) => {
  describe.each(CELL_TYPES)('%s', (cell) => {
    for (const L of [1, 2]) {
      const model: ModelConfig = { cell, ...dims, layers: L, task: 'spaces', direction };
      const name = `${direction} ${cell} L=${L}`;

      test(`gradients per tensor, with and without dropout (L=${L})`, async () => {
        const { cpu, gpu } = await backends(model);
        try {
          const rng = new Rng(11);
          // A step count past 0 (the masks' keys), weights moved off their init.
          const warm = taggingBatch(rng);
          cpu.trainStep(warm, optimizer);
          gpu.trainStep(warm, optimizer);
          const batch = taggingBatch(rng);
          const dropouts: (DropoutSpec | undefined)[] = [
            undefined,
            { rate: 0.4, variational: false, seed: 99 },
            { rate: 0.3, variational: true, seed: 7 },
          ];
          for (const dropout of dropouts) {
            const want = await cpu.gradients(batch, dropout);
            const got = await gpu.gradients(batch, dropout);
            const label = `${name} ${dropout ? (dropout.variational ? 'variational' : 'standard') : 'no dropout'}`;
            report(`${label} loss`, [got.loss], [want.loss]);
            expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
            report(`${label} gradients`, got.grads, want.grads);
            for (const t of paramLayout(model).tensors) {
              const g = got.grads.subarray(t.offset, t.offset + t.size);
              const c = want.grads.subarray(t.offset, t.offset + t.size);
              const err = relativeError(g, c);
              expect(err, `${label} ${t.name}: relative error ${err}`).toBeLessThan(1e-4);
            }
          }
        } finally {
          gpu.dispose();
        }
      });

      test(`16 training steps, predict and probe (L=${L})`, async () => {
        const { cpu, gpu } = await backends(model);
        try {
          // Dispatches per step (docs/gpu-engine.md): R per recurrence (step kernels at L = 1,
          // persistent at L = 2), per direction an input GEMM, BPTT, dWx, dWh, dX (GRU: + dbhn),
          // and a bidirectional layer's add of the reverse's dX; dropout 2L more.
          const R = L === 1 ? T : 1;
          const Z = cell === 'gru' ? 1 : 0;
          const perLayer = direction === 'bi' ? 2 * (2 * R + 4 + Z) + 1 : 2 * R + 4 + Z;
          expect(gpu.dispatchesPerStep()).toBe(L * perLayer + 8);
          expect(gpu.dispatchesPerStep(T, 'standard')).toBe(L * perLayer + 8 + 2 * L);
          const rng = new Rng(5);
          for (let s = 0; s < 16; s++) {
            const batch = taggingBatch(rng);
            const dropout = s % 3 === 1 ? { rate: 0.2, variational: false, seed: 3 } : undefined;
            cpu.trainStep(batch, optimizer, false, dropout);
            gpu.trainStep(batch, optimizer, false, dropout);
          }
          const [gpuLosses, cpuLosses] = [await gpu.drainLosses(), await cpu.drainLosses()];
          const loss = (xs: { loss: number }[]) => xs.map((l) => l.loss);
          report(`${name} 16-step losses`, loss(gpuLosses), loss(cpuLosses));
          expectClose('loss curve', loss(gpuLosses), loss(cpuLosses), 0, 1e-3);
          expectClose('params', await gpu.getParams(), await cpu.getParams(), 1e-4, 1e-3);

          // Validation windows of fewer streams, each from zero state.
          const windows = [taggingBatch(rng, 2), taggingBatch(rng, 2)];
          const [got, want] = [await gpu.predict(windows), await cpu.predict(windows)];
          expect(got.map((o) => o.length)).toEqual(
            windows.map((w) => w.seqLen * w.batchSize * TAG_CLASSES),
          );
          got.forEach((o, k) => {
            report(`${name} predict`, o, want[k]);
            expectClose(`predict window ${k}`, o, want[k], 1e-4, 1e-3);
          });
          expectClose(
            'evaluate',
            [await gpu.evaluate(windows)],
            [await cpu.evaluate(windows)],
            0,
            1e-4,
          );

          // Longer than T·B = 15: the uni probe runs in chunks, the bi probe in one window.
          const text = Int32Array.from({ length: 40 }, () => rng.int(dims.vocabSize));
          const [gp, cp] = [await gpu.probe(text), await cpu.probe(text)];
          expect(gp.length).toBe(40);
          report(`${name} probe logits`, gp.logits, cp.logits);
          expectClose('probe logits', gp.logits, cp.logits, 1e-4, 1e-3);
          const sides =
            direction === 'bi' ? (['layers', 'reverse'] as const) : (['layers'] as const);
          expect(gp.reverse === undefined).toBe(direction === 'uni');
          for (const side of sides) {
            gp[side]!.forEach((layer, l) => {
              for (const [signal, values] of Object.entries(layer)) {
                const reference = cp[side]![l][signal as keyof typeof layer]!;
                expectClose(`probe ${side}[${l}].${signal}`, values!, reference, 1e-4, 1e-3);
              }
            });
          }
        } finally {
          gpu.dispose();
        }
      });
    }
  });
});

test('a bidirectional model autotunes, trains and refuses the gradient-flow view', async () => {
  const model: ModelConfig = { cell: 'lstm', ...dims, layers: 1, task: 'case', direction: 'bi' };
  const params = initParams(model, new Rng(3));
  // The default plan: the autotune times this model's kernels and products.
  const gpu = await createGpuBackend(harness.device, model, params, { batchSize: B, seqLen: T });
  const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
  try {
    const rng = new Rng(8);
    const batch = taggingBatch(rng);
    const [got, want] = [await gpu.gradients(batch), await cpu.gradients(batch)];
    expect(relativeError(got.grads, want.grads)).toBeLessThan(1e-4);
    await expect(gpu.gradientFlow(batch)).rejects.toThrow(/left-to-right models only/);
    expect(() =>
      gpu.createSampler({ prime: batch.inputs.subarray(0, 2), temperature: 1, topK: 0, seed: 1 }),
    ).toThrow(/only a language model/);
  } finally {
    gpu.dispose();
  }
});
