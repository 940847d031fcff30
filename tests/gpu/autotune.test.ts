// The autotune at model build and the roofline measurement, on the real
// adapter: every GEMM shape of a training step gets an eligible kernel
// configuration, the choices are cached per adapter and shape for the
// session, the budget bounds the work, a forced persistent plan that
// cannot fit is refused before allocation (for every cell), and stats() tells what was chosen.
// Correctness of every choice is gemm.test.ts's and backend.test.ts's job;
// speed is never asserted here.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { afterAll, describe, expect, test } from 'vitest';
import { CELL_TYPES } from '../../src/engine/cells';
import { RANGES, validateModelConfig, type ModelConfig } from '../../src/engine/config';
import { createGpuBackend, GpuCapacityError, measureGemmRoofline } from '../../src/engine/gpu';
import { clearTuningCache } from '../../src/engine/gpu/autotune';
import { GEMM_CHOICES } from '../../src/engine/gpu/gemm';
import { persistentFits, persistentWorkgroupBytes } from '../../src/engine/gpu/plan';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
afterAll(() => harness.close());

// Small enough to tune in seconds on a software adapter, big enough that
// every product clears a lowered threshold; E = 12 makes the input products
// vec4-eligible, V = 29 makes the head's unaligned.
const model: ModelConfig = {
  cell: 'lstm',
  vocabSize: 29,
  embedSize: 12,
  hiddenSize: 24,
  layers: 2,
};
const T = 6;
const B = 5;
// No time budget to speak of: what this test checks must not depend on how fast the
// machine is (a loaded CI machine ran out of a 60 s budget once, leaving a shape untimed).
const tune = { minGemmFlops: 0, budgetMs: 3_600_000 };

