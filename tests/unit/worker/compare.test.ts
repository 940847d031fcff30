// Compare runs through the worker's real message handler on the CPU engine:
// an LSTM, a GRU and an RNN on one corpus and seed take turns, one step
// each, so none runs ahead; every curve, snapshot and rollback names its
// model; the selected model is the one the status, checkpoints and samples
// are about; a set that does not fit together is refused before anything
// is given up.

import { afterEach, describe, expect, test } from 'vitest';
import { footprint, cpuMemoryBudget, type RunShape } from '../../../src/engine/memory';
import { loadCheckpoint } from '../../../src/io';
import type { ModelSettings } from '../../../src/worker/protocol';
import { parseUiMessage } from '../../../src/worker/validate';
import { until } from '../../helpers/until';
import { CONFIG, startHost, TEXT, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const GRU: ModelSettings = { ...CONFIG.model, cell: 'gru', hiddenSize: 20 };
const RNN: ModelSettings = { ...CONFIG.model, cell: 'rnn', hiddenSize: 36 };

/** A harness training CONFIG's LSTM with `compare` beside it, the first validation losses in. */
async function startCompared(compare: ModelSettings[]): Promise<Harness> {
  const h = (harness = startHost());
  h.host.handle({ type: 'configure', config: CONFIG, compare });
  h.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
  await h.host.idle();
  await until('the models', () => h.host.session.models.length === compare.length + 1);
  return h;
}

/** The (step, loss) training pairs model `k` posted, in order. */
function trainLosses(h: Harness, k: number): number[] {
  return h
    .of('metrics')
    .filter((m) => (m.model ?? 0) === k)
    .flatMap((m) => Array.from(m.train));
}

const steps = (h: Harness) => h.host.session.models.map((m) => m.trainer.step);

describe('models compared in one worker', () => {
  test('three cells build from one seed, announced with their settings and parameter counts', async () => {
    const h = await startCompared([GRU, RNN]);
    const [announced] = h.of('models');
    expect(announced.selected).toBe(0);
    expect(announced.models.map((m) => m.model)).toEqual([CONFIG.model, GRU, RNN]);
    const V = h.host.session.corpus!.corpus.vocab.size;
    // E 8, H 16, V of the text: the LSTM's 4·(8+16+1)·16 + V·8 + 17·V, and so on.
    expect(announced.models.map((m) => m.parameters)).toEqual([
      4 * (8 + 16 + 1) * 16 + V * 8 + 17 * V,
      3 * (8 + 20 + 1) * 20 + 20 + V * 8 + 21 * V,
      (8 + 36 + 1) * 36 + V * 8 + 37 * V,
    ]);
    expect(new Set(announced.models.map((m) => m.runId)).size).toBe(3);
    expect(h.of('model')).toHaveLength(1);
    expect(h.of('model')[0].runId).toBe(announced.models[0].runId);
  });

  test('they take turns: never more than one step apart while training, and level once paused', async () => {
    const h = await startCompared([GRU, RNN]);
    let spread = 0;
    h.host.handle({ type: 'train' });
    await until('30 steps of every model', () => {
      const s = steps(h);
      spread = Math.max(spread, Math.max(...s) - Math.min(...s));
      return Math.min(...s) >= 30;
    });
    h.host.handle({ type: 'pause' });
    await h.host.idle();
    await until('every model at rest', () =>
      h.host.session.models.every((m) => !m.trainer.isTraining),
    );
    expect(spread).toBeLessThanOrEqual(1);
    const after = steps(h);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1);
    // Each model's curve came in under its own index, step after step.
    await until('the losses of every step', () =>
      [0, 1, 2].every((k) => trainLosses(h, k).length / 2 >= after[k]),
    );
    for (const k of [0, 1, 2]) {
      const pairs = trainLosses(h, k);
      const stepsSeen = pairs.filter((_, i) => i % 2 === 0);
      expect(stepsSeen).toEqual(Array.from({ length: after[k] }, (_, i) => i + 1));
    }
    // Step takes one step of each.
    h.host.handle({ type: 'step' });
    await h.host.idle();
    await until('one more step each', () => steps(h).every((s, k) => s === after[k] + 1));
  });

  test('the first model trains exactly as it does alone: the same losses, step for step', async () => {
    const alone = startHost();
    alone.host.handle({ type: 'configure', config: CONFIG });
    alone.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
    await alone.host.idle();
    alone.host.handle({ type: 'train' });
    await until('12 steps alone', () => trainLosses(alone, 0).length >= 24);
    await alone.close();

    const h = await startCompared([GRU]);
    h.host.handle({ type: 'train' });
    await until('12 steps compared', () => trainLosses(h, 0).length >= 24);
    expect(trainLosses(h, 0).slice(0, 24)).toEqual(trainLosses(alone, 0).slice(0, 24));
    // And the GRU beside it learns a curve of its own.
    await until('the GRU’s losses', () => trainLosses(h, 1).length >= 24);
    expect(trainLosses(h, 1).slice(0, 24)).not.toEqual(trainLosses(h, 0).slice(0, 24));
  });

  test('snapshots carry their model and its cell; selecting a model moves the status, samples and checkpoints to it', async () => {
    const h = await startCompared([GRU, RNN]);
    h.host.handle({ type: 'setProbe', text: 'the lazy dog' });
    await until('a snapshot of every model', () =>
      [0, 1, 2].every((k) => h.of('probe').some((m) => m.model === k)),
    );
    for (const m of h.of('probe')) expect(m.cell).toBe(['lstm', 'gru', 'rnn'][m.model!]);

    h.host.handle({ type: 'step' });
    h.host.handle({ type: 'select', model: 2 });
    await h.host.idle();
    expect(h.of('models').at(-1)!.selected).toBe(2);
    expect(h.host.session.trainer).toBe(h.host.session.models[2].trainer);
    expect(h.host.session.run.id).toBe(h.of('models').at(-1)!.models[2].runId);
    const saved = loadCheckpoint((await h.host.session.checkpoint()).bytes);
    expect(saved.model.cell).toBe('rnn');
    expect(saved.model.hiddenSize).toBe(36);

    // Status messages speak for the selected model alone from now on.
    const from = h.messages.length;
    h.host.handle({ type: 'train' });
    await until('20 steps of the RNN', () => h.host.session.models[2].trainer.step >= 20);
    h.host.handle({ type: 'pause' });
    await h.host.idle();
    await until('the RNN at rest', () => h.of('status').at(-1)?.status.training === false);
    const rnn = h.host.session.models[2].trainer;
    expect(
      h.messages
        .slice(from)
        .filter((m) => m.type === 'status')
        .at(-1),
    ).toMatchObject({
      status: { training: false, step: rnn.step },
    });

    const request = { id: 5, prime: 'the', temperature: 1, topK: 0, length: 30, seed: 1 };
    h.host.handle({ type: 'sample', request });
    await until('the sample', () => h.of('sample').some((m) => m.id === 5 && m.done));
    expect(h.of('sampleError')).toEqual([]);
  });

  test('selecting a model that is not there is refused and changes nothing', async () => {
    const h = await startCompared([GRU]);
    h.host.handle({ type: 'select', model: 2 });
    await h.host.idle();
    expect(h.host.session.selected).toBe(0);
    expect(h.of('error').at(-1)!.message).toMatch(/no model 3 to select: 2 in training/);
  });

  test('a set too large to train together is refused naming the budget; the models in use train on', async () => {
    const h = await startCompared([]);
    const V = h.host.session.corpus!.corpus.vocab.size;
    const shape = (hiddenSize: number): RunShape => ({
      model: { ...CONFIG.model, layers: 4, hiddenSize, vocabSize: V },
      seqLen: CONFIG.train.seqLen,
      batchSize: CONFIG.train.batchSize,
      validationTokens: h.host.session.corpus!.split.validation.length,
    });
    // The smallest H that fills more than half the CPU budget: one fits, two do not.
    const half = cpuMemoryBudget() / 2;
    let H = 16;
    while (footprint(shape(H), 'cpu').totalBytes <= half) H += 16;
    expect(footprint(shape(H), 'cpu').totalBytes).toBeLessThan(cpuMemoryBudget());
    const big: ModelSettings = { ...CONFIG.model, layers: 4, hiddenSize: H };
    const trainer = h.host.session.trainer;
    h.host.handle({ type: 'configure', config: { ...CONFIG, model: big }, compare: [big] });
    await h.host.idle();
    expect(h.of('configError').at(-1)!.message).toMatch(
      /the 2 models compared need [\d.]+ (GiB|MiB) together on the CPU engine, over its memory budget of 1\.0 GiB/,
    );
    expect(h.host.session.trainer).toBe(trainer);
    expect(h.host.session.compare).toEqual([]);
  });

  test('removing the compared models trains the first alone again, and shows it', async () => {
    const h = await startCompared([GRU, RNN]);
    h.host.handle({ type: 'select', model: 2 });
    h.host.handle({ type: 'configure', config: CONFIG, compare: [] });
    await h.host.idle();
    expect(h.host.session.models).toHaveLength(1);
    expect(h.of('models').at(-1)!.models).toHaveLength(1);
    expect(h.of('models').at(-1)!.selected).toBe(0);
    expect(h.host.session.trainer).toBe(h.host.session.models[0].trainer);
  });

  test('a reset rebuilds every model of the set from the seed, the selection kept', async () => {
    const h = await startCompared([GRU, RNN]);
    h.host.handle({ type: 'select', model: 1 });
    const before = h.host.session.models.map((m) => m.trainer);
    h.host.handle({ type: 'reset' });
    await h.host.idle();
    const after = h.host.session.models;
    expect(after.map((m) => m.trainer.backend.model.cell)).toEqual(['lstm', 'gru', 'rnn']);
    expect(after.every((m, k) => m.trainer !== before[k] && m.trainer.step === 0)).toBe(true);
    expect(h.host.session.selected).toBe(1);
  });

  test('the compare list is checked: at most two beside the first, each a valid model', () => {
    expect(() =>
      parseUiMessage({ type: 'configure', config: CONFIG, compare: [GRU, RNN, GRU] }),
    ).toThrow(/configure.compare must be a list of at most 2 models/);
    expect(() =>
      parseUiMessage({ type: 'configure', config: CONFIG, compare: [{ ...GRU, cell: 'tcn' }] }),
    ).toThrow(/configure.compare\[0\].cell must be one of/);
    expect(() => parseUiMessage({ type: 'select', model: -1 })).toThrow(/select.model/);
    expect(
      parseUiMessage({ type: 'configure', config: CONFIG, compare: [{ ...GRU, x: 1 }] }),
    ).toEqual({ type: 'configure', config: CONFIG, compare: [GRU] });
  });
});
