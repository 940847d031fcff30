// The engine worker's real message handler (worker/host.ts) in Node: the CPU
// engine (the device report says no WebGPU), saved runs in fake-indexeddb,
// and every message the worker posts kept in order for the test to read.

import { IDBFactory } from 'fake-indexeddb';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../../src/engine/config';
import type { EngineMessage, EngineMessageOf, RunConfig } from '../../../src/worker/protocol';
import { openRunStore } from '../../../src/io/storage';
import { createWorkerHost, type WorkerHost } from '../../../src/worker/host';
import { until } from '../../helpers/until';

export const TEXT = 'the quick brown fox jumps over the lazy dog.\n'.repeat(60);

export const CONFIG: RunConfig = {
  model: { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 8, hiddenSize: 16, layers: 1 },
  train: {
    seqLen: 8,
    batchSize: 4,
    seed: 3,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 2e-3 },
  },
  backend: 'auto',
};

export interface Harness {
  host: WorkerHost;
  messages: EngineMessage[];
  /** Messages of one type, in the order they were posted. */
  of<K extends EngineMessage['type']>(type: K): EngineMessageOf<K>[];
  /** Waits for every command sent so far to apply, then stops the trainer. */
  close(): Promise<void>;
}

export function startHost(): Harness {
  const messages: EngineMessage[] = [];
  const host = createWorkerHost({
    post: (m) => messages.push(m),
    device: Promise.resolve({ webgpu: false, reason: 'these tests run the CPU engine' }),
    openStore: () => openRunStore({ indexedDB: new IDBFactory(), storage: null }),
  });
  const of = <K extends EngineMessage['type']>(type: K) =>
    messages.filter((m): m is EngineMessageOf<K> => m.type === type);
  return {
    host,
    messages,
    of,
    async close() {
      await host.idle();
      host.handle({ type: 'pause' });
      await host.idle();
      // Every model of the session: a comparison trains several.
      await host.session.dispose();
    },
  };
}

/** A harness with the small model built on TEXT and its first validation loss in. */
export async function startWithModel(): Promise<Harness> {
  const h = startHost();
  h.host.handle({ type: 'configure', config: CONFIG });
  h.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
  await h.host.idle();
  await until('the first model', () => h.host.session.trainer !== null);
  return h;
}

/** Waits until the trainer in use has taken `more` steps past where it is now. */
export async function stepsAdvance(h: Harness, more: number): Promise<void> {
  const trainer = h.host.session.trainer!;
  const from = trainer.step;
  await until(`${more} more steps`, () => trainer.step >= from + more);
}
