// The worker refuses messages it cannot act on, naming the field, and loses
// nothing: the settings, the probe and the training loop stay as they were.
// Driven through the real message handler (worker/host.ts) on the CPU engine,
// plus the checker itself (worker/validate.ts) on crafted messages.

import { afterEach, describe, expect, test } from 'vitest';
import { EXPORT_CHOICES } from '../../../src/worker/protocol';
import { MessageError, parseUiMessage } from '../../../src/worker/validate';
import { until } from '../../helpers/until';
import { CONFIG, startHost, startWithModel, stepsAdvance, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const REQUEST = { id: 9, prime: 'the', temperature: 0.8, topK: 0, length: 50, seed: 1 };

describe('bad settings are refused and change nothing', () => {
  for (const learningRate of [NaN, -5]) {
    test(`learning rate ${learningRate}: setLive and configure refused, naming the field`, async () => {
      const h = (harness = await startWithModel());
      const trainer = h.host.session.trainer!;
      const config = structuredClone(h.host.session.config);
      const optimizer = { ...CONFIG.train.optimizer, learningRate };
      h.host.handle({ type: 'setLive', optimizer, regularization: CONFIG.train.regularization });
      h.host.handle({
        type: 'configure',
        config: { ...CONFIG, train: { ...CONFIG.train, optimizer } },
      });
      await h.host.idle();

      const refused = h.of('configError').map((m) => m.message);
      expect(refused).toEqual([
        expect.stringMatching(/^setLive\.optimizer\.learningRate must be/),
        expect.stringMatching(/^configure\.train\.optimizer\.learningRate must be/),
      ]);
      expect(refused[0]).toContain(String(learningRate));
      // The reply carries the settings still in use, so the page puts its fields back.
      for (const m of h.of('configError')) expect(m.config).toEqual(config);
      expect(h.host.session.config).toEqual(config);
      expect(h.host.session.trainer).toBe(trainer);
      expect(trainer.optimizerConfig.learningRate).toBe(CONFIG.train.optimizer.learningRate);
    });
  }
});

describe('a bad sampling request is a sampling error, and training goes on', () => {
  test('temperature 0 through the worker: sampleError for its id, training continues', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'train' });
    h.host.handle({ type: 'sample', request: { ...REQUEST, temperature: 0 } });
    await h.host.idle();
    expect(h.of('sampleError')).toEqual([
      { type: 'sampleError', id: 9, message: 'sample.temperature must be a number > 0, got 0' },
    ]);
    const trainer = h.host.session.trainer!;
    await stepsAdvance(h, 5);
    expect(trainer.isTraining).toBe(true);
    expect(h.of('error')).toEqual([]);
  });

  test('the trainer checks a request itself: temperature 0 or NaN never reaches the loop', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'train' });
    await h.host.idle();
    const trainer = h.host.session.trainer!;
    trainer.sample({ ...REQUEST, id: 11, temperature: 0 });
    trainer.sample({ ...REQUEST, id: 12, temperature: NaN });
    trainer.sample({ ...REQUEST, id: 13, topK: -1 });
    expect(h.of('sampleError').map((m) => [m.id, m.message])).toEqual([
      [11, 'temperature must be a number > 0, got 0'],
      [12, 'temperature must be a number > 0, got NaN'],
      [13, 'topK must be a whole number from 0 to 65536, got -1'],
    ]);
    await stepsAdvance(h, 5);
    expect(trainer.isTraining).toBe(true);
    // And a good request after them streams.
    trainer.sample({ ...REQUEST, id: 14 });
    await until('sample 14 done', () => h.of('sample').some((m) => m.id === 14 && m.done));
  });

  test('topK, length and seed are checked as the request arrives', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'sample', request: { ...REQUEST, id: 1, topK: 2.5 } });
    h.host.handle({ type: 'sample', request: { ...REQUEST, id: 2, length: 0 } });
    h.host.handle({ type: 'sample', request: { ...REQUEST, id: 3, seed: -1 } });
    h.host.handle({ type: 'sample', request: { ...REQUEST, id: 4, prime: 5 } });
    h.host.handle({ type: 'sample', request: { ...REQUEST, id: 5, prime: 'a'.repeat(1001) } });
    await h.host.idle();
    expect(h.of('sampleError').map((m) => [m.id, m.message])).toEqual([
      [1, 'sample.topK must be a whole number from 0 to 65536, got 2.5'],
      [2, 'sample.length must be a whole number from 1 to 100000, got 0'],
      [3, `sample.seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`],
      [4, 'sample.prime must be a string, got 5'],
      [5, 'sample.prime must be at most 1000 characters, got 1001'],
    ]);
  });
});

