// The memory estimate (engine/memory.ts) against what the CPU engine really
// holds: every typed array reachable from a CpuBackend after it has trained,
// validated on windows of another shape, probed and sampled. The estimate
// must cover it (it also counts the session's copies and the token windows)
// without overstating it by more than a small factor; and the largest-fit
// search must land on the boundary.

import { describe, expect, test } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { MAX_PROBE_CHARS, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { Workspace } from '../../../src/engine/cpu/model';
import { DEFAULT_OPTIMIZER } from '../../../src/engine/config';
import {
  excess,
  footprint,
  GIB,
  largestFitting,
  withSetting,
  type RunShape,
} from '../../../src/engine/memory';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { MAX_PRIME_CHARS } from '../../../src/engine/sampleRequest';

/** Bytes of every distinct ArrayBuffer reachable from `root` through properties, arrays and maps. */
function heldBytes(root: unknown): number {
  const seen = new Set<object>();
  const buffers = new Set<ArrayBufferLike>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      buffers.add(value.buffer);
      return;
    }
    if (value instanceof ArrayBuffer) {
      buffers.add(value);
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k);
        visit(v);
      }
    }
    if (value instanceof Set) for (const v of value) visit(v);
    for (const key of Object.getOwnPropertyNames(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) visit(descriptor.value);
    }
  };
  visit(root);
  let total = 0;
  for (const buffer of buffers) total += buffer.byteLength;
  return total;
}

function window(rng: Rng, V: number, T: number, B: number): Batch {
  const tokens = () => Int32Array.from({ length: T * B }, () => Math.floor(rng.next() * V));
  return { inputs: tokens(), targets: tokens(), seqLen: T, batchSize: B };
}

const shapes: { name: string; model: ModelConfig; T: number; B: number; Tv: number; Bv: number }[] =
  [
    {
      name: 'small',
      model: { cell: 'lstm', vocabSize: 30, embedSize: 8, hiddenSize: 16, layers: 1 },
      T: 8,
      B: 4,
      Tv: 8,
      Bv: 2,
    },
    {
      name: 'two layers, wide vocabulary',
      model: { cell: 'lstm', vocabSize: 300, embedSize: 32, hiddenSize: 64, layers: 2 },
      T: 32,
      B: 16,
      Tv: 32,
      Bv: 16,
    },
    {
      name: 'long window, one stream',
      model: { cell: 'lstm', vocabSize: 60, embedSize: 64, hiddenSize: 48, layers: 3 },
      T: 256,
      B: 1,
      Tv: 100,
      Bv: 1,
    },
  ];

describe('the CPU estimate against the CPU engine', () => {
  for (const { name, model, T, B, Tv, Bv } of shapes) {
    test(`covers what the backend holds, within 3x (${name})`, async () => {
      const rng = new Rng(5);
      const params = initParams(model, rng);
      const backend = new CpuBackend(model, params, { batchSize: B, seqLen: T });
      backend.trainStep(window(rng, model.vocabSize, T, B), DEFAULT_OPTIMIZER);
      const validation = [
        window(rng, model.vocabSize, Tv, Bv),
        window(rng, model.vocabSize, Tv, Bv),
      ];
      await backend.evaluate(validation);
      const probe = await backend.probe(
        Int32Array.from({ length: MAX_PROBE_CHARS }, (_, k) => k % model.vocabSize),
      );
      const sampler = backend.createSampler({
        prime: Int32Array.of(1, 2),
        temperature: 1,
        topK: 0,
        seed: 1,
      });
      await sampler.next(4);
      // The session's initial weights stay alive while the backend is built, as do the windows.
      // A probe's or a prime's workspace lives only while it runs (cpu/backend.ts probe() and
      // createSampler()): at its peak, the longer of the two.
      const probeWorkspace = new Workspace(
        Float32Array,
        model,
        Math.max(MAX_PROBE_CHARS, MAX_PRIME_CHARS),
        1,
      );
      const held =
        heldBytes(backend) +
        params.byteLength +
        heldBytes(validation) +
        heldBytes(probe) +
        heldBytes(probeWorkspace);
      // The validation split whose windows are (Tv, Bv): Bv streams of 4 windows of Tv, plus one.
      const estimate = footprint(
        {
          model,
          seqLen: T,
          batchSize: B,
          validationTokens: Bv * 4 * Tv + 1,
        },
        'cpu',
      );
      expect(estimate.totalBytes).toBeGreaterThanOrEqual(held);
      expect(estimate.totalBytes).toBeLessThan(3 * held);
      expect(estimate.largest.bytes).toBeGreaterThanOrEqual(paramLayout(model).total * 4);
      sampler.dispose();
      backend.dispose();
    });
  }
});

