// Divergence survived on the real GPU engine (issue 11): the Adam kernel's
// weights-finite flag comes back with the losses; snapshots are device-side
// copies a rollback restores exactly; an injected NaN or a learning rate far
// too high rolls the run back (three in a row stop it, the model back at its
// snapshot); the worker session keeps saving good runs and exporting loadable
// files, and refuses to save or export non-finite weights.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { afterAll, describe, expect, it } from 'vitest';
import { Batcher, splitCorpus } from '../../src/engine/batcher';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend, type GpuBackend } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import type { EngineMessageOf } from '../../src/worker/protocol';
import { Rng } from '../../src/engine/rng';
import { DivergedError } from '../../src/engine/training/divergence';
import { Trainer } from '../../src/engine/training/trainer';
import { injectNaN, spikeLearningRate } from '../helpers/divergence';
import { refusalScenario, rollbackScenario, startSession } from '../helpers/divergenceSession';
import { EAGER_LOOP, recordEvents } from '../helpers/trainerEvents';
import { until } from '../helpers/until';
import { corpus, model, train } from '../helpers/smallRun';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
// The session asks navigator.gpu for its own device, as in the browser worker.
Object.defineProperty(globalThis, 'navigator', {
  value: { ...globalThis.navigator, gpu: harness.gpu },
  configurable: true,
});
afterAll(() => harness.close());

const HUGE_LEARNING_RATE = 1e38; // overflows float32 (see tests/unit/engine/divergence.test.ts)

function gpuBackend(): Promise<GpuBackend> {
  return createGpuBackend(harness.device, model, initParams(model, new Rng(train.seed)), {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
    autotune: false,
  });
}

const allFinite = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isFinite);

describe('GPU snapshots and the weights-finite flag', () => {
  it('a rollback restores the snapshot exactly, and a replay repeats the run and its flags', async () => {
    const backend = await gpuBackend();
    const batcher = new Batcher(splitCorpus(corpus.tokens, 0.1).train, 4, 8, 2);
    const dispatches = backend.dispatchesPerStep();
    try {
      const run = async (steps: number, snapshotAt = -1) => {
        for (let k = 0; k < steps; k++) {
          backend.trainStep(batcher.next().batch, train.optimizer, backend.step + 1 === snapshotAt);
        }
        return backend.drainLosses();
      };
      await run(3, 3); // the snapshot is taken in step 3's own submission
      expect(backend.snapshotSteps).toEqual([3]);
      const position = batcher.getPosition();
      const params = await backend.getParams();
      const optimizer = await backend.getOptimizerState();
      const state = await backend.getState();
      const first = await run(12, 8);
      expect(backend.snapshotSteps).toEqual([3, 8]);
      expect(first.every((l) => l.weightsFinite && Number.isFinite(l.loss))).toBe(true);

      await backend.rollback(3);
      batcher.setPosition(position);
      expect(backend.step).toBe(3);
      expect(backend.snapshotSteps).toEqual([3]);
      expect(await backend.getParams()).toEqual(params);
      expect(await backend.getOptimizerState()).toEqual(optimizer);
      expect(await backend.getState()).toEqual(state);
      const replay = await run(12);
      expect(replay.map((l) => l.step)).toEqual(first.map((l) => l.step));
      expect(replay).toEqual(first);

      // NaN in a live weight: the next step's norm is NaN, the kernel skips the
      // update (moments unchanged) and flags the weights it leaves; later steps flag too.
      const moments = await backend.getOptimizerState();
      injectNaN(backend);
      const broken = await run(2);
      expect(broken.map((l) => l.weightsFinite)).toEqual([false, false]);
      // The loss itself may stay finite here (WGSL's max and clamp may drop a NaN), which
      // is why the norm and the flag are checked too.
      expect(broken.every((l) => Number.isNaN(l.gradNorm))).toBe(true);
      const after = await backend.getOptimizerState();
      expect(after.m).toEqual(moments.m);
      expect(after.v).toEqual(moments.v);
      // Back to a snapshot, the flags of the replayed step numbers read finite again.
      await backend.rollback(3);
      expect((await run(14)).every((l) => l.weightsFinite && Number.isFinite(l.loss))).toBe(true);
      // Snapshots are buffer copies: the step still runs the same dispatches.
      expect(backend.dispatchesPerStep()).toBe(dispatches);
    } finally {
      backend.dispose();
    }
  });

  it('flags weights a learning-rate spike overflows, as the CPU reference detects the divergence', async () => {
    const gpu = await gpuBackend();
    const cpu = new CpuBackend(model, initParams(model, new Rng(train.seed)), {
      batchSize: train.batchSize,
      seqLen: train.seqLen,
    });
    try {
      const batcher = new Batcher(splitCorpus(corpus.tokens, 0.1).train, 4, 8, 2);
      const huge = { ...train.optimizer, learningRate: HUGE_LEARNING_RATE };
      for (let k = 0; k < 3; k++) {
        const { batch } = batcher.next();
        gpu.trainStep(batch, huge);
        cpu.trainStep(batch, huge);
      }
      const [g, c] = [await gpu.drainLosses(), await cpu.drainLosses()];
      // Both see step 1 fine and report a divergence by step 2; float32 arithmetic on the
      // GPU overflows the step size itself (1e39), so its weights flag goes first.
      expect(Math.abs(g[0].loss - c[0].loss)).toBeLessThan(1e-4);
      const diverged = (l: (typeof g)[number]) => !l.weightsFinite || !Number.isFinite(l.loss);
      expect(diverged(c[1])).toBe(true);
      expect(g[0].weightsFinite).toBe(false);
    } finally {
      gpu.dispose();
      cpu.dispose();
    }
  });
});

