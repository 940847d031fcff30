// Commands apply in the order the page sent them, through the worker's real
// message handler (worker/host.ts) on the CPU engine: each sequence here was
// lost or reordered when some commands ran at once and others waited in the
// session's queue.

import { afterEach, describe, expect, test } from 'vitest';
import { loadCheckpoint } from '../../../src/io';
import { until } from '../../helpers/until';
import { CONFIG, startWithModel, stepsAdvance, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('the worker applies commands in the order they were sent', () => {
  test('a learning rate sent after a settings change applies to the new model and its checkpoint', async () => {
    const h = (harness = await startWithModel());
    const before = h.host.session.trainer!;
    const resized = { ...CONFIG, model: { ...CONFIG.model, hiddenSize: 24 } };
    const optimizer = { ...CONFIG.train.optimizer, learningRate: 0.05 };
    h.host.handle({ type: 'configure', config: resized });
    h.host.handle({ type: 'setLive', optimizer, regularization: CONFIG.train.regularization });
    await h.host.idle();

    const trainer = h.host.session.trainer!;
    expect(trainer).not.toBe(before);
    expect(trainer.backend.model.hiddenSize).toBe(24);
    expect(trainer.optimizerConfig.learningRate).toBe(0.05);
    expect(h.host.session.config!.train.optimizer.learningRate).toBe(0.05);
    const saved = loadCheckpoint((await h.host.session.checkpoint()).bytes);
    expect(saved.kind).toBe('checkpoint');
    if (saved.kind === 'checkpoint') expect(saved.train.optimizer.learningRate).toBe(0.05);
  });

  test('each model says which configure it was built after, so the page can tell an outdated one', async () => {
    const h = (harness = await startWithModel());
    const wide = { ...CONFIG, model: { ...CONFIG.model, hiddenSize: 24 } };
    const narrow = { ...CONFIG, model: { ...CONFIG.model, hiddenSize: 12 } };
    h.host.handle({ type: 'configure', config: wide, seq: 4 });
    h.host.handle({ type: 'configure', config: narrow, seq: 5 });
    // A refused one is counted too: the settings after it are the worker's again.
    h.host.handle({
      type: 'configure',
      config: { ...CONFIG, model: { ...CONFIG.model, layers: 0 } },
      seq: 6,
    });
    h.host.handle({ type: 'reset' });
    await h.host.idle();
    const built = h.of('model').map((m) => [m.config.model.hiddenSize, m.configSeq]);
    expect(built.slice(-3)).toEqual([
      [24, 4],
      [12, 5],
      [12, 6],
    ]);
  });

  test('stopSample right after sample ends that sample: done, and no chunk after it', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'train' });
    const request = { id: 7, prime: 'the', temperature: 1, topK: 0, length: 5000, seed: 1 };
    h.host.handle({ type: 'sample', request });
    h.host.handle({ type: 'stopSample', id: 7 });
    await h.host.idle();
    await until('the end of sample 7', () => h.of('sample').some((m) => m.id === 7 && m.done));

    // Training goes on for a while: a generation still running would stream meanwhile.
    await stepsAdvance(h, 10);
    const chunks = h.of('sample').filter((m) => m.id === 7);
    expect(chunks.filter((m) => m.done)).toHaveLength(1);
    expect(chunks[chunks.length - 1].done).toBe(true);
    expect(chunks.map((m) => m.text).join('').length).toBeLessThan(request.length);
    expect(h.of('sampleError')).toEqual([]);
  });

  test('pause after reset and train leaves the new model paused', async () => {
    const h = (harness = await startWithModel());
    const before = h.host.session.trainer!;
    h.host.handle({ type: 'reset' });
    h.host.handle({ type: 'train' });
    h.host.handle({ type: 'pause' });
    await h.host.idle();

    const trainer = h.host.session.trainer!;
    expect(trainer).not.toBe(before);
    expect(trainer.isTraining).toBe(false);
    // The loop settles (outstanding losses, a last snapshot) and says it is paused.
    await until('the loop at rest', () => h.of('status').at(-1)?.status.training === false);
    expect(h.of('status').at(-1)!.status).toMatchObject({ ready: true, training: false });
  });

  test('a sample sent while a model is being built goes to the new model', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({
      type: 'configure',
      config: { ...CONFIG, model: { ...CONFIG.model, layers: 2 } },
    });
    h.host.handle({
      type: 'sample',
      request: { id: 3, prime: 'the', temperature: 0.8, topK: 0, length: 20, seed: 2 },
    });
    await until('sample 3 done', () => h.of('sample').some((m) => m.id === 3 && m.done));
    const modelAt = h.messages.findLastIndex((m) => m.type === 'model');
    const firstChunk = h.messages.findIndex((m) => m.type === 'sample' && m.id === 3);
    expect(firstChunk).toBeGreaterThan(modelAt);
    expect(h.host.session.trainer!.backend.model.layers).toBe(2);
  });
});