/** A window of a tagger (class ids) or a forecaster (values) of `model`. */
function taskWindow(rng: Rng, model: ModelConfig, T: number, B: number): Batch {
  if (model.task !== 'forecast') {
    const ids = (n: number) => Int32Array.from({ length: T * B }, () => Math.floor(rng.next() * n));
    return { inputs: ids(model.vocabSize), targets: ids(2), seqLen: T, batchSize: B };
  }
  const values = (n: number) => Float32Array.from({ length: T * B * n }, () => rng.normal());
  return {
    inputs: new Int32Array(0),
    targets: new Int32Array(0),
    values: values(model.seriesInputs!),
    targetValues: values(model.seriesOutputs!),
    seqLen: T,
    batchSize: B,
  };
}

const taskModels: { name: string; model: ModelConfig }[] = [
  {
    name: 'bidirectional GRU tagger',
    model: {
      cell: 'gru',
      vocabSize: 40,
      embedSize: 16,
      hiddenSize: 32,
      layers: 2,
      task: 'spaces',
      direction: 'bi',
    },
  },
  {
    name: 'LSTM forecaster',
    model: {
      cell: 'lstm',
      vocabSize: 0,
      embedSize: 16,
      hiddenSize: 32,
      layers: 2,
      task: 'forecast',
      seriesInputs: 3,
      seriesOutputs: 2,
    },
  },
];

describe('the CPU estimate of task models', () => {
  for (const { name, model } of taskModels) {
    test(`covers what the backend holds after a dropped step, within 3x (${name})`, async () => {
      const [T, B, Tv, Bv] = [24, 8, 16, 4];
      const rng = new Rng(5);
      const params = initParams(model, rng);
      const backend = new CpuBackend(model, params, { batchSize: B, seqLen: T });
      backend.trainStep(taskWindow(rng, model, T, B), DEFAULT_OPTIMIZER, false, {
        rate: 0.2,
        variational: false,
        seed: 1,
      });
      const validation = [taskWindow(rng, model, Tv, Bv), taskWindow(rng, model, Tv, Bv)];
      await backend.evaluate(validation);
      const probe = await backend.probe(
        model.task === 'forecast'
          ? new Float32Array(MAX_PROBE_CHARS * model.seriesInputs!)
          : Int32Array.from({ length: MAX_PROBE_CHARS }, (_, k) => k % model.vocabSize),
      );
      const probeWorkspace = new Workspace(Float32Array, model, MAX_PROBE_CHARS, 1);
      const held =
        heldBytes(backend) +
        params.byteLength +
        heldBytes(validation) +
        heldBytes(probe) +
        heldBytes(probeWorkspace);
      const estimate = footprint(
        { model, seqLen: T, batchSize: B, validationTokens: Bv * 4 * Tv + 1 },
        'cpu',
      );
      expect(estimate.totalBytes).toBeGreaterThanOrEqual(held);
      expect(estimate.totalBytes).toBeLessThan(3 * held);
      backend.dispose();
    });
  }
});

describe('the estimate grows with every size setting', () => {
  const base: RunShape = {
    model: { cell: 'lstm', vocabSize: 80, embedSize: 32, hiddenSize: 128, layers: 2 },
    seqLen: 64,
    batchSize: 32,
  };
  test('H, B, T, L, E and V each raise both estimates', () => {
    const bigger: RunShape[] = [
      withSetting(base, 'hiddenSize', 256),
      withSetting(base, 'batchSize', 64),
      withSetting(base, 'seqLen', 128),
      { ...base, model: { ...base.model, layers: 3 } },
      { ...base, model: { ...base.model, embedSize: 64 } },
      { ...base, model: { ...base.model, vocabSize: 200 } },
    ];
    for (const shape of bigger) {
      expect(footprint(shape, 'cpu').totalBytes).toBeGreaterThan(footprint(base, 'cpu').totalBytes);
      expect(footprint(shape, 'webgpu').totalBytes).toBeGreaterThan(
        footprint(base, 'webgpu').totalBytes,
      );
    }
  });

  test('the largest H, B and T found sit on the boundary of the budget', () => {
    const shape: RunShape = { ...base, seqLen: 512, batchSize: 256 };
    const limit = { backend: 'cpu' as const, totalBytes: GIB };
    const fits = (s: RunShape) => excess(s, limit) === null;
    expect(fits(shape)).toBe(false);
    for (const setting of ['hiddenSize', 'batchSize', 'seqLen'] as const) {
      const best = largestFitting(shape, setting, fits);
      expect(best, setting).not.toBeNull();
      expect(fits(withSetting(shape, setting, best!))).toBe(true);
      expect(fits(withSetting(shape, setting, best! + 1))).toBe(false);
    }
  });

  test('the issue’s H=2048, L=8, T=1024, B=1024 needs hundreds of GiB on either engine', () => {
    const shape: RunShape = {
      model: { cell: 'lstm', vocabSize: 60, embedSize: 64, hiddenSize: 2048, layers: 8 },
      seqLen: 1024,
      batchSize: 1024,
    };
    expect(footprint(shape, 'cpu').totalBytes).toBeGreaterThan(100 * GIB);
    expect(footprint(shape, 'webgpu').totalBytes).toBeGreaterThan(100 * GIB);
    expect(footprint(shape, 'webgpu').largest.name).toMatch(/gates/);
  });
});