describe('the training loop on the GPU survives divergence', () => {
  function setUp(backend: GpuBackend, snapshotEvery = 5) {
    const { events, messages, failures } = recordEvents();
    const trainer = new Trainer(
      backend,
      corpus.vocab,
      splitCorpus(corpus.tokens, train.valFraction),
      train,
      events,
      { ...EAGER_LOOP, snapshotEvery },
    );
    const rollbacks = () =>
      messages.filter((m): m is EngineMessageOf<'rollback'> => m.type === 'rollback');
    return { trainer, messages, failures, rollbacks };
  }

  it('a one-step learning-rate spike rolls back, halves the learning rate and trains on', async () => {
    const backend = await gpuBackend();
    const { trainer, messages, failures, rollbacks } = setUp(backend);
    spikeLearningRate(backend, 14, HUGE_LEARNING_RATE);
    trainer.start();
    await until('the rollback', () => rollbacks().length > 0);
    const [rollback] = rollbacks();
    // The spike's own weights may still be finite (≈ 1e38): then step 15's loss overflows.
    expect(rollback.fromStep).toBeGreaterThanOrEqual(14);
    expect(rollback.toStep).toBeLessThan(14);
    expect(rollback.learningRate).toBe(train.optimizer.learningRate / 2);
    const at = messages.indexOf(rollback);
    await until('training past it', () => trainer.step >= 35);
    trainer.pause();
    // A metrics message can carry the step count before its loss (losses come a tick behind):
    // wait for the loss of the last step itself.
    await until('the losses of every step', () =>
      messages
        .slice(at)
        .some((m) => m.type === 'metrics' && m.train.length > 0 && m.train.at(-2) === trainer.step),
    );
    const after = messages
      .slice(at)
      .flatMap((m) => (m.type === 'metrics' ? Array.from(m.train) : []));
    // Losses up to the snapshot not posted yet, then every step from it on, once, in order.
    const replayed = after.filter((x, k) => k % 2 === 0 && x > rollback.toStep);
    expect(replayed).toEqual(replayed.map((_, k) => rollback.toStep + 1 + k));
    expect(replayed.at(-1)).toBe(trainer.step);
    expect(allFinite(after)).toBe(true);
    expect(failures).toEqual([]);
    expect(allFinite(await trainer.exclusive((b) => b.getParams()))).toBe(true);
    await trainer.dispose();
  });

  it('a learning rate far too high stops after three rollbacks, the model back at its snapshot', async () => {
    const backend = await gpuBackend();
    // Snapshots far apart: the run diverges again long before the next (see the CPU test).
    const { trainer, failures, rollbacks } = setUp(backend, 30);
    trainer.start();
    await until('12 steps', () => trainer.step >= 12);
    trainer.setOptimizer({ ...train.optimizer, learningRate: HUGE_LEARNING_RATE });
    await until('training to stop', () => failures.length > 0);
    expect(rollbacks().map((r) => r.learningRate)).toEqual([
      HUGE_LEARNING_RATE / 2,
      HUGE_LEARNING_RATE / 4,
      HUGE_LEARNING_RATE / 8,
    ]);
    expect(failures[0]).toBeInstanceOf(DivergedError);
    expect(String(failures[0])).toMatch(/diverged 3 times in a row/);
    expect(trainer.isTraining).toBe(false);
    expect(trainer.step).toBe(rollbacks()[2].toStep);
    expect(allFinite(await trainer.exclusive((b) => b.getParams()))).toBe(true);
    await trainer.dispose();
  });
});

describe('divergence in the worker session (GPU)', () => {
  it('rolls back, halves the session learning rate, trains on; the next save and every export load', async () => {
    await rollbackScenario(await startSession('webgpu', 'webgpu'));
  });

  it('never saves or exports non-finite weights, and keeps the last good save', async () => {
    await refusalScenario(await startSession('webgpu', 'webgpu'));
  });
});
