// Training on the GPU against the CPU reference from the same seed, for every
// cell (LSTM, GRU, RNN): loss curves, the carried state, validation, probe,
// sampling and checkpoint resume; the engine's promises about dispatches and
// GPU objects per step; and the cell-independent parts (loss readback,
// device loss, limits) once.

import { afterAll, describe, expect, test } from 'vitest';
import { Batcher, validationBatches } from '../../src/engine/batcher';
import { CELL_TYPES, CELLS } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig, type OptimizerConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend, GpuDeviceLostError, type GpuBackendOptions } from '../../src/engine/gpu';
import { checkFits, GpuCapacityError } from '../../src/engine/gpu/device';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { buildCorpus } from '../../src/engine/tokenizer';
import { until } from '../helpers/until';
import { openGpu } from '../helpers/webgpu';
import { expectClose } from './support';

const harness = await openGpu();
afterAll(() => harness?.close());

const corpus = buildCorpus(
  'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(
    12,
  ),
);
const V = corpus.vocab.size;

function setup(model: ModelConfig, B: number, T: number) {
  const params = initParams(model, new Rng(7));
  const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
  return { params, cpu };
}

// Weight decay and clipping both active, so every branch of the fused optimizer runs.
const optimizer: OptimizerConfig = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  weightDecay: 0.01,
  clipNorm: 1,
};

