// Early stopping on the CPU engine. The rules (earlyStopping.ts) on a made-up
// series of validation losses; then the training loop on the overfitting
// preset (its text and OVERFIT_SETTINGS: H 256, a quarter held out) with a
// fixed seed: with patience 3 training stops by itself once the validation
// loss has turned up, and the weights after the stop are exactly those the
// loop validated best (read at that best event, bit for bit); a rollback to
// the snapshot taken at the stop returns those weights too; Train again goes
// on from them, and with patience raised to 5 live it stops again.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { describe, expect, it } from 'vitest';
import { splitCorpus } from '../../../src/engine/batcher';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { DEFAULT_RUN_CONFIG, SETTINGS, writeSetting } from '../../../src/engine/settings';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { EarlyStopping } from '../../../src/engine/training/earlyStopping';
import { Trainer } from '../../../src/engine/training/trainer';
import { overfitCorpus, OVERFIT_SETTINGS, OVERFIT_SIZE } from '../../../src/corpora/overfit';
import type { EngineMessage, EngineMessageOf } from '../../../src/worker/protocol';
import { EAGER_LOOP, recordEvents } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

describe('EarlyStopping rules', () => {
  const onGrid = (step: number) => step % 10 === 0;

  it('keeps strictly lower losses, counts the rest, stops at the patience and starts over', () => {
    const e = new EarlyStopping(onGrid);
    expect(e.judge(0, 3, 2)).toBe('best');
    expect(e.judge(10, 2, 2)).toBe('best');
    expect(e.judge(20, 2, 2)).toBe('worse'); // equal is no improvement
    expect(e.judge(25, 1, 2)).toBe('ignored'); // off the grid (a resumed run's first)
    expect(e.judge(20, 1, 2)).toBe('ignored'); // judged already
    expect(e.judge(30, NaN, 2)).toBe('stop');
    expect(e.best).toEqual({ step: 10, loss: 2 });
    expect(e.count).toBe(0);
    expect(e.stopReport(30, 2).message).toBe(
      'early stopping at step 30: the validation loss has not improved for 2 validations; ' +
        'the weights are back to step 10 (best validation loss 2.000). Train continues from there',
    );
    // Patience 0: never stops, the best is still kept.
    for (let s = 40; s <= 100; s += 10) expect(e.judge(s, 5, 0)).toBe('worse');
    expect(e.judge(110, 1.5, 0)).toBe('best');
  });

  it('a rollback forgets the judged validations after its step and keeps the best', () => {
    const e = new EarlyStopping(onGrid);
    e.judge(0, 3, 5);
    e.judge(10, 2, 5);
    e.judge(20, 2.5, 5);
    e.judge(30, 2.6, 5);
    e.judge(40, 1.9, 5);
    e.judge(50, 2.1, 5);
    e.rewind(40);
    expect(e.state).toEqual({
      bestStep: 40,
      bestLoss: 1.9,
      withoutImprovement: [],
      lastJudged: 40,
    });
    e.rewind(25); // before the best: it stays, the count keeps the validation at 20
    expect(e.state).toEqual({
      bestStep: 40,
      bestLoss: 1.9,
      withoutImprovement: [],
      lastJudged: 25,
    });
    expect(e.judge(30, 2.2, 5)).toBe('worse');
    const copy = new EarlyStopping(onGrid);
    copy.restore(e.state);
    expect(copy.state).toEqual(e.state);
  });
});

// The overfitting preset as the page applies it, on the defaults.
let config = DEFAULT_RUN_CONFIG;
for (const [key, value] of Object.entries(OVERFIT_SETTINGS)) {
  config = writeSetting(
    config,
    SETTINGS.find((s) => s.key === key)!,
    value,
  );
}
const SEED = 7;
const corpus = buildCorpus(overfitCorpus(5, OVERFIT_SIZE));
const train = {
  ...config.train,
  seed: SEED,
  // Twice the default rate: the memorising starts sooner, so the test is shorter.
  optimizer: { ...config.train.optimizer, learningRate: 1e-2 },
  regularization: { ...config.train.regularization, patience: 3 },
};
const model = { vocabSize: corpus.vocab.size, ...config.model };

const of = <K extends EngineMessage['type']>(messages: EngineMessage[], type: K) =>
  messages.filter((m): m is EngineMessageOf<K> => m.type === type);

