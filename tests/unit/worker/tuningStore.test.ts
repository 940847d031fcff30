// worker/tuningStore.ts over fake-indexeddb: what one visit keeps (Auto's
// decisions, the autotune's choices) the next reads back; a malformed stored
// decision is dropped, not trusted; "Measure again" forgets; and a storage
// that fails to open or to write leaves a working memory-only store.

import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { openTuningStore, type EngineDecision } from '../../../src/worker/tuningStore';

const DECISION: EngineDecision = {
  pick: 'cpu',
  speedup: 6.1,
  cut: true,
  ms: { cpu: 14, webgpu: 86 },
  calibrationMs: 120,
  at: Date.now(),
};

/** Resolves once the write queued by the store has committed (a read in a later transaction). */
async function reopened(factory: IDBFactory) {
  // IndexedDB runs transactions in order: a new store's read sees every earlier write.
  return openTuningStore(factory);
}

describe('the tuning store', () => {
  it('keeps decisions and autotune choices for the next visit', async () => {
    const factory = new IDBFactory();
    const first = await openTuningStore(factory);
    expect(first.persistent).toBe(true);
    first.remember('adapter :: lm lstm :: CPU', DECISION);
    first.saveAutotune([['adapter', [['gemm 1x2x3', 'reg4x8']]]]);
    const second = await reopened(factory);
    expect(second.decision('adapter :: lm lstm :: CPU')).toEqual(DECISION);
    expect(second.autotune).toEqual([['adapter', [['gemm 1x2x3', 'reg4x8']]]]);
    second.forget((key) => key.startsWith('adapter :: '));
    expect(second.decision('adapter :: lm lstm :: CPU')).toBeUndefined();
    expect((await reopened(factory)).decision('adapter :: lm lstm :: CPU')).toBeUndefined();
  });

  it('drops malformed and stale decisions', async () => {
    const factory = new IDBFactory();
    const store = await openTuningStore(factory);
    store.remember('good', DECISION);
    store.remember('old', { ...DECISION, at: Date.now() - 365 * 24 * 3600 * 1000 });
    // A record altered by hand (or by an older gatescope) in the database itself.
    await new Promise<void>((resolve, reject) => {
      const req = factory.open('gatescope-tuning', 1);
      req.onsuccess = () => {
        const tx = req.result.transaction('entries', 'readwrite');
        const entries = tx.objectStore('entries');
        const get = entries.get('decisions');
        get.onsuccess = () => {
          entries.put({ ...get.result, bad: { ...DECISION, pick: 'tpu' } }, 'decisions');
        };
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
      req.onerror = () => reject(req.error);
    });
    const next = await reopened(factory);
    expect(next.decision('good')).toEqual(DECISION);
    expect(next.decision('bad')).toBeUndefined();
    expect(next.decision('old')).toBeUndefined();
  });

  it('works from memory when the storage cannot open or write', async () => {
    const cannotOpen = {
      open() {
        throw new DOMException('no storage in private mode', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    const memory = await openTuningStore(cannotOpen);
    expect(memory.persistent).toBe(false);
    memory.remember('k', DECISION);
    expect(memory.decision('k')).toEqual(DECISION);

    // Opens, but every write fails (a full quota): the store goes on in memory.
    const factory = new IDBFactory();
    const store = await openTuningStore(factory);
    const debug: unknown[] = [];
    const original = console.debug;
    console.debug = (...args: unknown[]) => debug.push(args);
    try {
      store.remember('k', { ...DECISION, ms: { cpu: 1, webgpu: 2 }, speedup: 2 });
      // fake-indexeddb refuses a value it cannot clone: the write's failure path, really taken.
      store.saveAutotune([() => 'not cloneable']);
      expect(store.decision('k')?.speedup).toBe(2);
      await expect.poll(() => debug.length).toBeGreaterThan(0);
    } finally {
      console.debug = original;
    }
  });
});
