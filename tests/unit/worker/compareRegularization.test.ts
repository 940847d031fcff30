// A compared model's own regularisation, through the worker's real message
// handler on the CPU engine: it reaches that model's Trainer (and its
// checkpoints) while the first model trains with the run's; the run's live
// changes reach the first model and the models that follow it, never one
// with its own; the page is told what each trains with; the message is
// checked like the run's settings.

import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_REGULARIZATION, type RegularizationConfig } from '../../../src/engine/config';
import { loadCheckpoint } from '../../../src/io';
import type { CompareSettings } from '../../../src/worker/protocol';
import { parseUiMessage } from '../../../src/worker/validate';
import { until } from '../../helpers/until';
import { CONFIG, startHost, TEXT, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const DROPOUT: RegularizationConfig = { ...DEFAULT_REGULARIZATION, dropout: 0.3 };
/** The first model again, with dropout 0.3 of its own. */
const WITH_DROPOUT: CompareSettings = { ...CONFIG.model, regularization: DROPOUT };
/** A GRU that follows the run's regularisation. */
const FOLLOWS: CompareSettings = { ...CONFIG.model, cell: 'gru', hiddenSize: 20 };

async function startCompared(compare: CompareSettings[]): Promise<Harness> {
  const h = (harness = startHost());
  h.host.handle(parseUiMessage({ type: 'configure', config: CONFIG, compare }));
  h.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
  await h.host.idle();
  await until('the models', () => h.host.session.models.length === compare.length + 1);
  return h;
}

const trained = (h: Harness) => h.host.session.models.map((m) => m.trainer.regularizationConfig);

describe('a compared model with its own regularisation', () => {
  test('reaches that model’s trainer; the others train with the run’s; the page is told which', async () => {
    const h = await startCompared([WITH_DROPOUT, FOLLOWS]);
    expect(trained(h)).toEqual([DEFAULT_REGULARIZATION, DROPOUT, DEFAULT_REGULARIZATION]);
    const announced = h.of('models').at(-1)!.models;
    expect(announced.map((m) => [m.regularization, m.ownRegularization])).toEqual([
      [DEFAULT_REGULARIZATION, false],
      [DROPOUT, true],
      [DEFAULT_REGULARIZATION, false],
    ]);
    // Its model settings are the first one's: only the regularisation differs.
    expect(announced[1].model).toEqual(CONFIG.model);
    expect(announced[1].parameters).toBe(announced[0].parameters);

    // The model with dropout checkpoints its own regularisation, to resume as it trained.
    h.host.handle({ type: 'select', model: 1 });
    await h.host.idle();
    const saved = loadCheckpoint((await h.host.session.checkpoint()).bytes);
    expect(saved.kind).toBe('checkpoint');
    if (saved.kind === 'checkpoint') expect(saved.train.regularization).toEqual(DROPOUT);
  });

  test('the run’s live changes reach the first model and its followers, never a model’s own', async () => {
    const h = await startCompared([WITH_DROPOUT, FOLLOWS]);
    const live: RegularizationConfig = { dropout: 0.1, dropoutMode: 'variational', patience: 4 };
    const before = h.of('models').length;
    h.host.handle(
      parseUiMessage({
        type: 'setLive',
        optimizer: CONFIG.train.optimizer,
        regularization: live,
      }),
    );
    await h.host.idle();
    expect(trained(h)).toEqual([live, DROPOUT, live]);
    // The page hears of it, so its legend names what each model trains with now.
    expect(h.of('models').length).toBe(before + 1);
    expect(
      h
        .of('models')
        .at(-1)!
        .models.map((m) => m.regularization),
    ).toEqual([live, DROPOUT, live]);
    // A rebuild (reset) keeps the model's own and the run's new one.
    h.host.handle({ type: 'reset' });
    await h.host.idle();
    await until('the rebuilt models', () => h.host.session.models.length === 3);
    expect(trained(h)).toEqual([live, DROPOUT, live]);
  });

  test('the message is checked: a compared model’s regularisation as the run’s', () => {
    const bad = { ...WITH_DROPOUT, regularization: { ...DROPOUT, dropout: 0.95 } };
    expect(() => parseUiMessage({ type: 'configure', config: CONFIG, compare: [bad] })).toThrow(
      /configure.compare\[0\].regularization.dropout must be a number from 0 to 0.9/,
    );
    expect(() =>
      parseUiMessage({
        type: 'configure',
        config: CONFIG,
        compare: [{ ...CONFIG.model, regularization: 'none' }],
      }),
    ).toThrow(/configure.compare\[0\].regularization must be an object/);
    // Only the declared fields pass; none means "follows the run's".
    const parsed = parseUiMessage({
      type: 'configure',
      config: CONFIG,
      compare: [{ ...WITH_DROPOUT, regularization: { ...DROPOUT, x: 1 } }, FOLLOWS],
    });
    expect(parsed).toEqual({ type: 'configure', config: CONFIG, compare: [WITH_DROPOUT, FOLLOWS] });
  });
});
