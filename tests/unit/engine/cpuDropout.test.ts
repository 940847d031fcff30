// Dropout in the CPU engine: masks at the sites dropout.ts names (checked
// against the layers composed by hand), training that equals no dropout bit
// for bit when the rate rounds to nothing, forward-only paths that never drop,
// gradients() and trainStep drawing the same masks, a rollback replaying them,
// and the thread pool computing exactly what one thread does.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/engine/batcher';
import { CELL_TYPES } from '../../../src/engine/cells';
import { DEFAULT_OPTIMIZER, layerInputSize, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { addRowBias, serialGemm } from '../../../src/engine/cpu/gemm';
import { gruLayerForward } from '../../../src/engine/cpu/gruLayer';
import { lstmLayerForward } from '../../../src/engine/cpu/lstmLayer';
import {
  carryState,
  modelForward,
  viewArena,
  windowMasks,
  Workspace,
  zeroState,
} from '../../../src/engine/cpu/model';
import { rnnLayerForward } from '../../../src/engine/cpu/rnnLayer';
import type { SpawnGemmWorker } from '../../../src/engine/cpu/parallel/pool';
import { fillMask, type DropoutSpec } from '../../../src/engine/dropout';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

const [T, B] = [9, 6];
const modelOf = (cell: ModelConfig['cell']): ModelConfig => ({
  cell,
  vocabSize: 23,
  embedSize: 12,
  hiddenSize: 20,
  layers: 2,
});
const rng = new Rng(8);
const tokens = Int32Array.from({ length: 6000 }, () => rng.int(23));
const standard: DropoutSpec = { rate: 0.4, variational: false, seed: 77 };
const variational: DropoutSpec = { ...standard, variational: true };

/** Runs `steps` training steps under `dropout` and returns everything they changed. */
async function train(backend: CpuBackend, steps: number, dropout?: DropoutSpec, batchSize = B) {
  const batcher = new Batcher(tokens, batchSize, T, 1);
  for (let s = 0; s < steps; s++) {
    backend.trainStep(batcher.next().batch, DEFAULT_OPTIMIZER, false, dropout);
  }
  return {
    losses: (await backend.drainLosses()).map((l) => [l.loss, l.gradNorm]),
    params: await backend.getParams(),
    state: await backend.getState(),
  };
}

describe('CPU dropout masks of a window', () => {
  it.each([
    ['standard', standard],
    ['variational', variational],
  ])('are fillMask of dropout.ts at every site (%s)', (_mode, spec) => {
    const model = modelOf('gru');
    const masks = windowMasks(new Workspace(Float32Array, model, T, B), spec, 6);
    expect(masks).toHaveLength(model.layers + 1);
    masks.forEach((mask, site) => {
      const X = site === 0 ? model.embedSize : model.hiddenSize;
      const want = new Float32Array(T * B * X);
      fillMask(want, spec, 6, site, T, B, X);
      expect(mask).toEqual(want);
    });
  });
});

describe.each(CELL_TYPES)('CPU dropout, %s', (cell) => {
  const model = modelOf(cell);
  const params = initParams(model, new Rng(3));

  it.each([
    ['standard', standard],
    ['variational', variational],
  ])(
    'drops (%s) the embedding, the layer inputs and the head input, never the carried h',
    (_mode, spec) => {
      const layout = paramLayout(model);
      const w = viewArena(layout, Float64Array.from(params));
      const inputs = tokens.slice(0, T * B);
      const ws = new Workspace(Float64Array, model, T, B);
      const masks = windowMasks(ws, spec, 4);
      const state = zeroState(Float64Array, model, B);
      modelForward(ws, w, inputs, state, masks);
      carryState(ws, state);

      // The same window, composed by hand from the layers and the masks.
      const { embedSize: E, hiddenSize: H, vocabSize: V, layers: L } = model;
      const N = T * B;
      const times = (x: Float64Array, s: number) => x.map((v, i) => v * masks[s][i]);
      let x = times(
        Float64Array.from(
          { length: N * E },
          (_, i) => w.embedding[inputs[Math.floor(i / E)] * E + (i % E)],
        ),
        0,
      );
      const zero = new Float64Array(B * H);
      const undropped: Float64Array[] = [];
      for (let l = 0; l < L; l++) {
        const trace = {
          gates: new Float64Array(N * H * (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1)),
          c: new Float64Array(cell === 'lstm' ? N * H : 0),
          hn: new Float64Array(cell === 'gru' ? N * H : 0),
          h: new Float64Array(N * H),
        };
        const X = layerInputSize(model, l);
        if (cell === 'lstm') lstmLayerForward(trace, x, zero, zero, w.layers[l], T, B, X, H);
        else if (cell === 'gru') gruLayerForward(trace, x, zero, w.layers[l], T, B, X, H);
        else rnnLayerForward(trace, x, zero, w.layers[l], T, B, X, H);
        undropped.push(trace.h);
        x = times(trace.h, l + 1);
      }
      const logits = new Float64Array(N * V);
      serialGemm.nn(logits, x, w.headW, N, V, H);
      addRowBias(logits, w.headB, N, V);

      expect(ws.logits).toEqual(logits);
      for (let l = 0; l < L; l++) {
        // The trace keeps the undropped h (the recurrence read it), and so does the carry.
        expect(ws.traces[l].h).toEqual(undropped[l]);
        expect(state.h.subarray(l * B * H, (l + 1) * B * H)).toEqual(
          undropped[l].subarray((T - 1) * B * H),
        );
      }
      // The masks did something: without them the logits differ.
      const plain = new Workspace(Float64Array, model, T, B);
      modelForward(plain, w, inputs, zeroState(Float64Array, model, B));
      expect(plain.logits).not.toEqual(logits);
    },
  );

  it('trains bit for bit as without dropout when the rate rounds to no unit dropped', async () => {
    // keepThreshold(2⁻²⁶) = 0 and its float32 scale is 1: every mask entry is exactly 1.
    const tiny: DropoutSpec = { rate: 2 ** -26, variational: false, seed: 5 };
    const shape = { batchSize: B, seqLen: T };
    const plain = await train(new CpuBackend(model, params, shape), 3);
    expect(await train(new CpuBackend(model, params, shape), 3, tiny)).toEqual(plain);
    expect(await train(new CpuBackend(model, params, shape), 3, standard)).not.toEqual(plain);
  });

  it('never drops in evaluate, probe, sampling or the gradient-flow view', async () => {
    const shape = { batchSize: B, seqLen: T };
    const dropped = new CpuBackend(model, params, shape);
    await train(dropped, 2, standard);
    // A backend that never saw dropout, with the same weights: the same answers, bit for bit,
    // although `dropped` evaluates in the very workspace its dropout steps used.
    const fresh = new CpuBackend(model, await dropped.getParams(), shape);
    const batcher = new Batcher(tokens, B, T, 2);
    const windows = [batcher.next().batch, batcher.next().batch];
    expect(await dropped.evaluate(windows)).toBe(await fresh.evaluate(windows));
    const probe = tokens.slice(0, 30);
    expect(await dropped.probe(probe)).toEqual(await fresh.probe(probe));
    expect(await dropped.gradientFlow(windows[0])).toEqual(await fresh.gradientFlow(windows[0]));
    const sample = async (b: CpuBackend) =>
      b.createSampler({ prime: probe, temperature: 1, topK: 0, seed: 3 }).next(40);
    expect(await sample(dropped)).toEqual(await sample(fresh));
  });

  it('draws the same masks in gradients() as in the step it precedes, and again after a rollback', async () => {
    const shape = { batchSize: B, seqLen: T };
    const backend = new CpuBackend(model, params, shape);
    const batch = new Batcher(tokens, B, T, 1).next().batch;
    backend.snapshot();
    const { loss, grads } = await backend.gradients(batch, variational);
    const plain = await backend.gradients(batch);
    expect(plain.loss).not.toBe(loss);
    backend.trainStep(batch, DEFAULT_OPTIMIZER, false, variational);
    const [first] = await backend.drainLosses();
    expect(first.loss).toBe(loss);
    let norm = 0;
    for (const g of grads) norm += g * g;
    expect(first.gradNorm).toBeCloseTo(Math.sqrt(norm), 5);
    const after = await backend.getParams();
    // Masks are a function of the step: the replayed step 1 drops exactly the same units.
    await backend.rollback(0);
    backend.resetState();
    backend.trainStep(batch, DEFAULT_OPTIMIZER, false, variational);
    expect((await backend.drainLosses())[0].loss).toBe(loss);
    expect(await backend.getParams()).toEqual(after);
  });
});

const spawn: SpawnGemmWorker = (init, failed) => {
  const worker = new Worker(new URL('../../helpers/gemmWorkerNode.mjs', import.meta.url), {
    workerData: init,
  });
  worker.on('error', (e) => failed(String(e)));
  return { terminate: () => void worker.terminate() };
};

describe('CPU dropout on worker threads', () => {
  // Large enough that the products are split (pool.ts MIN_PARALLEL_WORK).
  const model: ModelConfig = { ...modelOf('lstm'), embedSize: 24, hiddenSize: 40 };
  const params = initParams(model, new Rng(3));
  const shape = { batchSize: 12, seqLen: T };

  it.each([
    ['standard', standard],
    ['variational', variational],
  ])('matches the serial engine bit for bit (%s)', async (_mode, spec) => {
    const serial = new CpuBackend(model, params, shape);
    const pooled = new CpuBackend(model, params, { ...shape, parallel: { threads: 2, spawn } });
    const plainPooled = new CpuBackend(model, params, {
      ...shape,
      parallel: { threads: 2, spawn },
    });
    try {
      expect(await pooled.threadsReady()).toBe(true);
      expect(await plainPooled.threadsReady()).toBe(true);
      const want = await train(serial, 4, spec, 12);
      expect(await train(pooled, 4, spec, 12)).toEqual(want);
      // And the dropout did change the training.
      expect(await train(plainPooled, 4, undefined, 12)).not.toEqual(want);
      // The dropped copies the layers above and the head read live in shared memory: every
      // product split without dropout is split with it too (none falls back to one thread).
      expect(pooled.parallelProducts).toBeGreaterThan(0);
      expect(pooled.parallelProducts).toBe(plainPooled.parallelProducts);
    } finally {
      pooled.dispose();
      plainPooled.dispose();
    }
  });
});
