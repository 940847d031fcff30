// Forcing divergence in tests, on a real backend and its real state (no
// mocked math): a NaN written into a live weight between two steps, or a
// learning-rate spike handed to the backend's own optimizer for one step.
//
// Dimension legend: P floats in the parameter arena.

import type { Backend } from '../../src/engine/backend';
import type { GpuArena } from '../../src/engine/gpu/arena';
import type { GpuBackend } from '../../src/engine/gpu/backend';
import { paramLayout } from '../../src/engine/params';

/**
 * Writes NaN into the first input weight of layer 0, which every position
 * uses, so the next step's loss is NaN. Call it between two steps (inside
 * Trainer.exclusive, or with nothing queued); unlike setParams it keeps the
 * backend's snapshots, as a real overflow would.
 */
export function injectNaN(backend: Backend): void {
  // Layer 0 comes before the (padded) head, so its offset is the same in the GPU's layout.
  const at = paramLayout(backend.model).layers[0].wx.offset;
  if (backend.info.kind === 'cpu') {
    (backend as unknown as { params: Float32Array }).params[at] = NaN;
    return;
  }
  const gpu = backend as GpuBackend;
  const arena = (gpu as unknown as { arena: GpuArena }).arena;
  gpu.device.queue.writeBuffer(arena.params, at * 4, Float32Array.of(NaN));
}

/**
 * From the next call on, the step numbered `step` gets learning rate `rate`
 * (once: a replay after a rollback runs with the trainer's own rate).
 */
export function spikeLearningRate(backend: Backend, step: number, rate: number): void {
  const original = backend.trainStep.bind(backend);
  let done = false;
  backend.trainStep = (batch, optimizer, snapshotAfter) => {
    const spike = !done && backend.step + 1 === step;
    if (spike) done = true;
    original(batch, spike ? { ...optimizer, learningRate: rate } : optimizer, snapshotAfter);
  };
}
