// The worker's saved runs (RunKeeper) around real CPU training sessions, on
// fake-indexeddb (one IDBFactory is one browser profile; each keeper is a
// tab) and a fake Web Locks manager shared by the tabs (Node has no
// navigator.locks): autosave and exact resume; two tabs resuming one run
// never overwrite each other, with locks and without; damaged records are
// listed, never loaded, and leave the model in use alone; a full storage
// keeps training and says saving is off; "Save now" then Reset is no failure;
// a blocked database says so; persistence is reported.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../../src/engine/config';
import type {
  EngineMessage,
  EngineMessageOf,
  RunConfig,
  SavedRun,
  StorageReport,
} from '../../../src/worker/protocol';
import { openRunStore, type RunStore } from '../../../src/io/storage';
import { TaskQueue } from '../../../src/worker/queue';
import type { RunLockManager } from '../../../src/worker/runLocks';
import { RunKeeper, type RunKeeperOptions } from '../../../src/worker/runs';
import { Session } from '../../../src/worker/session';
import { until } from '../../helpers/until';

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
  backend: 'cpu',
};

/** Web Locks' `ifAvailable` semantics for several tabs of one browser. */
class FakeLocks implements RunLockManager {
  readonly held = new Set<string>();
  async request(
    name: string,
    options: { ifAvailable: true } | { steal: true },
    callback: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown> {
    // A steal takes the lock from its holder (whose hold simply ends, as in the browser).
    if (this.held.has(name) && !('steal' in options)) return callback(null);
    this.held.add(name);
    try {
      return await callback({ name, mode: 'exclusive' });
    } finally {
      this.held.delete(name);
    }
  }
}

interface Tab {
  session: Session;
  keeper: RunKeeper;
  messages: EngineMessage[];
}

const tabs: Tab[] = [];

afterEach(async () => {
  for (const t of tabs.splice(0)) {
    await t.keeper.close();
    await t.session.trainer?.dispose();
  }
});

async function openTab(
  factory: IDBFactory,
  options: RunKeeperOptions & { store?: Partial<Parameters<typeof openRunStore>[0]> } = {},
): Promise<Tab> {
  const messages: EngineMessage[] = [];
  const post = (m: EngineMessage) => messages.push(m);
  const queue = new TaskQueue((error) => post({ type: 'error', message: String(error) }));
  const session = new Session(post, Promise.resolve({ webgpu: false, reason: 'test' }), queue);
  await session.configure(CONFIG);
  await session.loadText(1, 'fox', TEXT);
  const keeper = new RunKeeper(session, post, {
    openStore: (hooks) =>
      openRunStore({ indexedDB: factory, storage: null, ...hooks, ...options.store }),
    locks: null,
    storage: null,
    ...options,
  });
  const tab = { session, keeper, messages };
  tabs.push(tab);
  return tab;
}

/** Exactly `count` more training steps. */
async function steps(tab: Tab, count: number): Promise<number> {
  const trainer = tab.session.trainer!;
  const target = trainer.step + count;
  for (let k = 0; k < count; k++) trainer.stepOnce();
  await until(`step ${target}`, () => trainer.step >= target);
  return trainer.step;
}

function lastOf<T extends EngineMessage['type']>(
  messages: EngineMessage[],
  type: T,
): EngineMessageOf<T> | undefined {
  return messages.filter((m): m is EngineMessageOf<T> => m.type === type).at(-1);
}

async function listed(tab: Tab): Promise<{ runs: SavedRun[]; storage: StorageReport }> {
  await tab.keeper.list();
  const message = lastOf(tab.messages, 'runs')!;
  return { runs: message.runs, storage: message.storage };
}

async function storeOf(factory: IDBFactory): Promise<RunStore> {
  const store = await openRunStore({ indexedDB: factory, storage: null });
  return store;
}

describe('RunKeeper', () => {
  it('saves the run in training and resumes it exactly in another tab', async () => {
    const factory = new IDBFactory();
    const a = await openTab(factory);
    await steps(a, 4);
    await a.keeper.saveNow(false);
    const saved = lastOf(a.messages, 'saved')!.run;
    expect(saved).toMatchObject({ id: a.session.run.id, step: 4 });
    expect((await listed(a)).runs.map((r) => r.id)).toEqual([saved.id]);
    expect(lastOf(a.messages, 'runs')!.current).toBe(saved.id);
    await a.keeper.close();

    const b = await openTab(factory);
    expect(await b.keeper.resume(saved.id, 2)).toBe(`resumed ${saved.name} at step 4`);
    expect(b.session.run.id).toBe(saved.id);
    expect(b.session.trainer!.step).toBe(4);
  });

  it('with Web Locks, a second tab resuming a run in training continues it as a copy', async () => {
    const factory = new IDBFactory();
    const locks = new FakeLocks();
    const a = await openTab(factory, { locks });
    await steps(a, 6);
    await a.keeper.saveNow(false); // tab A now holds the run's lock
    const runX = a.session.run;

    const b = await openTab(factory, { locks });
    const summary = await b.keeper.resume(runX.id, 2);
    expect(summary).toMatch(/at step 6 as a copy, ".* \(copy\)": another tab is training it/);
    expect(b.session.run.id).not.toBe(runX.id);
    expect(b.session.run.name).toBe(`${runX.name} (copy)`);
    expect(b.session.trainer!.step).toBe(6);
    expect((await listed(b)).storage.notice).toMatch(/open in another tab/);

    // Tab A goes on to step 10; tab B saves its step 7: neither replaces the other.
    await steps(a, 4);
    await a.keeper.saveNow(false);
    await steps(b, 1);
    await b.keeper.saveNow(false);
    const store = await storeOf(factory);
    try {
      expect((await store.loadRun(runX.id)).info.step).toBe(10);
      expect((await store.loadRun(b.session.run.id)).info).toMatchObject({
        step: 7,
        name: `${runX.name} (copy)`,
      });
    } finally {
      store.close();
    }
    expect(b.messages.filter((m) => m.type === 'saveError')).toEqual([]);

    // Tab A closes (its locks go): the run is free, and a tab resuming it owns it again.
    await a.keeper.close();
    const c = await openTab(factory, { locks });
    expect(await c.keeper.resume(runX.id, 3)).toBe(`resumed ${runX.name} at step 10`);
    expect(c.session.run.id).toBe(runX.id);
  });

  it("a restarted engine takes its own run over while the dead worker's lock lingers", async () => {
    const factory = new IDBFactory();
    const locks = new FakeLocks();
    const a = await openTab(factory, { locks });
    await steps(a, 6);
    await a.keeper.saveNow(false); // the worker that will die holds the run's lock
    const runX = a.session.run;

    const restarted = await openTab(factory, { locks });
    expect(await restarted.keeper.resume(runX.id, 2, true)).toBe(`resumed ${runX.name} at step 6`);
    expect(restarted.session.run).toEqual(runX);
    await steps(restarted, 2);
    await restarted.keeper.saveNow(false);
    expect(lastOf(restarted.messages, 'saved')!.run).toMatchObject({ id: runX.id, step: 8 });
  });

  it('without Web Locks, a tab whose save would go back in steps continues as a copy', async () => {
    const factory = new IDBFactory();
    const a = await openTab(factory);
    await steps(a, 5);
    await a.keeper.saveNow(false);
    const runX = a.session.run;
    const b = await openTab(factory);
    await b.keeper.resume(runX.id, 2); // no locks: B believes it owns run X

    await steps(a, 7); // A: step 12, saved
    await a.keeper.saveNow(false);
    await steps(b, 1); // B: step 6, behind A's save of the same run
    await b.keeper.saveNow(false);
    await until('the copy saved', () =>
      b.messages.some((m) => m.type === 'saved' && m.run.name === `${runX.name} (copy)`),
    );

    const store = await storeOf(factory);
    try {
      expect((await store.loadRun(runX.id)).info.step).toBe(12);
      const copy = await store.loadRun(b.session.run.id);
      expect(copy.info).toMatchObject({ step: 6, name: `${runX.name} (copy)` });
    } finally {
      store.close();
    }
    expect(b.messages.filter((m) => m.type === 'saveError')).toEqual([]);
    expect((await listed(b)).storage.notice).toMatch(
      /another tab saved ".*" further along \(step 12\); this tab's run is kept as ".* \(copy\)"/,
    );
  });

  it('lists a damaged run, refuses to resume it, and leaves the model in use alone', async () => {
    const factory = new IDBFactory();
    const a = await openTab(factory);
    await steps(a, 3);
    await a.keeper.saveNow(false);
    const runX = a.session.run;
    // The checkpoint's bytes are garbage now (a half-written disk, a bug in another version).
    const raw = await new Promise<IDBDatabase>((resolve) => {
      const req = factory.open('gatescope');
      req.onsuccess = () => resolve(req.result);
    });
    await new Promise<void>((resolve) => {
      const tx = raw.transaction(['checkpoints', 'runs'], 'readwrite');
      tx.objectStore('checkpoints').put(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), runX.id);
      tx.objectStore('runs').put({ id: 'half', name: 'half a record', updatedAt: 1 });
      tx.oncomplete = () => resolve();
    });
    raw.close();

    const b = await openTab(factory);
    const trainer = b.session.trainer!;
    const before = (await listed(b)).runs;
    expect(before.find((r) => r.id === 'half')?.damaged).toMatch(/incomplete: no valid createdAt/);
    expect(before.find((r) => r.id === runX.id)?.damaged).toBeUndefined();

    await expect(b.keeper.resume(runX.id, 2)).rejects.toThrow(
      /is damaged: its checkpoint does not load/,
    );
    await expect(b.keeper.resume('half', 3)).rejects.toThrow(/is damaged: the saved record/);
    expect(b.session.trainer).toBe(trainer);
    const after = (await listed(b)).runs;
    expect(after.find((r) => r.id === runX.id)?.damaged).toMatch(/checkpoint does not load/);

    // Deleting a damaged run works like any other.
    await b.keeper.delete('half');
    expect((await listed(b)).runs.map((r) => r.id)).toEqual([runX.id]);
  });

  it('a full storage turns saving off with a message, training goes on, and a delete turns it on', async () => {
    const factory = new IDBFactory();
    let quota = 100;
    const estimate = async () => ({ usage: 100, quota });
    const a = await openTab(factory, { store: { storage: { estimate } }, autosaveMs: 20 });
    const trainer = a.session.trainer!;
    trainer.start();
    a.keeper.start();
    await until('a save error', () => a.messages.some((m) => m.type === 'saveError'));
    const error = lastOf(a.messages, 'saveError')!;
    expect(error.full).toBe(true);
    expect(error.message).toMatch(
      /^browser storage is full: .* Saving is off until there is room; training goes on\.$/,
    );
    const stepAtError = trainer.step;
    await until('training to go on', () => trainer.step >= stepAtError + 3);
    expect(trainer.isTraining).toBe(true);
    expect((await listed(a)).storage.problem).toBe(error.message);

    quota = 1e12; // room made elsewhere; deleting a run re-arms saving
    await a.keeper.delete('not-a-run');
    await until('a save', () => a.messages.some((m) => m.type === 'saved'));
    trainer.pause();
    expect((await listed(a)).storage.problem).toBeUndefined();
  });

  it('"Save now" then Reset: the cancelled save is not reported as a failure', async () => {
    const factory = new IDBFactory();
    const a = await openTab(factory);
    const trainer = a.session.trainer!;
    trainer.start();
    await until('training', () => trainer.step >= 2);
    // The checkpoint is queued behind a step in flight when Reset replaces the model.
    const real = a.session.checkpoint.bind(a.session);
    const outcome: string[] = [];
    vi.spyOn(a.session, 'checkpoint').mockImplementation(() => {
      const taken = real();
      void a.session.rebuild();
      taken.then(
        () => outcome.push('taken'),
        (e: Error) => outcome.push(e.message),
      );
      return taken;
    });
    await a.keeper.saveNow(false);
    expect(outcome).toEqual(['this model was replaced']);
    expect(a.messages.filter((m) => m.type === 'saveError')).toEqual([]);
    await until('the new model', () => a.session.trainer !== null && a.session.trainer !== trainer);
  });

  it('says when another tab blocks the database, and lists once it lets go', async () => {
    const factory = new IDBFactory();
    const older = await new Promise<IDBDatabase>((resolve) => {
      const req = factory.open('gatescope', 1);
      req.onsuccess = () => resolve(req.result);
    });
    const a = await openTab(factory, { store: { version: 2 } });
    await until('the blocked message', () => a.messages.some((m) => m.type === 'saveError'));
    expect(lastOf(a.messages, 'saveError')!.message).toMatch(
      /held by an older gatescope tab: saving starts once that tab is closed or reloaded/,
    );
    older.close();
    const { storage } = await listed(a);
    expect(storage).toMatchObject({ available: true });
    expect(storage.problem).toBeUndefined();
  });

  it('reports whether the browser keeps the runs (persisted)', async () => {
    for (const persisted of [true, false]) {
      const a = await openTab(new IDBFactory(), {
        storage: {
          persisted: async () => persisted,
          estimate: async () => ({ usage: 5, quota: 50 }),
        },
      });
      expect((await listed(a)).storage).toMatchObject({ persisted, usage: 5, quota: 50 });
    }
  });
});
