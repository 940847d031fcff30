// Tagging models in the worker session (CPU engine): the task is derived from
// the corpus text in use (space or case restoration), V is the derived
// input's vocabulary, every validation run is scored over the whole held-out
// part ('taskScores'), and the gate snapshots show the derived probe input
// with its truth; uni and bi side by side in one comparison; refusals that
// say why.
//
// Dimension legend: B batch, T window, H hidden, V vocabulary, P probe length.

import { afterEach, describe, expect, test } from 'vitest';
import { agreementCorpus } from '../../../src/corpora/agreement';
import { deriveTask } from '../../../src/tasks/tagging';
import { until } from '../../helpers/until';
import type { RunConfig } from '../../../src/worker/protocol';
import { CONFIG, startHost, type Harness } from './harness';

const TEXT = agreementCorpus(1, 12_000);
const PROBE = 'The cats which often saw the dog were tired.';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

function taggingConfig(task: 'spaces' | 'case', direction: 'uni' | 'bi'): RunConfig {
  return {
    ...CONFIG,
    model: { ...CONFIG.model, task, direction, embedSize: 12, hiddenSize: 24 },
    train: {
      ...CONFIG.train,
      seqLen: 24,
      batchSize: 8,
      optimizer: { ...CONFIG.train.optimizer, learningRate: 1e-2 },
    },
  };
}

async function start(config: RunConfig, compare?: RunConfig['model'][]): Promise<Harness> {
  const h = (harness = startHost());
  h.host.handle({ type: 'configure', config, ...(compare ? { compare } : {}) });
  h.host.handle({ type: 'setCorpus', id: 1, name: 'agreement', text: TEXT, probe: PROBE });
  await h.host.idle();
  await until('the first model', () => h.host.session.trainer !== null);
  return h;
}

/** Trains until model `model` has been scored at `step` or later; returns its scores in order. */
async function trainUntilScored(h: Harness, step: number, model = 0) {
  h.host.handle({ type: 'train' });
  const scores = () => h.of('taskScores').filter((m) => (m.model ?? 0) === model);
  await until(`scores at step ${step}`, () => scores().some((s) => s.step >= step), 60_000);
  h.host.handle({ type: 'pause' });
  await h.host.idle();
  return scores();
}

describe('tagging in the worker', () => {
  for (const direction of ['uni', 'bi'] as const) {
    test(`spaces, ${direction}: V is the derived input's, accuracy and F1 rise, snapshots carry the truth`, async () => {
      const h = await start(taggingConfig('spaces', direction));
      const derived = deriveTask('spaces', TEXT);
      const vocab = new Set(derived.input);
      expect(h.host.session.trainer!.backend.model.vocabSize).toBe(vocab.size);
      expect(vocab.has(' ')).toBe(false);

      const scores = await trainUntilScored(h, 300);
      const first = scores[0];
      const last = scores[scores.length - 1];
      expect(first.step).toBe(0);
      if (first.kind !== 'tagging' || last.kind !== 'tagging') throw new Error('tagging scores');
      expect(last.accuracy).toBeGreaterThan(first.accuracy);
      expect(last.f1).toBeGreaterThan(first.f1 + 0.2);
      // The loss curves go on: cross-entropy of the K = 2 classes, below ln 2 once learned.
      // (Interleaved (step, loss) pairs; the pause's last report may follow the scores, so the
      // test waits for the validation loss of the last scored step.)
      const validation = () => h.of('metrics').flatMap((m) => [...m.validation]);
      await until('the validation loss of the last scored step', () => {
        const v = validation();
        return v.length > 2 && v[v.length - 2] >= last.step;
      });
      expect(validation().at(-1)).toBeLessThan(Math.log(2));

      const probe = h.of('probe').at(-1)!;
      const probeTask = deriveTask('spaces', PROBE);
      expect(probe.chars.join('')).toBe(probeTask.input);
      expect([...probe.truth!]).toEqual([...probeTask.labels]);
      expect(probe.nextCharProb.length).toBe(probe.chars.length);
      for (const p of probe.nextCharProb) expect(p).toBeGreaterThanOrEqual(0);
      // Both directions' layers of a bidirectional model, in text order.
      expect(probe.reverse !== undefined).toBe(direction === 'bi');
      if (direction === 'bi') {
        expect(probe.reverse!.length).toBe(probe.layers.length);
        expect(probe.reverse![0].h!.length).toBe(probe.chars.length * 24);
      }
      // A bidirectional model has no gradient flow; its diagnostics say why.
      const diagnostics = h.of('diagnostics').at(-1)!;
      if (direction === 'bi') expect(diagnostics.flowProblem).toMatch(/left-to-right models only/);
      expect(h.of('error')).toEqual([]);
    }, 180_000);
  }

  test('case: the lower-cased text in, capitals found', async () => {
    const h = await start(taggingConfig('case', 'uni'));
    const vocab = new Set(deriveTask('case', TEXT).input);
    expect(h.host.session.trainer!.backend.model.vocabSize).toBe(vocab.size);
    const scores = await trainUntilScored(h, 300);
    const last = scores.at(-1)!;
    if (last.kind !== 'tagging' || scores[0].kind !== 'tagging') throw new Error('tagging scores');
    expect(last.f1).toBeGreaterThan(scores[0].f1);
    const probe = h.of('probe').at(-1)!;
    expect(probe.chars.join('')).toBe(PROBE.toLowerCase());
    expect(probe.truth![0]).toBe(1); // "The"
  }, 180_000);

  test('a uni and a bi tagger side by side: both scored, each with its index, bi ahead', async () => {
    const config = taggingConfig('spaces', 'uni');
    const h = await start(config, [{ ...config.model, direction: 'bi' }]);
    expect(h.host.session.models.map((m) => m.trainer.backend.model.direction)).toEqual([
      'uni',
      'bi',
    ]);
    await trainUntilScored(h, 300, 1);
    const byModel = (k: number) => h.of('taskScores').filter((m) => (m.model ?? 0) === k);
    // They take turns, so both reach step 300; the one reading both ways finds more spaces.
    const [uni, bi] = [0, 1].map((k) => byModel(k).find((s) => s.step === 300)!);
    if (uni.kind !== 'tagging' || bi.kind !== 'tagging') throw new Error('tagging scores');
    expect(bi.f1).toBeGreaterThan(uni.f1);
    expect(h.of('probe').some((p) => p.model === 1 && p.reverse !== undefined)).toBe(true);
  }, 180_000);

  test('refusals say why: bi with next-character prediction, sampling on a tagger', async () => {
    const h = await start(taggingConfig('spaces', 'uni'));
    h.host.handle({
      type: 'configure',
      config: { ...CONFIG, model: { ...CONFIG.model, direction: 'bi' } },
    });
    h.host.handle({
      type: 'sample',
      request: { id: 7, prime: 'the', length: 10, temperature: 1, topK: 0, seed: 1 },
    });
    await h.host.idle();
    await until('the sample refusal', () => h.of('sampleError').length > 0);
    expect(h.of('configError').at(-1)!.message).toMatch(
      /next-character prediction needs a left-to-right model/,
    );
    expect(h.of('sampleError')[0].message).toMatch(/tagging model .* does not generate text/);
  }, 60_000);
});
