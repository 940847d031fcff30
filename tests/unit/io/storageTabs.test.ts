// Saved runs shared by several tabs and outliving the code that wrote them
// (fake-indexeddb: one IDBFactory is one browser profile, each openRunStore a
// tab): a save never takes another writer's run back in steps; damaged or
// incomplete records are listed as such and never loaded; a newer tab that
// upgrades the database is not blocked by this one; an open blocked by an
// older tab says so and goes on once it closes.

import { afterEach, describe, expect, test } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import {
  isDamaged,
  newRunId,
  openRunStore,
  StaleRunError,
  type SaveRunInput,
  type StoreOptions,
} from '../../../src/io/storage';
import { tinyModel } from '../../helpers/io';
import { runInput, runStores } from '../../helpers/runStore';

const model = tinyModel(1);
const stores = runStores();
const raw: IDBDatabase[] = [];

afterEach(() => {
  for (const db of raw.splice(0)) db.close();
});

const tab = (factory: IDBFactory, extra: StoreOptions = {}) =>
  stores.open({ indexedDB: factory, ...extra });
const input = (over: Partial<SaveRunInput> = {}) => runInput(model, over);

/** A plain connection, as another page (or devtools) would hold it. */
function openRaw(factory: IDBFactory, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req =
      version === undefined ? factory.open('gatescope') : factory.open('gatescope', version);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const name of ['runs', 'checkpoints', 'corpora']) {
        if (!db.objectStoreNames.contains(name)) {
          db.createObjectStore(name, name === 'runs' ? { keyPath: 'id' } : undefined);
        }
      }
    };
    req.onsuccess = () => {
      raw.push(req.result);
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
  });
}

function put(db: IDBDatabase, store: string, value: unknown, key?: IDBValidKey): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction([store], 'readwrite');
    tx.objectStore(store).put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

describe('two tabs saving the same run', () => {
  test('a save at an earlier step from another tab is refused and the later one kept', async () => {
    const factory = new IDBFactory();
    const [a, b] = [await tab(factory), await tab(factory)];
    const id = newRunId();
    await a.saveRun(input({ id, step: 100, writer: 'tab A' }));
    await a.saveRun(input({ id, step: 500, writer: 'tab A', checkpoint: new Uint8Array([5]) }));

    const refused = b.saveRun(input({ id, step: 150, writer: 'tab B' }));
    await expect(refused).rejects.toBeInstanceOf(StaleRunError);
    await expect(refused).rejects.toMatchObject({ storedStep: 500, step: 150 });
    // A save without a writer cannot prove it is the same tab either.
    await expect(b.saveRun(input({ id, step: 150 }))).rejects.toBeInstanceOf(StaleRunError);

    const kept = await b.loadRun(id);
    expect(kept.info.step).toBe(500);
    expect(kept.checkpoint).toEqual(new Uint8Array([5]));
  });

  test('the same writer may go back in steps (its own rollback); a later step from anyone is saved', async () => {
    const factory = new IDBFactory();
    const [a, b] = [await tab(factory), await tab(factory)];
    const id = newRunId();
    await a.saveRun(input({ id, step: 500, writer: 'tab A' }));
    await a.saveRun(input({ id, step: 480, writer: 'tab A' }));
    expect((await a.loadRun(id)).info.step).toBe(480);
    await b.saveRun(input({ id, step: 481, writer: 'tab B' }));
    expect((await a.loadRun(id)).info).toMatchObject({ step: 481, writer: 'tab B' });
  });
});

