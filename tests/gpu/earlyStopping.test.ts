// Early stopping on the real GPU engine, whose steps run ahead of their
// losses: the loop stops by itself once the validation loss has not improved
// for `patience` validations, and the weights after the stop are bit for bit
// those read back at the best validation's event and those of the device's
// best-weights slot (keepBest copies on the device, with no readback, after
// the validated steps and before any later one).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { afterAll, describe, expect, it } from 'vitest';
import { splitCorpus } from '../../src/engine/batcher';
import { createGpuBackend } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/training/trainer';
import type { EngineMessage, EngineMessageOf } from '../../src/worker/protocol';
import { corpus, model, train } from '../helpers/smallRun';
import { EAGER_LOOP, recordEvents } from '../helpers/trainerEvents';
import { until } from '../helpers/until';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
afterAll(() => harness.close());

const of = <K extends EngineMessage['type']>(messages: EngineMessage[], type: K) =>
  messages.filter((m): m is EngineMessageOf<K> => m.type === type);

describe('early stopping on the GPU backend', () => {
  it('stops after `patience` validations without improvement, back to the best weights exactly', async () => {
    // A high rate, so the small model stops improving within a few hundred steps.
    const settings = {
      ...train,
      optimizer: { ...train.optimizer, learningRate: 5e-2 },
      regularization: { ...train.regularization, patience: 2 },
    };
    const backend = await createGpuBackend(
      harness.device,
      model,
      initParams(model, new Rng(settings.seed)),
      { batchSize: settings.batchSize, seqLen: settings.seqLen },
    );
    const { events, messages, failures } = recordEvents();
    const atBest = new Map<number, Promise<Float32Array>>();
    const watched = {
      ...events,
      best: (report: { step: number; loss: number }) => {
        // Read back at once: the copy is queued before the loop's next step.
        atBest.set(report.step, backend.getParams());
        events.best(report);
      },
    };
    const trainer = new Trainer(
      backend,
      corpus.vocab,
      splitCorpus(corpus.tokens, settings.valFraction),
      settings,
      watched,
      { ...EAGER_LOOP, validateEvery: 5, tickBudgetMs: 24 },
    );
    try {
      trainer.begin();
      trainer.start();
      await until('an early stop', () => of(messages, 'earlyStopped').length > 0, 600_000);
      await until('paused', () => !trainer.isTraining);
      const [stop] = of(messages, 'earlyStopped');
      const { step, params, best } = await trainer.exclusive(async (b) => ({
        step: b.step,
        params: await b.getParams(),
        best: (await b.getBestParams())!,
      }));
      console.log(
        `[gpu early stop, patience 2] stopped at step ${stop.step}, best step ${stop.bestStep} ` +
          `(val ${stop.bestLoss.toFixed(4)})`,
      );
      expect(step).toBe(stop.step);
      expect(stop.step - stop.bestStep).toBe(2 * 5);
      const expected = await atBest.get(stop.bestStep)!;
      expect(Buffer.from(params.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(Buffer.from(best.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(failures).toEqual([]);
    } finally {
      await trainer.dispose();
    }
  }, 900_000);
});