describe('autotune', () => {
  test('picks an eligible kernel for every GEMM shape and caches it per adapter', async () => {
    clearTuningCache();
    const params = initParams(model, new Rng(1));
    const first = await createGpuBackend(harness.device, model, params, {
      batchSize: B,
      seqLen: T,
      autotune: tune,
    });
    const report = first.autotuneReport!;
    const choices = first.kernelChoices();
    first.dispose();
    expect(['timestamp', 'wall']).toContain(report.method);
    const shapes = Object.keys(report.gemm);
    // Gx (twice the same shape when E = H, else two), logits, dWout, dH, dWx, dWh, dX.
    expect(shapes.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(choices.gemm).sort()).toEqual([...shapes].sort());
    for (const [shape, record] of Object.entries(report.gemm)) {
      expect(record.source, shape).toBe('measured');
      expect(GEMM_CHOICES).toContain(record.choice);
      // Every timed candidate is a real measurement; vec4 only where the shape allows it.
      for (const [choice, ms] of Object.entries(record.ms!)) {
        expect(ms, `${shape} ${choice}`).toBeGreaterThan(0);
      }
      if (shape.endsWith('unaligned')) expect(record.ms!.vec4).toBeUndefined();
      expect(record.ms![record.choice]).toBeDefined();
      expect(choices.gemm[shape]).toBe(record.choice);
    }
    for (const direction of ['forward', 'backward'] as const) {
      const r = report.recurrent[direction];
      expect(r.source).toBe('measured');
      expect(r.ms!.step! > 0 && r.ms!.persistent! > 0).toBe(true);
      expect(choices.recurrent[direction]).toBe(r.mode);
    }

    // Same adapter, same shapes: the second build takes every choice from the cache.
    const second = await createGpuBackend(harness.device, model, params, {
      batchSize: B,
      seqLen: T,
      autotune: tune,
    });
    const again = second.autotuneReport!;
    expect(second.kernelChoices()).toEqual(choices);
    second.dispose();
    for (const record of Object.values(again.gemm)) expect(record.source).toBe('cache');
    expect(again.recurrent.forward.source).toBe('cache');
    expect(again.recurrent.backward.source).toBe('cache');
  });

  test('the budget bounds it: with none left, every choice is the default', async () => {
    const params = initParams(model, new Rng(2));
    const gpu = await createGpuBackend(harness.device, model, params, {
      batchSize: B,
      seqLen: T,
      autotune: { minGemmFlops: 0, budgetMs: 0, fresh: true },
    });
    const report = gpu.autotuneReport!;
    const { recurrent, gemm } = gpu.kernelChoices();
    gpu.dispose();
    for (const [shape, record] of Object.entries(report.gemm)) {
      expect(record.source, shape).toBe('default');
      expect(record.choice).toBe(shape.endsWith('unaligned') ? 'register' : 'vec4');
      expect(gemm[shape]).toBe(record.choice);
    }
    // Without a measurement the persistent kernels run wherever they fit.
    expect(recurrent).toEqual({ forward: 'persistent', backward: 'persistent' });
    expect(report.recurrent.forward.source).toBe('default');
  });

  test('stats() reports the plan, the dispatches and the GPU memory held', async () => {
    const params = initParams(model, new Rng(3));
    const gpu = await createGpuBackend(harness.device, model, params, {
      batchSize: B,
      seqLen: T,
      autotune: false,
      recurrent: 'persistent',
    });
    const stats = gpu.stats();
    gpu.dispose();
    expect(stats.recurrent).toBe('persistent/persistent');
    expect(stats.dispatchesPerStep).toBe(model.layers * 6 + 8);
    expect(stats.autotuneMs).toBeUndefined();
    // At least the four parameter-shaped arenas and the per-layer activations.
    const P = params.length;
    const activations = model.layers * (T * B * 4 * model.hiddenSize) * 4;
    expect(stats.gpuBytes).toBeGreaterThan(4 * P * 4 + activations);
    const gemmStats = Object.entries(stats).filter(([k]) => k.startsWith('gemm '));
    expect(gemmStats.length).toBeGreaterThanOrEqual(6);
    for (const [, choice] of gemmStats) expect(GEMM_CHOICES).toContain(choice);
  });

  test.each(CELL_TYPES)(
    'a forced persistent plan that does not fit the workgroup memory is refused (%s)',
    async (cell) => {
      const limits = harness.device.limits;
      const limit = limits.maxComputeWorkgroupStorageSize;
      // The smallest H whose backward kernel needs more than the device has.
      const H = Math.floor(limit / persistentWorkgroupBytes(1, 'backward', cell)) + 1;
      expect(persistentFits(H, limits, 'backward', cell)).toBe(false);
      expect(persistentFits(H - 1, limits, 'backward', cell)).toBe(true);
      if (H > RANGES.hiddenSize[1]) {
        // Past what the settings allow (the RNN's backward keeps one vec4 per unit, 16·H
        // bytes): every hidden size there is runs persistent, and a config past it is refused.
        expect(() =>
          validateModelConfig({ cell, vocabSize: 5, embedSize: 4, hiddenSize: H, layers: 1 }),
        ).toThrow();
        return;
      }
      const big: ModelConfig = { cell, vocabSize: 5, embedSize: 4, hiddenSize: H, layers: 1 };
      await expect(
        createGpuBackend(harness.device, big, initParams(big, new Rng(1)), {
          batchSize: 1,
          seqLen: 2,
          recurrent: 'persistent',
          autotune: false,
        }),
      ).rejects.toThrow(GpuCapacityError);
    },
  );
});

describe('GEMM roofline', () => {
  test('measures every eligible kernel at one shape and reports the best', async () => {
    const result = await measureGemmRoofline(harness.device, { M: 128, N: 96, K: 64 }, { runs: 1 });
    expect(Object.keys(result.perChoice).sort()).toEqual([...GEMM_CHOICES].sort());
    for (const gflops of Object.values(result.perChoice)) expect(gflops).toBeGreaterThan(0);
    expect(result.gflops).toBe(Math.max(...Object.values(result.perChoice)));
    expect(result.perChoice[result.best]).toBe(result.gflops);
    // An unaligned shape leaves vec4 out.
    const odd = await measureGemmRoofline(harness.device, { M: 33, N: 65, K: 37 }, { runs: 1 });
    expect(odd.perChoice.vec4).toBeUndefined();
    expect(odd.gflops).toBeGreaterThan(0);
  });
});