describe('damaged records', () => {
  test('are listed with the reason, skipped by latestRun, never loaded, and deletable', async () => {
    const factory = new IDBFactory();
    const store = await tab(factory);
    const good = await store.saveRun(input({ name: 'good', step: 7 }));
    const db = await openRaw(factory);
    const base = { ...good, updatedAt: good.updatedAt + 1000 };
    const noStep: Partial<typeof base> = { ...base };
    delete noStep.step;
    const noModel: Partial<typeof base> = { ...base };
    delete noModel.model;
    await put(db, 'runs', { ...noStep, id: 'no-step', name: 'no step' });
    await put(db, 'runs', { ...noModel, id: 'no-model', name: 'no model' });
    await put(db, 'runs', { ...base, id: 'bad-model', name: 'bad model', model: { layers: -1 } });
    await put(db, 'runs', { ...base, id: 'no-checkpoint', name: 'no checkpoint' });
    await put(db, 'runs', { id: 'garbage', name: 42, step: '__proto__' });
    for (const id of ['no-step', 'no-model', 'bad-model', 'garbage']) {
      await put(db, 'checkpoints', new Uint8Array([1]), id);
    }

    const list = await store.listRuns();
    const byId = new Map(list.map((r) => [r.id, r]));
    expect(list).toHaveLength(6);
    expect(isDamaged(byId.get(good.id)!)).toBe(false);
    const reasons = Object.fromEntries(
      list.filter(isDamaged).map((r) => [r.id, `${r.name}: ${r.damaged}`]),
    );
    expect(reasons).toEqual({
      'no-step': 'no step: the saved record is incomplete: no valid step',
      'no-model': 'no model: the saved record is incomplete: no model',
      'bad-model': expect.stringMatching(/^bad model: the saved record is incomplete: model: /),
      'no-checkpoint': 'no checkpoint: its checkpoint is missing from storage',
      garbage: 'unnamed run: the saved record is incomplete: no name',
    });
    // Newer than the good run, yet never offered.
    expect((await store.latestRun())?.id).toBe(good.id);
    for (const id of Object.keys(reasons)) {
      await expect(store.loadRun(id)).rejects.toThrow(/is damaged: /);
    }
    for (const id of Object.keys(reasons)) await store.deleteRun(id);
    expect((await store.listRuns()).map((r) => r.id)).toEqual([good.id]);
    expect((await store.loadRun(good.id)).info.step).toBe(7);
  });

  test('markDamaged keeps a run out of loading until a good save replaces it', async () => {
    const store = await tab(new IDBFactory());
    const run = await store.saveRun(input({ step: 3 }));
    await store.markDamaged(run.id, 'its checkpoint does not load (bad header)');
    const [listed] = await store.listRuns();
    expect(listed).toMatchObject({
      id: run.id,
      damaged: 'its checkpoint does not load (bad header)',
    });
    await expect(store.loadRun(run.id)).rejects.toThrow(/damaged: its checkpoint does not load/);
    expect(await store.latestRun()).toBeUndefined();
    // The owner saving a new checkpoint makes it whole again.
    await store.saveRun(input({ id: run.id, step: 4 }));
    expect((await store.loadRun(run.id)).info.step).toBe(4);
  });
});

describe('schema upgrades by another tab', () => {
  test('a newer tab is not blocked: this one closes, then says to reload', async () => {
    const factory = new IDBFactory();
    let closedForNewer = 0;
    const store = await tab(factory, { onVersionChange: () => closedForNewer++ });
    await store.saveRun(input());
    // A newer gatescope opens version 2: it must get it without waiting for this tab.
    await openRaw(factory, 2);
    expect(closedForNewer).toBe(1);
    await expect(store.listRuns()).rejects.toThrow(
      /a newer version of gatescope in another tab upgraded browser storage: reload this page/,
    );
  });

  test('the connection reopens lazily after a versionchange that left the schema as it was', async () => {
    const factory = new IDBFactory();
    const store = await tab(factory);
    const saved = await store.saveRun(input({ step: 9 }));
    // deleteDatabase also fires versionchange; the next call reopens (an empty database).
    await new Promise<void>((resolve, reject) => {
      const req = factory.deleteDatabase('gatescope');
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    expect(await store.listRuns()).toEqual([]);
    await store.saveRun(input({ id: saved.id, step: 10 }));
    expect((await store.loadRun(saved.id)).info.step).toBe(10);
  });

  test('an open blocked by an older tab reports it and completes once that tab closes', async () => {
    const factory = new IDBFactory();
    const older = await openRaw(factory); // no versionchange handler: an old page that never lets go
    let blocked = 0;
    const opening = openRunStore({
      indexedDB: factory,
      storage: null,
      version: 2,
      onBlocked: () => blocked++,
    });
    await expect.poll(() => blocked, { timeout: 30_000 }).toBe(1);
    older.close();
    const store = await opening;
    stores.keep(store);
    await store.saveRun(input({ step: 2 }));
    expect((await store.listRuns()).map((r) => (isDamaged(r) ? r.damaged : r.step))).toEqual([2]);
  });
});