describe('setProbe with a non-string', () => {
  test('is refused; the loop lives and the probe in use survives a reset', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'setProbe', text: 'the fox' });
    h.host.handle({ type: 'train' });
    h.host.handle({ type: 'setProbe', text: 42 });
    await h.host.idle();
    expect(h.of('error').map((m) => m.message)).toEqual([
      'a message was refused: setProbe.text must be a string, got 42',
    ]);
    expect(h.host.session.probeText).toBe('the fox');
    await stepsAdvance(h, 5);

    h.host.handle({ type: 'reset' });
    h.host.handle({ type: 'train' });
    await h.host.idle();
    const resetAt = h.messages.findLastIndex((m) => m.type === 'model');
    await until('a snapshot of the new model', () =>
      h.messages.slice(resetAt).some((m) => m.type === 'probe'),
    );
    const probe = h.messages.slice(resetAt).find((m) => m.type === 'probe');
    expect(probe?.type === 'probe' && probe.chars.join('')).toBe('the fox');
    await stepsAdvance(h, 5);
    expect(h.host.session.trainer!.isTraining).toBe(true);
  });
});

describe('messages of unknown shape', () => {
  test('an unknown type, a non-object and a bad id are refused with a clear error', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'format-disk' });
    h.host.handle(null);
    h.host.handle({ type: 'setCorpus', id: 'x', name: 'a', text: 'b' });
    h.host.handle({ type: 'setCorpus', id: 4, name: 'a', text: 7 });
    h.host.handle({ type: 'export', id: 2, choice: 'pickle' });
    await h.host.idle();
    expect(h.of('error').map((m) => m.message)).toEqual([
      'a message was refused: unknown message type "format-disk"',
      'a message was refused: a message must be an object, got null',
      'a message was refused: setCorpus.id must be a whole number ≥ 0, got "x"',
    ]);
    expect(h.of('corpusError')).toEqual([
      { type: 'corpusError', id: 4, message: 'setCorpus.text must be a string, got 7' },
    ]);
    expect(h.of('exportError')).toEqual([
      {
        type: 'exportError',
        id: 2,
        message: `export.choice must be one of ${EXPORT_CHOICES.join(', ')}, got "pickle"`,
      },
    ]);
  });
});

describe('parseUiMessage', () => {
  const refuses = (data: unknown, field: string) => {
    let error: unknown;
    try {
      parseUiMessage(data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageError);
    expect((error as MessageError).field).toBe(field);
  };

  test('keeps only the declared fields of a valid message', () => {
    const parsed = parseUiMessage({
      type: 'sample',
      request: { ...REQUEST, extra: 1 },
      __proto__: { polluted: true },
      more: 'ignored',
    });
    expect(parsed).toEqual({ type: 'sample', request: REQUEST });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  test('refuses each field of the wrong kind, naming it', () => {
    refuses({ type: 'toString' }, 'type');
    refuses(
      { type: 'configure', config: { ...CONFIG, model: { ...CONFIG.model, hiddenSize: 4096 } } },
      'configure.model.hiddenSize',
    );
    refuses(
      { type: 'configure', config: { ...CONFIG, train: { ...CONFIG.train, seqLen: '8' } } },
      'configure.train.seqLen',
    );
    refuses({ type: 'configure', config: { ...CONFIG, backend: 'tpu' } }, 'configure.backend');
    refuses({ type: 'configure', config: { ...CONFIG, model: null } }, 'configure.model');
    refuses(
      { type: 'setLive', ...CONFIG.train, optimizer: { ...CONFIG.train.optimizer, beta1: '0.9' } },
      'setLive.optimizer.beta1',
    );
    refuses(
      {
        type: 'setLive',
        optimizer: CONFIG.train.optimizer,
        regularization: { ...CONFIG.train.regularization, dropout: 1 },
      },
      'setLive.regularization.dropout',
    );
    refuses({ type: 'stopSample', id: 1.5 }, 'stopSample.id');
    refuses({ type: 'loadCorpusFile', id: 1, file: 'a.txt' }, 'loadCorpusFile.file');
    refuses(
      { type: 'import', id: 1, corpusId: 2, files: [], adoptVocabulary: false },
      'import.files',
    );
    refuses(
      { type: 'import', id: 1, corpusId: 2, files: [new Blob(['x'])], adoptVocabulary: 'yes' },
      'import.adoptVocabulary',
    );
    refuses({ type: 'resumeRun', runId: 5, corpusId: 1 }, 'resumeRun.runId');
    refuses({ type: 'deleteRun', runId: { id: 'x' } }, 'deleteRun.runId');
  });

  test('takes files as File or Blob', () => {
    const parsed = parseUiMessage({ type: 'loadCorpusFile', id: 1, file: new Blob(['hello']) });
    expect(parsed.type === 'loadCorpusFile' && parsed.file).toBeInstanceOf(File);
  });
});
