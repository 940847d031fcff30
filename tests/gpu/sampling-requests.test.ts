// On the GPU engine, through the worker's real message handler: a bad
// sampling request is the request's error (sampleError), never taken for a
// GPU fault (which would move the run to the CPU), and a generation stopped
// or replaced while its chunk is on the GPU ends cleanly; training goes on,
// on WebGPU, throughout.

import { IDBFactory } from 'fake-indexeddb';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../src/engine/config';
import type { EngineMessage, EngineMessageOf, RunConfig } from '../../src/worker/protocol';
import { openRunStore } from '../../src/io/storage';
import { createWorkerHost } from '../../src/worker/host';
import { until } from '../helpers/until';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
// The session asks navigator.gpu for its own device, as in the browser worker.
Object.defineProperty(globalThis, 'navigator', {
  value: { ...globalThis.navigator, gpu: harness.gpu },
  configurable: true,
});
afterAll(() => harness.close());

const TEXT = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);
const CONFIG: RunConfig = {
  model: { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 8, hiddenSize: 16, layers: 1 },
  train: {
    seqLen: 8,
    batchSize: 4,
    seed: 3,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
  },
  backend: 'webgpu',
};
const REQUEST = { id: 1, prime: 'the', temperature: 0.8, topK: 0, length: 4000, seed: 1 };

async function startOnGpu() {
  const messages: EngineMessage[] = [];
  const host = createWorkerHost({
    post: (m) => messages.push(m),
    device: Promise.resolve({ webgpu: true }),
    openStore: () => openRunStore({ indexedDB: new IDBFactory(), storage: null }),
  });
  host.handle({ type: 'configure', config: CONFIG });
  host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
  host.handle({ type: 'train' });
  await host.idle();
  const trainer = host.session.trainer!;
  expect(trainer.backend.info.kind).toBe('webgpu');
  const of = <K extends EngineMessage['type']>(type: K) =>
    messages.filter((m): m is EngineMessageOf<K> => m.type === type);
  const stepsAdvance = async (more: number) => {
    const from = trainer.step;
    await until(`${more} more GPU steps`, () => trainer.step >= from + more);
  };
  return { host, trainer, messages, of, stepsAdvance };
}

describe('sampling requests on the GPU engine', () => {
  test('temperature 0 is a sampleError; the run stays on WebGPU and keeps training', async () => {
    const { host, trainer, of, stepsAdvance } = await startOnGpu();
    host.handle({ type: 'sample', request: { ...REQUEST, id: 2, temperature: 0 } });
    await host.idle();
    // Past the worker's check, straight to the trainer: refused there too.
    trainer.sample({ ...REQUEST, id: 3, temperature: 0 });
    expect(of('sampleError').map((m) => m.id)).toEqual([2, 3]);
    await stepsAdvance(5);
    expect(host.session.trainer).toBe(trainer);
    expect(trainer.isTraining).toBe(true);
    expect(of('error')).toEqual([]);
    await trainer.dispose();
  });

  test('generations stopped or replaced while their chunk is on the GPU end cleanly', async () => {
    const { host, trainer, of, stepsAdvance } = await startOnGpu();
    for (const id of [10, 11, 12]) {
      host.handle({ type: 'sample', request: { ...REQUEST, id } });
      await until(`a first chunk of sample ${id}`, () =>
        of('sample').some((m) => m.id === id && m.text.length > 0),
      );
      host.handle({ type: 'stopSample', id });
      await host.idle();
    }
    // A new request replacing one in flight.
    host.handle({ type: 'sample', request: { ...REQUEST, id: 13 } });
    await until('a first chunk of sample 13', () => of('sample').some((m) => m.id === 13));
    host.handle({ type: 'sample', request: { ...REQUEST, id: 14, length: 30 } });
    await until('sample 14 done', () => of('sample').some((m) => m.id === 14 && m.done));

    for (const id of [10, 11, 12]) {
      const chunks = of('sample').filter((m) => m.id === id);
      expect(
        chunks.filter((m) => m.done),
        `sample ${id}`,
      ).toHaveLength(1);
      expect(chunks.at(-1)!.done).toBe(true);
    }
    await stepsAdvance(5);
    expect(host.session.trainer).toBe(trainer);
    expect(trainer.backend.info.kind).toBe('webgpu');
    expect(of('error')).toEqual([]);
    expect(of('sampleError')).toEqual([]);
    await trainer.dispose();
  });
});
