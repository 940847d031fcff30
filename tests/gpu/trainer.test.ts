// The worker's training loop on the real GPU engine, whose losses come back
// late and in batches (the CPU reference has each at once): train, pause,
// step once; every step's loss is reported exactly once, in order, and the
// last one arrives after a single step too.

import { afterAll, describe, expect, it } from 'vitest';
import { splitCorpus } from '../../src/engine/batcher';
import { createGpuBackend } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import type { EngineMessage } from '../../src/worker/protocol';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/training/trainer';
import { recordEvents } from '../helpers/trainerEvents';
import { until } from '../helpers/until';
import { corpus, model, train } from '../helpers/smallRun';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
afterAll(() => harness.close());

function trainSteps(messages: EngineMessage[]): number[] {
  return messages.flatMap((m) =>
    m.type === 'metrics' ? Array.from(m.train.filter((_, k) => k % 2 === 0)) : [],
  );
}

describe('the training loop on the GPU backend', () => {
  it('reports every loss once, in order, through train, pause and a single step', async () => {
    const backend = await createGpuBackend(
      harness.device,
      model,
      initParams(model, new Rng(train.seed)),
      { batchSize: train.batchSize, seqLen: train.seqLen },
    );
    const { events, messages, failures } = recordEvents();
    const trainer = new Trainer(
      backend,
      corpus.vocab,
      splitCorpus(corpus.tokens, train.valFraction),
      train,
      events,
    );
    try {
      trainer.begin();
      trainer.start();
      await until('40 steps', () => trainer.step >= 40);
      trainer.pause();
      await until(
        'the losses of every step so far',
        () => trainSteps(messages).at(-1) === trainer.step,
      );
      const paused = trainer.step;
      trainer.stepOnce();
      await until('the loss of the single step', () => trainSteps(messages).at(-1) === paused + 1);
      expect(trainSteps(messages)).toEqual(Array.from({ length: paused + 1 }, (_, k) => k + 1));
      expect(failures).toEqual([]);
    } finally {
      await trainer.dispose();
    }
  });
});
