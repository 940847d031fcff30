// Whole training steps on the wasm GEMM kernel against the TypeScript
// reference (CpuBackend kernel 'ts'), for every cell at one and two layers:
// from the same weights, optimizer moments and carried state, each step's
// loss and raw gradients agree within 1e-6 (relative to the loss, and to the
// largest gradient entry), and so does the loss the training step reports.
// After each step the wasm backend is put back on the reference's weights,
// moments and state, so every step is compared from one state and float32
// differences never compound (Adam divides small gradients by their own size).
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const STEPS = 3;
// Odd sizes: no product divides the kernel's 4×8 tiles.
const shape = { batchSize: 5, seqLen: 7 };

function worstRelativeToLargest(got: Float32Array, want: Float32Array): number {
  let largest = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    largest = Math.max(largest, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return worst / largest;
}

describe.each(['lstm', 'gru', 'rnn'] as const)('%s on the wasm kernel', (cell) => {
  it.each([1, 2])(
    'L%i: losses and gradients within 1e-6 of the TypeScript reference',
    async (layers) => {
      const model: ModelConfig = { cell, vocabSize: 23, embedSize: 17, hiddenSize: 21, layers };
      const params = initParams(model, new Rng(4));
      const rng = new Rng(6);
      const tokens = Int32Array.from({ length: 5000 }, () => rng.int(model.vocabSize));
      const reference = new CpuBackend(model, params, { ...shape, kernel: 'ts' });
      const wasm = new CpuBackend(model, params, shape);
      expect(reference.gemmKernel).toBe('ts');
      expect(wasm.gemmKernel).toMatch(/^wasm/);
      const batches = new Batcher(tokens, shape.batchSize, shape.seqLen, 1);
      for (let s = 0; s < STEPS; s++) {
        const { batch } = batches.next();
        const want = await reference.gradients(batch);
        const got = await wasm.gradients(batch);
        expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-6);
        expect(worstRelativeToLargest(got.grads, want.grads)).toBeLessThan(1e-6);

        reference.trainStep(batch, DEFAULT_OPTIMIZER);
        wasm.trainStep(batch, DEFAULT_OPTIMIZER);
        const [r] = await reference.drainLosses();
        const [w] = await wasm.drainLosses();
        expect(Math.abs(w.loss - r.loss) / r.loss).toBeLessThan(1e-6);
        expect(Math.abs(w.gradNorm - r.gradNorm) / r.gradNorm).toBeLessThan(1e-6);
        await wasm.setParams(await reference.getParams(), await reference.getOptimizerState());
        await wasm.setState(await reference.getState());
      }
      reference.dispose();
      wasm.dispose();
    },
  );
});

describe.each(['lstm', 'gru', 'rnn'] as const)('%s with each Wh packed once per step', (cell) => {
  it('trains bit for bit as packing it in every timestep product', async () => {
    const model: ModelConfig = { cell, vocabSize: 23, embedSize: 17, hiddenSize: 21, layers: 2 };
    const params = initParams(model, new Rng(4));
    const rng = new Rng(8);
    const tokens = Int32Array.from({ length: 5000 }, () => rng.int(model.vocabSize));
    const perProduct = new CpuBackend(model, params, { ...shape, packWeights: false });
    const packed = new CpuBackend(model, params, shape);
    expect(packed.gemmKernel).toMatch(/^wasm/);
    const batches = new Batcher(tokens, shape.batchSize, shape.seqLen, 1);
    for (let s = 0; s < STEPS; s++) {
      const { batch } = batches.next();
      perProduct.trainStep(batch, DEFAULT_OPTIMIZER);
      packed.trainStep(batch, DEFAULT_OPTIMIZER);
    }
    expect(await packed.drainLosses()).toEqual(await perProduct.drainLosses());
    expect(Array.from(await packed.getParams())).toEqual(Array.from(await perProduct.getParams()));
    perProduct.dispose();
    packed.dispose();
  });
});
