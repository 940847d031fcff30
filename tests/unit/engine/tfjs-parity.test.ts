// An outside oracle for the whole training step, for every cell: TensorFlow.js
// layers (Embedding → 2 × LSTM | GRU | SimpleRNN → Dense, Adam; the GRU is
// bench/contenders/tfjsGruCell.ts, PyTorch's equations in tfjs ops, its
// gradient tfjs's autodiff) started from the same weights must give the same
// loss as the CPU reference, step after step.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsContender } from '../../../bench/contenders/tfjs';
import { Batcher } from '../../../src/engine/batcher';
import { CELL_TYPES } from '../../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CPU reference vs TensorFlow.js', () => {
  it.each(CELL_TYPES)(
    '%s: the same loss for 8 Adam steps from the same weights (rel. 1e-5)',
    async (cell) => {
      const model: ModelConfig = {
        cell,
        vocabSize: 13,
        embedSize: 8,
        hiddenSize: 11,
        layers: 2,
      };
      const params = initParams(model, new Rng(4));
      const rng = new Rng(5);
      const tokens = Int32Array.from({ length: 4000 }, () => rng.int(model.vocabSize));
      const batcher = new Batcher(tokens, 3, 7, 1);
      const optimizer = { ...DEFAULT_OPTIMIZER, learningRate: 1e-2, clipNorm: 0 };
      const cpu = new CpuBackend(model, params, { batchSize: 3, seqLen: 7 });
      const reference = createTfjsContender(tf, model, params, optimizer, 7);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let s = 0; s < 8; s++) {
        const { batch } = batcher.next();
        // tf.layers LSTMs start every batch from zero state; so must we, to compare.
        cpu.resetState();
        cpu.trainStep(batch, optimizer);
        theirs.push(await reference.trainStep(reference.prepare(batch)));
      }
      ours.push(...(await cpu.drainLosses()).map((l) => l.loss));
      reference.dispose();
      const worst = Math.max(...ours.map((x, s) => Math.abs(x - theirs[s]) / theirs[s]));
      console.log(`${cell}: worst relative loss difference over 8 steps ${worst.toExponential(2)}`);
      // Training must move the loss, or equal losses would say nothing about the gradients.
      expect(Math.abs(ours[7] - ours[0])).toBeGreaterThan(1e-3);
      for (let s = 0; s < 8; s++)
        expect(Math.abs(ours[s] - theirs[s]) / theirs[s]).toBeLessThan(1e-5);
    },
  );
});
