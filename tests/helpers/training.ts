// Training a backend for a few steps the way the trainer does (zero state at
// each epoch's start), for tests that compare two runs step for step.

import type { Backend } from '../../src/engine/backend';
import type { Batcher } from '../../src/engine/batcher';
import type { OptimizerConfig } from '../../src/engine/config';

/** Runs `n` steps from `batcher` and returns their losses, in order. */
export async function runSteps(
  backend: Backend,
  batcher: Batcher,
  n: number,
  optimizer: OptimizerConfig,
): Promise<number[]> {
  for (let k = 0; k < n; k++) {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, optimizer);
  }
  return (await backend.drainLosses()).map((s) => s.loss);
}
