// Saved runs in IndexedDB (fake-indexeddb, a complete in-memory implementation
// of the standard API): save, list, load, delete, shared corpora, the quota
// check, and the autosaver's timing and error handling.

import { afterEach, describe, expect, test, vi } from 'vitest';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import {
  checkQuota,
  createAutosaver,
  newRunId,
  StorageError,
  StorageFullError,
  type SaveRunInput,
} from '../../../src/io/storage';
import { tinyModel } from '../../helpers/io';
import { runInput, runStores } from '../../helpers/runStore';

const model = tinyModel(1);
/** A ceiling for `vi.waitFor` (its own is 1 s): IndexedDB work on a loaded machine can take longer. */
const WAIT = { timeout: 30_000, interval: 20 };
const stores = runStores();
const store = (storage: Pick<StorageManager, 'estimate'> | null = null) =>
  stores.open({ indexedDB: new IDBFactory(), storage });
const input = (over: Partial<SaveRunInput> = {}) => runInput(model, over);

afterEach(() => {
  vi.useRealTimers();
});

describe('RunStore', () => {
  test('saves, lists newest first, loads and deletes runs', async () => {
    const s = await store();
    // The clock decides "newest": set it, rather than sleep until it has moved on.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const first = await s.saveRun(input({ name: 'first' }));
    vi.setSystemTime(2_000_000);
    const second = await s.saveRun(input({ name: 'second', step: 20, lastLoss: 1.5 }));
    expect((await s.listRuns()).map((r) => r.name)).toEqual(['second', 'first']);
    expect((await s.latestRun())?.id).toBe(second.id);
    expect(second).toMatchObject({
      step: 20,
      lastLoss: 1.5,
      checkpointBytes: 1000,
      corpusLength: 11,
      model,
    });

    const loaded = await s.loadRun(first.id);
    expect(loaded.corpus).toBe('hello world');
    expect(loaded.checkpoint).toEqual(input().checkpoint);
    expect(loaded.info.name).toBe('first');

    await s.deleteRun(first.id);
    expect((await s.listRuns()).map((r) => r.name)).toEqual(['second']);
    await expect(s.loadRun(first.id)).rejects.toMatchObject({ code: 'storage-failed' });
    // A storage failure, not a bad file: the page words the two differently.
    await expect(s.loadRun(first.id)).rejects.toBeInstanceOf(StorageError);
    // The corpus is shared with the second run, so it stays.
    expect((await s.loadRun(second.id)).corpus).toBe('hello world');
    await s.deleteRun(second.id);
    expect(await s.listRuns()).toEqual([]);
    expect(await s.latestRun()).toBeUndefined();
  });

  test('saving a run again replaces its checkpoint and keeps its creation time', async () => {
    const s = await store();
    const id = newRunId();
    const a = await s.saveRun(input({ id, step: 1 }));
    const b = await s.saveRun(input({ id, step: 2, checkpoint: new Uint8Array([9, 9]) }));
    expect(b.createdAt).toBe(a.createdAt);
    expect(await s.listRuns()).toHaveLength(1);
    expect((await s.loadRun(id)).checkpoint).toEqual(new Uint8Array([9, 9]));
  });

  test('refuses a save past the quota with a clear message, and counts only the growth', async () => {
    const estimate = vi.fn(async () => ({ usage: 9_000_000, quota: 10_000_000 }));
    const s = await store({ estimate });
    const id = newRunId();
    await s.saveRun(input({ id, checkpoint: new Uint8Array(900_000) }));
    // Replacing the same-size checkpoint needs no new room even though usage is near quota.
    await s.saveRun(input({ id, checkpoint: new Uint8Array(900_000) }));
    let err: unknown;
    try {
      await s.saveRun(input({ checkpoint: new Uint8Array(2_000_000) }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(
      /browser storage is full: 9\.0 MB used of 10\.0 MB.*Delete saved runs/,
    );
    expect(await s.listRuns()).toHaveLength(1);
  });

  test("the browser's own QuotaExceededError becomes a StorageFullError", async () => {
    const s = await store();
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    });
    try {
      await expect(s.saveRun(input())).rejects.toBeInstanceOf(StorageFullError);
    } finally {
      put.mockRestore();
    }
    expect(await s.listRuns()).toEqual([]);
  });

  test('checkQuota passes when the browser gives no estimate', async () => {
    expect(await checkQuota(1e12, null)).toBeNull();
    expect(await checkQuota(1e12, { estimate: async () => ({}) })).toBeNull();
    expect(await checkQuota(10, { estimate: async () => ({ usage: 1, quota: 100 }) })).toEqual({
      usage: 1,
      quota: 100,
    });
  });
});

describe('createAutosaver', () => {
  test('saves every interval while started, and once more on demand (pause)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = await store();
    const id = newRunId();
    let step = 0;
    const saved: number[] = [];
    const saver = createAutosaver({
      store: s,
      intervalMs: 1000,
      capture: async () => input({ id, step: ++step }),
      onSaved: (info) => saved.push(info.step),
    });
    saver.start();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved).toEqual([1]), WAIT);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved).toEqual([1, 2]), WAIT);
    saver.stop();
    await vi.advanceTimersByTimeAsync(5000);
    const last = await saver.saveNow();
    expect(last?.step).toBe(3);
    expect(saved).toEqual([1, 2, 3]);
    expect((await s.latestRun())?.step).toBe(3);
  });

  test('reports a full storage and stops instead of retrying', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = await store({ estimate: async () => ({ usage: 100, quota: 100 }) });
    const errors: string[] = [];
    const capture = vi.fn(async () => input());
    const saver = createAutosaver({
      store: s,
      intervalMs: 100,
      capture,
      onError: (e) => errors.push(e instanceof StorageError ? e.code : String(e)),
    });
    saver.start();
    await vi.advanceTimersByTimeAsync(100);
    await vi.waitFor(() => expect(errors).toEqual(['storage-full']), WAIT);
    await vi.advanceTimersByTimeAsync(1000);
    expect(capture).toHaveBeenCalledTimes(1);
  });
});