function validations(messages: EngineMessage[]): [number, number][] {
  const out: [number, number][] = [];
  for (const m of of(messages, 'metrics'))
    for (let k = 0; k < m.validation.length; k += 2)
      out.push([m.validation[k], m.validation[k + 1]]);
  return out;
}

describe('early stopping on the overfitting preset (CPU)', () => {
  it('stops with patience 3, back to the best weights exactly; Train again, patience 5, stops again', async () => {
    expect(model.hiddenSize).toBe(OVERFIT_SETTINGS.hiddenSize);
    const backend = new CpuBackend(model, initParams(model, new Rng(SEED)), {
      batchSize: train.batchSize,
      seqLen: train.seqLen,
    });
    const { events, messages, failures } = recordEvents();
    // Weights read the moment each best is announced: the loop is between its
    // validation and its next step, and the CPU backend copies them at once.
    const atBest = new Map<number, Float32Array>();
    const watched = {
      ...events,
      best: (report: { step: number; loss: number }) => {
        void backend.getParams().then((p) => atBest.set(report.step, p));
        events.best(report);
      },
    };
    const options = { ...EAGER_LOOP, validateEvery: 5, maxValidationWindows: 4 };
    const trainer = new Trainer(
      backend,
      corpus.vocab,
      splitCorpus(corpus.tokens, train.valFraction),
      train,
      watched,
      options,
    );
    trainer.begin();
    trainer.start();
    await until('the first early stop', () => of(messages, 'earlyStopped').length === 1, 1_200_000);
    await until('paused', () => !trainer.isTraining);
    const [first] = of(messages, 'earlyStopped');
    const stoppedAt = await trainer.exclusive(async (b) => ({
      step: b.step,
      params: await b.getParams(),
      best: await b.getBestParams(),
    }));
    const series = validations(messages);
    console.log(
      `[early stop, patience 3] stopped at step ${first.step}, best step ${first.bestStep} ` +
        `(val ${first.bestLoss.toFixed(4)}); validations ${series
          .map(([s, l]) => `${s}:${l.toFixed(3)}`)
          .join(' ')}`,
    );
    expect(failures).toEqual([]);
    // The loss had turned up: three validations after the best, none lower.
    const after = series.filter(([s]) => s > first.bestStep && s <= first.step);
    expect(after.map(([s]) => s)).toEqual([5, 10, 15].map((d) => first.bestStep + d));
    expect(after.every(([, l]) => l >= first.bestLoss)).toBe(true);
    expect(Math.min(...series.map(([, l]) => l))).toBe(first.bestLoss);
    expect(stoppedAt.step).toBe(first.step); // no step after the stop
    // Exactly the weights validated best, read at its event, and the slot holds them.
    const expected = atBest.get(first.bestStep)!;
    expect(Buffer.from(stoppedAt.params.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(Buffer.from(stoppedAt.best!.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    // The page was told of that best last.
    const lastBest = of(messages, 'best').at(-1)!;
    expect([lastBest.step, lastBest.loss]).toEqual([first.bestStep, first.bestLoss]);
    // A rollback now goes to the restored weights, not to the overfitted ones.
    await trainer.exclusive(async (b) => {
      await b.rollback(b.step);
      expect(await b.getParams()).toEqual(expected);
    });

    // Train again: from the best weights, the count starts over; patience 5 set live.
    trainer.setRegularization({ ...train.regularization, patience: 5 });
    trainer.start();
    await until(
      'the second early stop',
      () => of(messages, 'earlyStopped').length === 2,
      1_200_000,
    );
    await until('paused again', () => !trainer.isTraining);
    const second = of(messages, 'earlyStopped')[1];
    const again = await trainer.exclusive((b) => b.getParams());
    const judgedAfter = validations(messages).filter(
      ([s]) => s > Math.max(first.step, second.bestStep) && s <= second.step,
    );
    console.log(
      `[early stop, patience 5] trained on from step ${first.step}: stopped at step ${second.step}, ` +
        `best step ${second.bestStep} (val ${second.bestLoss.toFixed(4)})`,
    );
    expect(judgedAfter).toHaveLength(5);
    expect(second.bestLoss).toBeLessThanOrEqual(first.bestLoss);
    expect(Buffer.from(again.buffer).equals(Buffer.from(atBest.get(second.bestStep)!.buffer))).toBe(
      true,
    );
    expect(failures).toEqual([]);
    await trainer.dispose();
  }, 2_400_000);
});
