// Recall accuracy through the worker's real message handler on the CPU
// engine: with the delayed-recall text in use, each compared model posts its
// recall accuracy, tagged with its index, at step 0 and with each validation
// run after; with any other text no model does. The worker tells the task by
// the text, so the corpus's name plays no part.

import { afterEach, describe, expect, test } from 'vitest';
import { delayedRecallCorpus } from '../../../src/corpora/delayedRecall';
import type { ModelSettings } from '../../../src/worker/protocol';
import { until } from '../../helpers/until';
import { CONFIG, startHost, TEXT, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const GRU: ModelSettings = { ...CONFIG.model, cell: 'gru', hiddenSize: 20 };
const RNN: ModelSettings = { ...CONFIG.model, cell: 'rnn', hiddenSize: 36 };

async function startCompared(text: string): Promise<Harness> {
  const h = (harness = startHost());
  h.host.handle({ type: 'configure', config: CONFIG, compare: [GRU, RNN] });
  h.host.handle({ type: 'setCorpus', id: 1, name: 'some text', text });
  await h.host.idle();
  await until('the models', () => h.host.session.models.length === 3);
  return h;
}

describe('recall accuracy from the worker', () => {
  test('each compared model posts its own on a delayed-recall text, with each validation run', async () => {
    const h = await startCompared(delayedRecallCorpus(5, 6000, 8));
    await until('every model’s step-0 recall', () =>
      [0, 1, 2].every((k) => h.of('recall').some((m) => m.model === k && m.step === 0)),
    );
    h.host.handle({ type: 'train' });
    // The trainer validates every 25 steps (DEFAULT_TRAINER_OPTIONS).
    await until('every model’s recall at step 25', () =>
      [0, 1, 2].every((k) => h.of('recall').some((m) => m.model === k && m.step === 25)),
    );
    for (const m of h.of('recall')) {
      expect([0, 1, 2]).toContain(m.model);
      expect(m.step % 25).toBe(0);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(m.positions).toBeGreaterThan(0);
      expect(m.chance).toBe(0.25);
    }
    // The same validation pieces for every model.
    expect(new Set(h.of('recall').map((m) => m.positions)).size).toBe(1);
  });

  test('no model posts one on another text', async () => {
    const h = await startCompared(TEXT);
    h.host.handle({ type: 'train' });
    await until('a validation loss at step 25 from every model', () =>
      [0, 1, 2].every((k) =>
        h
          .of('metrics')
          .some(
            (m) => (m.model ?? 0) === k && m.validation.some((v, i) => i % 2 === 0 && v === 25),
          ),
      ),
    );
    expect(h.of('recall')).toEqual([]);
  });
});