describe.each(CELL_TYPES)('training on the GPU (%s)', (cell) => {
  const plans: Record<string, Partial<GpuBackendOptions>> = {
    default: {},
    'step kernels, register GEMMs': { recurrent: 'step', gemm: 'register' },
    'persistent kernels, tiled GEMMs': { recurrent: 'persistent', gemm: 'tiled' },
  };
  for (const [planName, plan] of Object.entries(plans)) {
    test(`32 steps from one seed: loss curve and state match the CPU (${planName})`, async () => {
      const model: ModelConfig = {
        cell,
        vocabSize: V,
        embedSize: 11,
        hiddenSize: 37,
        layers: 2,
      };
      const B = 3;
      const T = 5;
      const { params, cpu } = setup(model, B, T);
      const gpu = await createGpuBackend(harness!.device, model, params, {
        batchSize: B,
        seqLen: T,
        ...plan,
      });
      try {
        const batcher = new Batcher(corpus.tokens, B, T, 1);
        const gpuLosses = [];
        for (let s = 0; s < 32; s++) {
          const { batch, startsEpoch } = batcher.next();
          if (startsEpoch) {
            cpu.resetState();
            gpu.resetState();
          }
          cpu.trainStep(batch, optimizer);
          gpu.trainStep(batch, optimizer);
          if (s % 10 === 9) gpuLosses.push(...(await gpu.drainLosses()));
        }
        gpuLosses.push(...(await gpu.drainLosses()));
        const cpuLosses = await cpu.drainLosses();
        expect(gpuLosses.map((l) => l.step)).toEqual(cpuLosses.map((l) => l.step));
        expectClose(
          'loss curve',
          gpuLosses.map((l) => l.loss),
          cpuLosses.map((l) => l.loss),
          0,
          1e-3,
        );
        expectClose(
          'grad norms',
          gpuLosses.map((l) => l.gradNorm),
          cpuLosses.map((l) => l.gradNorm),
          0,
          1e-3,
        );
        const mean = (xs: { loss: number }[]) => xs.reduce((a, x) => a + x.loss, 0) / xs.length;
        expect(mean(cpuLosses.slice(-8))).toBeLessThan(mean(cpuLosses.slice(0, 8)));
        expect(gpu.step).toBe(32);
        const [gs, cs] = [await gpu.getState(), await cpu.getState()];
        expectClose('carried h', gs.h, cs.h, 1e-4, 1e-3);
        expectClose('carried c', gs.c, cs.c, 1e-4, 1e-3);
        expectClose('params', await gpu.getParams(), await cpu.getParams(), 1e-4, 1e-3);
        const [go, co] = [await gpu.getOptimizerState(), await cpu.getOptimizerState()];
        expect(go.step).toBe(co.step);
        expectClose('adam m', go.m, co.m, 1e-6, 1e-2);
      } finally {
        gpu.dispose();
      }
    });
  }

  test('state carries across windows, resetState zeroes it, setState restores it', async () => {
    const model: ModelConfig = {
      cell,
      vocabSize: V,
      embedSize: 8,
      hiddenSize: 16,
      layers: 1,
    };
    const B = 2;
    const T = 6;
    const { params, cpu } = setup(model, B, T);
    const gpu = await createGpuBackend(harness!.device, model, params, { batchSize: B, seqLen: T });
    try {
      const batcher = new Batcher(corpus.tokens, B, T, 3);
      const first = batcher.next().batch;
      const second = batcher.next().batch;
      gpu.trainStep(first, optimizer);
      cpu.trainStep(first, optimizer);
      const carried = await gpu.getState();
      expect(carried.h.some((x) => x !== 0)).toBe(true);
      // Gradients of the second window depend on the carried state.
      const [g1, c1] = [await gpu.gradients(second), await cpu.gradients(second)];
      expectClose('loss from carried state', [g1.loss], [c1.loss], 0, 1e-5);
      gpu.resetState();
      cpu.resetState();
      const zero = await gpu.getState();
      expect(zero.h.every((x) => x === 0) && zero.c.every((x) => x === 0)).toBe(true);
      const [g0, c0] = [await gpu.gradients(second), await cpu.gradients(second)];
      expectClose('loss from zero state', [g0.loss], [c0.loss], 0, 1e-5);
      expect(g0.loss).not.toBeCloseTo(g1.loss, 6);
      await gpu.setState(carried);
      const again = await gpu.gradients(second);
      expect(again.loss).toBeCloseTo(g1.loss, 6);
    } finally {
      gpu.dispose();
    }
  });

  test('evaluate, probe and sampling match the CPU and leave training state alone', async () => {
    const model: ModelConfig = {
      cell,
      vocabSize: V,
      embedSize: 10,
      hiddenSize: 20,
      layers: 2,
    };
    const B = 4;
    const T = 8;
    const { params, cpu } = setup(model, B, T);
    const gpu = await createGpuBackend(harness!.device, model, params, { batchSize: B, seqLen: T });
    try {
      const batcher = new Batcher(corpus.tokens, B, T, 5);
      for (let s = 0; s < 3; s++) {
        const { batch } = batcher.next();
        gpu.trainStep(batch, optimizer);
        cpu.trainStep(batch, optimizer);
      }
      const before = await gpu.getState();
      const val = validationBatches(corpus.tokens.subarray(0, 200), 3, 7, 4);
      const [ge, ce] = [await gpu.evaluate(val), await cpu.evaluate(val)];
      expectClose('validation loss', [ge], [ce], 0, 1e-5);
      const text = corpus.tokens.subarray(3, 3 + 300); // longer than one probe chunk
      const [gp, cp] = [await gpu.probe(text), await cpu.probe(text)];
      expect(gp.length).toBe(cp.length);
      gp.layers.forEach((layer, l) => {
        expect(Object.keys(layer).sort()).toEqual([...CELLS[cell].signals].sort());
        for (const key of CELLS[cell].signals) {
          expectClose(`probe layer ${l} ${key}`, layer[key]!, cp.layers[l][key]!, 1e-5, 1e-4);
        }
      });
      expectClose('probe logits', gp.logits, cp.logits, 1e-4, 1e-4);
      for (const topK of [0, 3]) {
        const options = { prime: corpus.tokens.subarray(0, 10), temperature: 0.8, topK, seed: 42 };
        const gs = gpu.createSampler(options);
        const cs = cpu.createSampler(options);
        const got = [...(await gs.next(70)), ...(await gs.next(5))];
        const want = [...(await cs.next(70)), ...(await cs.next(5))];
        expect(got).toEqual(want);
        gs.dispose();
        cs.dispose();
      }
      const after = await gpu.getState();
      expect(after.h).toEqual(before.h);
      // Training continues exactly where it was.
      const { batch } = batcher.next();
      gpu.trainStep(batch, optimizer);
      cpu.trainStep(batch, optimizer);
      const [gl, cl] = [await gpu.drainLosses(), await cpu.drainLosses()];
      expectClose('loss after side jobs', [gl.at(-1)!.loss], [cl.at(-1)!.loss], 0, 1e-4);
    } finally {
      gpu.dispose();
    }
  });

  test('a checkpoint (params, moments, state) resumes identically; shorter windows train', async () => {
    const model: ModelConfig = {
      cell,
      vocabSize: V,
      embedSize: 6,
      hiddenSize: 10,
      layers: 2,
    };
    const B = 2;
    const T = 6;
    const { params, cpu } = setup(model, B, T);
    const first = await createGpuBackend(harness!.device, model, params, {
      batchSize: B,
      seqLen: T,
    });
    const second = await createGpuBackend(harness!.device, model, initParams(model, new Rng(99)), {
      batchSize: B,
      seqLen: T,
    });
    try {
      const batcher = new Batcher(corpus.tokens, B, T, 4);
      for (let s = 0; s < 3; s++) {
        const { batch } = batcher.next();
        first.trainStep(batch, optimizer);
        cpu.trainStep(batch, optimizer);
      }
      const losses = await first.drainLosses();
      expect(losses.map((l) => l.step)).toEqual([1, 2, 3]);
      await second.setParams(await first.getParams(), await first.getOptimizerState());
      await second.setState(await first.getState());
      expect(second.step).toBe(3);
      // A window shorter than the configured T (the end of a corpus, say).
      const short = batcher.next().batch;
      const shortWindow = {
        ...short,
        seqLen: 4,
        inputs: short.inputs.subarray(0, 4 * B),
        targets: short.targets.subarray(0, 4 * B),
      };
      for (const backend of [first, second, cpu]) backend.trainStep(shortWindow, optimizer);
      const [a, b, c] = [
        await first.drainLosses(),
        await second.drainLosses(),
        await cpu.drainLosses(),
      ];
      expect(b).toEqual(a);
      expect(a[0].step).toBe(4);
      expectClose('short-window loss', [a[0].loss], [c.at(-1)!.loss], 0, 1e-4);
      expect(await second.getParams()).toEqual(await first.getParams());
      // setParams without moments restarts the optimizer.
      await second.setParams(await first.getParams());
      expect(second.step).toBe(0);
      const { m } = await second.getOptimizerState();
      expect(m.every((x) => x === 0)).toBe(true);
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  test('samplers with a one-token prime and a prime longer than a chunk match the CPU', async () => {
    const model: ModelConfig = {
      cell,
      vocabSize: V,
      embedSize: 5,
      hiddenSize: 9,
      layers: 1,
    };
    const { params, cpu } = setup(model, 1, 4);
    const gpu = await createGpuBackend(harness!.device, model, params, { batchSize: 1, seqLen: 4 });
    try {
      for (const prime of [corpus.tokens.subarray(5, 6), corpus.tokens.subarray(0, 100)]) {
        const options = { prime, temperature: 1, topK: 0, seed: 3 };
        const [gs, cs] = [gpu.createSampler(options), cpu.createSampler(options)];
        expect(Array.from(await gs.next(33))).toEqual(Array.from(await cs.next(33)));
        gs.dispose();
        cs.dispose();
        await expect(gs.next(1)).rejects.toThrow(/disposed/);
      }
      expect(() =>
        gpu.createSampler({ prime: new Int32Array(0), temperature: 1, topK: 0, seed: 1 }),
      ).toThrow(/prime/);
    } finally {
      gpu.dispose();
    }
  });

  // The GRU adds one dispatch per layer: its dbhn reduction (gru_bhn_grad.wgsl). Dropout adds
  // one dropout_apply per site 1..L each way (site 0 rides in the embedding kernels): 2L.
  const extra = cell === 'gru' ? 1 : 0;
  test(`dispatches per step: L·(2T+${4 + extra})+8 with step kernels, L·${6 + extra}+8 persistent, 2L more with dropout; no GPU object is created per step`, async () => {
    for (const [layers, T] of [
      [1, 1],
      [2, 7],
      [3, 4],
    ]) {
      const model: ModelConfig = {
        cell,
        vocabSize: V,
        embedSize: 4,
        hiddenSize: 8,
        layers,
      };
      const expected = {
        step: layers * (2 * T + 4 + extra) + 8,
        persistent: layers * (6 + extra) + 8,
      };
      for (const recurrent of ['step', 'persistent'] as const) {
        const forced = await createGpuBackend(
          harness!.device,
          model,
          initParams(model, new Rng(1)),
          {
            batchSize: 2,
            seqLen: T,
            recurrent,
          },
        );
        expect(forced.dispatchesPerStep(), recurrent).toBe(expected[recurrent]);
        for (const mode of ['standard', 'variational'] as const) {
          expect(forced.dispatchesPerStep(T, mode), `${recurrent}, ${mode} dropout`).toBe(
            expected[recurrent] + 2 * layers,
          );
        }
        expect(forced.stats().recurrent).toBe(`${recurrent}/${recurrent}`);
        forced.dispose();
      }
      // The default plan (autotuned) trains a thousand steps without creating anything.
      const gpu = await createGpuBackend(harness!.device, model, initParams(model, new Rng(1)), {
        batchSize: 2,
        seqLen: T,
      });
      try {
        const { forward, backward } = gpu.kernelChoices().recurrent;
        const perLayer = (mode: 'step' | 'persistent') => (mode === 'step' ? T + 2 : 3);
        expect(gpu.dispatchesPerStep()).toBe(
          layers * (perLayer(forward) + perLayer(backward) + extra) + 8,
        );
        expect(gpu.dispatchesPerStep()).toBeLessThanOrEqual(layers * (2 * T + 6 + extra) + 8);
        expect(gpu.dispatchesPerStep(T, 'standard')).toBe(gpu.dispatchesPerStep() + 2 * layers);
        expect(gpu.dispatchesPerStep(T, 'variational')).toBeLessThanOrEqual(
          layers * (2 * T + 8 + extra) + 8,
        );
        // Every other step drops (both modes): their programs too are built once.
        const dropouts = [
          undefined,
          { rate: 0.3, variational: false, seed: 1 },
          undefined,
          { rate: 0.2, variational: true, seed: 1 },
        ];
        const batcher = new Batcher(corpus.tokens, 2, T, 2);
        const val = validationBatches(corpus.tokens.subarray(0, 100), 2, T, 2);
        const run = async (steps: number) => {
          const losses = [];
          for (let s = 0; s < steps; s++) {
            const { batch, startsEpoch } = batcher.next();
            if (startsEpoch) gpu.resetState();
            gpu.trainStep(batch, optimizer, false, dropouts[s % 4]);
            if (s % 50 === 49) {
              losses.push(...(await gpu.drainLosses()));
              await gpu.evaluate(val);
            }
          }
          losses.push(...(await gpu.drainLosses()));
          return losses;
        };
        await run(100); // warm-up: pipelines, programs, staging pool
        const counts = gpu.objectCounts();
        const losses = await run(layers === 1 ? 1000 : 200);
        expect(losses.length).toBe(layers === 1 ? 1000 : 200);
        expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
        expect(gpu.objectCounts()).toEqual(counts);
      } finally {
        gpu.dispose();
      }
    }
  });
});

describe('training on the GPU', () => {
  test('losses come back in order, each once, when drained up to an earlier step', async () => {
    const model: ModelConfig = {
      cell: 'lstm',
      vocabSize: V,
      embedSize: 8,
      hiddenSize: 16,
      layers: 1,
    };
    const B = 2;
    const T = 6;
    const { params, cpu } = setup(model, B, T);
    // readbackEvery 1000: only flushLosses and drainLosses copy, so the test drives every copy.
    const gpu = await createGpuBackend(harness!.device, model, params, {
      batchSize: B,
      seqLen: T,
      readbackEvery: 1000,
    });
    try {
      const batcher = new Batcher(corpus.tokens, B, T, 3);
      const read: number[] = [];
      const losses = new Map<number, number>();
      const take = (got: { step: number; loss: number }[]) => {
        for (const l of got) {
          read.push(l.step);
          losses.set(l.step, l.loss);
        }
      };
      for (let step = 1; step <= 30; step++) {
        const { batch } = batcher.next();
        gpu.trainStep(batch, optimizer);
        cpu.trainStep(batch, optimizer);
        if (step % 7 === 0) gpu.flushLosses();
        if (step % 10 === 0) {
          // Up to a step a flush covered: at least that far, never a step twice.
          const got = await gpu.drainLosses(step - 3);
          expect(got.length).toBeGreaterThan(0);
          expect(got[got.length - 1].step).toBeGreaterThanOrEqual(step - 3);
          take(got);
        }
      }
      take(await gpu.drainLosses(12)); // already read: returns whatever landed since
      take(await gpu.drainLosses());
      expect(read).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
      const expected = (await cpu.drainLosses()).map((l) => l.loss);
      expectClose('losses', [...losses.values()], expected, 1e-5, 1e-4);
    } finally {
      gpu.dispose();
    }
  });

  test('after device loss every call fails with a clear error', async () => {
    // A device of its own (Dawn adapters hand out one device each).
    const adapter = await harness!.gpu.requestAdapter();
    const device = await adapter!.requestDevice();
    const model: ModelConfig = {
      cell: 'lstm',
      vocabSize: V,
      embedSize: 4,
      hiddenSize: 8,
      layers: 1,
    };
    const gpu = await createGpuBackend(device, model, initParams(model, new Rng(1)), {
      batchSize: 2,
      seqLen: 3,
    });
    device.destroy();
    await device.lost;
    // The backend hears of the loss through its own handler: wait until its calls say so.
    let failure: unknown = null;
    await until('a call that reports the loss', () => {
      try {
        gpu.resetState();
        return false;
      } catch (error) {
        failure = error;
        return true;
      }
    });
    expect(failure).toBeInstanceOf(GpuDeviceLostError);
    expect((failure as Error).message).toMatch(/GPU device was lost/);
    const batch = new Batcher(corpus.tokens, 2, 3, 1).next().batch;
    expect(() => gpu.trainStep(batch, optimizer)).toThrow(GpuDeviceLostError);
    await expect(gpu.getParams()).rejects.toThrow(/device was lost/);
    gpu.dispose();
  });

  test('given the GPU, it opens a device of its own with the limits and features it needs', async () => {
    const model: ModelConfig = {
      cell: 'lstm',
      vocabSize: V,
      embedSize: 8,
      hiddenSize: 16,
      layers: 1,
    };
    const gpu = await createGpuBackend(harness!.gpu, model, initParams(model, new Rng(1)), {
      batchSize: 2,
      seqLen: 4,
    });
    try {
      const { device } = gpu;
      const adapter = harness!.adapter;
      expect(device).not.toBe(harness!.device);
      // All the workgroup memory there is (it decides where the persistent kernels fit)…
      expect(device.limits.maxComputeWorkgroupStorageSize).toBe(
        adapter.limits.maxComputeWorkgroupStorageSize,
      );
      // …and never more than the adapter has, whatever the model needs.
      for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
        expect(device.limits[name]).toBeLessThanOrEqual(adapter.limits[name]);
      }
      expect(device.features.has('timestamp-query')).toBe(adapter.features.has('timestamp-query'));
      const batch = new Batcher(corpus.tokens, 2, 4, 1).next().batch;
      gpu.trainStep(batch, optimizer);
      expect((await gpu.drainLosses()).map((l) => Number.isFinite(l.loss))).toEqual([true]);
    } finally {
      gpu.dispose();
    }
  });

  test('a window too big for this adapter is refused before any allocation, naming the buffer', async () => {
    const model: ModelConfig = {
      cell: 'lstm',
      vocabSize: V,
      embedSize: 8,
      hiddenSize: 256,
      layers: 1,
    };
    // gates (T, B, 4H) alone: 1024 · 1024 · 1024 floats = 4 GiB, past any binding limit here.
    const attempt = createGpuBackend(harness!.gpu, model, initParams(model, new Rng(1)), {
      batchSize: 1024,
      seqLen: 1024,
    });
    await expect(attempt).rejects.toThrow(GpuCapacityError);
    await expect(attempt).rejects.toThrow(/gates/);
  });

  test('a model too big for the limits is refused before allocation', () => {
    const limits = {
      ...harness!.adapter.limits,
      maxStorageBufferBindingSize: 1 << 20,
      maxBufferSize: 1 << 20,
    };
    expect(() =>
      checkFits(limits as GPUSupportedLimits, [
        { name: 'gates (T·B·G·H floats)', bytes: 64 << 20, hint: 'T, B or H' },
      ]),
    ).toThrow(GpuCapacityError);
  });
});
