// Saved runs in IndexedDB: each run's latest checkpoint (checkpoint.ts bytes)
// and its corpus, so reopening the page can offer to resume. Written against
// the standard IndexedDB and StorageManager APIs only (no UI, no store), and
// usable from a page or a worker; tests pass fake-indexeddb in.
//
// Database "gatescope", version 1:
//   runs         keyPath id → RunInfo (small: what a list of runs shows)
//   checkpoints  key run id → Uint8Array (the checkpoint file)
//   corpora      key corpus SHA-256 → string (shared by runs on the same text)
//
// Storage is shared by every tab of the origin and outlives this code, so:
// - every record read back is validated (runRecord.ts); one that fails is
//   listed as damaged and never loaded;
// - a save never takes a run backwards in steps when another writer (tab)
//   saved it last (StaleRunError): that tab's later state is kept;
// - a newer gatescope in another tab that upgrades the database gets it at
//   once (this connection closes on `versionchange` and reopens lazily; if
//   the schema moved on, the next call says to reload); an open that is
//   `blocked` by an older tab says so through `onBlocked` and goes on
//   waiting.
//
// Public API:
//   openRunStore(options?) → Promise<RunStore>
//     store.saveRun(input)   quota-checked; throws StorageFullError when full,
//                            StaleRunError when another writer saved a later step
//     store.listRuns()       newest first, damaged records included (isDamaged)
//     store.latestRun()      the newest resumable run
//     store.loadRun(id)      → { info, checkpoint, corpus }
//     store.markDamaged(id, reason)  a run whose checkpoint turned out unusable
//     store.deleteRun(id)    (the corpus goes when no other run uses it)
//     store.close()
//   checkQuota(bytesNeeded, storage?) → Promise<{ usage, quota } | null>
//   createAutosaver({ store, capture, intervalMs, onSaved, onError })
//     → { start(), stop(), saveNow() }: the UI calls start() when training
//     starts and saveNow() + stop() on pause.
//   newRunId() → string

import type { ModelConfig } from '../engine/config';
import { FormatError, StaleRunError, StorageFullError } from './errors';
import { checkRunRecord, isDamaged, type DamagedRun, type RunInfo } from './runRecord';

export type { DamagedRun, RunInfo } from './runRecord';
export { isDamaged } from './runRecord';

export interface SaveRunInput {
  id: string;
  name: string;
  checkpoint: Uint8Array;
  corpus: string;
  corpusSha256: string;
  step: number;
  model: ModelConfig;
  lastLoss?: number;
  /** Who saves (one id per tab): a writer may take its own run back in steps, no other may. */
  writer?: string;
}

export interface LoadedRun {
  info: RunInfo;
  checkpoint: Uint8Array;
  corpus: string;
}

export interface RunStore {
  saveRun(input: SaveRunInput): Promise<RunInfo>;
  listRuns(): Promise<Array<RunInfo | DamagedRun>>;
  latestRun(): Promise<RunInfo | undefined>;
  loadRun(id: string): Promise<LoadedRun>;
  markDamaged(id: string, reason: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  close(): void;
}

export interface StoreOptions {
  /** Defaults to globalThis.indexedDB. */
  indexedDB?: IDBFactory;
  /** Defaults to navigator.storage; null skips the quota check. */
  storage?: Pick<StorageManager, 'estimate'> | null;
  /** Database name; tests use their own. */
  name?: string;
  /** Schema version to open; tests raise it to play a newer gatescope. */
  version?: number;
  /** Another tab holds an older connection open; the open waits until it closes. */
  onBlocked?: () => void;
  /** This connection was closed for a newer gatescope in another tab. */
  onVersionChange?: () => void;
}

/** The schema this code writes. */
const DB_VERSION = 1;
const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints';
const CORPORA = 'corpora';

export function newRunId(): string {
  return crypto.randomUUID();
}

function storageFailed(what: string, e: unknown): FormatError {
  if (e instanceof FormatError) return e;
  const err = e as { name?: string; message?: string } | null;
  if (err?.name === 'QuotaExceededError') {
    return new StorageFullError(
      'browser storage is full: delete saved runs (or export this one to a file) and try again',
    );
  }
  if (err?.name === 'VersionError') {
    return new FormatError(
      'storage-failed',
      'a newer version of gatescope in another tab upgraded browser storage: reload this page to keep saving',
    );
  }
  return new FormatError('storage-failed', `${what} failed: ${err?.message ?? String(e)}`);
}

function defaultStorage(): Pick<StorageManager, 'estimate'> | null {
  const nav = (globalThis as { navigator?: { storage?: StorageManager } }).navigator;
  return nav?.storage?.estimate ? nav.storage : null;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Throws StorageFullError when `bytesNeeded` more would exceed the origin's
 * quota. Returns the estimate, or null when the browser gives none.
 */
export async function checkQuota(
  bytesNeeded: number,
  storage: Pick<StorageManager, 'estimate'> | null = defaultStorage(),
): Promise<{ usage: number; quota: number } | null> {
  if (!storage) return null;
  let estimate: StorageEstimate;
  try {
    estimate = await storage.estimate();
  } catch {
    return null; // No estimate is no reason to refuse a save; the write itself will tell.
  }
  const { usage, quota } = estimate;
  if (usage === undefined || quota === undefined) return null;
  if (usage + bytesNeeded > quota) {
    throw new StorageFullError(
      `browser storage is full: ${mb(usage)} used of ${mb(quota)}, and saving this run needs ` +
        `${mb(bytesNeeded)} more. Delete saved runs or export this one to a file.`,
      usage,
      quota,
    );
  }
  return { usage, quota };
}

function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  onBlocked: (() => void) | undefined,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(name, version);
    } catch (e) {
      reject(storageFailed('opening browser storage', e));
      return;
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(CHECKPOINTS)) db.createObjectStore(CHECKPOINTS);
      if (!db.objectStoreNames.contains(CORPORA)) db.createObjectStore(CORPORA);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageFailed('opening browser storage', req.error));
    // The request stays pending and succeeds once the other tab lets go: say so, keep waiting.
    req.onblocked = () => onBlocked?.();
  });
}

/**
 * Runs `body` in one transaction and resolves with what it left in `result`
 * once the transaction COMMITS (so a resolved save is really on disk).
 * `fail(error)` aborts the transaction and rejects with that error.
 */
function transact<T>(
  db: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  what: string,
  body: (tx: IDBTransaction, done: (value: T) => void, fail: (error: unknown) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    let failure: unknown;
    let tx: IDBTransaction;
    try {
      tx = db.transaction(stores, mode);
    } catch (e) {
      reject(storageFailed(what, e));
      return;
    }
    const fail = (error: unknown) => {
      failure ??= error;
      try {
        tx.abort();
      } catch {
        // Already finished or aborting: onabort reports `failure`.
      }
    };
    tx.oncomplete = () => resolve(result as T);
    tx.onerror = () => reject(storageFailed(what, failure ?? tx.error));
    tx.onabort = () => reject(storageFailed(what, failure ?? tx.error));
    try {
      body(tx, (value) => (result = value), fail);
    } catch (e) {
      fail(e);
    }
  });
}

/** Reads a request's result in a handler that may throw (a full disk, a bad record): the transaction then aborts with it. */
function onResult<R>(
  req: IDBRequest,
  fail: (e: unknown) => void,
  handle: (result: R) => void,
): void {
  req.onsuccess = () => {
    try {
      handle(req.result as R);
    } catch (e) {
      fail(e);
    }
  };
}

export async function openRunStore(options: StoreOptions = {}): Promise<RunStore> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) throw new FormatError('storage-failed', 'this browser offers no IndexedDB storage');
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const name = options.name ?? 'gatescope';
  const version = options.version ?? DB_VERSION;
  let closed = false;

  // The live connection (null once closed for a newer tab) and the promise of it.
  let current: IDBDatabase | null = null;
  let connection: Promise<IDBDatabase> | null = null;
  const connect = async (): Promise<IDBDatabase> => {
    const db = await openDatabase(factory, name, version, options.onBlocked);
    if (closed) {
      db.close(); // closed while the open waited
      throw new FormatError('storage-failed', 'the run store is closed');
    }
    // A newer gatescope in another tab wants to upgrade: let it, and reopen on the next call.
    db.onversionchange = () => {
      db.close();
      if (current === db) {
        current = null;
        connection = null;
      }
      options.onVersionChange?.();
    };
    current = db;
    return db;
  };
  connection = connect();
  await connection;

  const database = (): Promise<IDBDatabase> => {
    if (closed) return Promise.reject(new FormatError('storage-failed', 'the run store is closed'));
    connection ??= connect().catch((e: unknown) => {
      connection = null; // Try again next time (the other tab may be gone).
      throw e;
    });
    return connection;
  };

  const run = async <T>(
    stores: string[],
    mode: IDBTransactionMode,
    what: string,
    body: (tx: IDBTransaction, done: (value: T) => void, fail: (error: unknown) => void) => void,
  ) => transact<T>(await database(), stores, mode, what, body);

  const listRuns = () =>
    run<Array<RunInfo | DamagedRun>>(
      [RUNS, CHECKPOINTS, CORPORA],
      'readonly',
      'listing saved runs',
      (tx, done, fail) => {
        const keys = tx.objectStore(RUNS).getAllKeys();
        const records = tx.objectStore(RUNS).getAll();
        const checkpoints = tx.objectStore(CHECKPOINTS).getAllKeys();
        onResult<IDBValidKey[]>(tx.objectStore(CORPORA).getAllKeys(), fail, (corpora) => {
          const withCheckpoint = new Set(checkpoints.result as IDBValidKey[]);
          const corpusKeys = new Set(corpora);
          const list: Array<RunInfo | DamagedRun> = [];
          (records.result as unknown[]).forEach((record, i) => {
            const key = (keys.result as IDBValidKey[])[i];
            // Only this code writes the store, always with string ids; anything else is not a run of ours.
            if (typeof key !== 'string') return;
            const sha = (record as { corpusSha256?: unknown } | null)?.corpusSha256;
            list.push(
              checkRunRecord(key, record, {
                hasCheckpoint: withCheckpoint.has(key),
                hasCorpus: typeof sha === 'string' && corpusKeys.has(sha),
              }),
            );
          });
          done(list.sort((a, b) => b.updatedAt - a.updatedAt));
        });
      },
    );

  return {
    async saveRun(input) {
      const [previous, hasCorpus] = await run<[unknown, boolean]>(
        [RUNS, CORPORA],
        'readonly',
        'reading browser storage',
        (tx, done) => {
          const prev = tx.objectStore(RUNS).get(input.id);
          const count = tx.objectStore(CORPORA).count(input.corpusSha256);
          count.onsuccess = () => done([prev.result, count.result > 0]);
        },
      );
      const prior = checkRunRecord(input.id, previous);
      const priorInfo = previous !== undefined && !isDamaged(prior) ? prior : undefined;
      // For the quota check only. Only the growth counts: the old checkpoint of this run is replaced.
      const growth =
        input.checkpoint.byteLength -
        (priorInfo?.checkpointBytes ?? 0) +
        (hasCorpus ? 0 : input.corpus.length * 2);
      await checkQuota(Math.max(0, growth), storage);
      const now = Date.now();
      const info: RunInfo = {
        id: input.id,
        name: input.name,
        createdAt: priorInfo?.createdAt ?? now,
        updatedAt: now,
        step: input.step,
        model: { ...input.model },
        corpusSha256: input.corpusSha256,
        corpusLength: input.corpus.length,
        checkpointBytes: input.checkpoint.byteLength,
        ...(input.lastLoss !== undefined ? { lastLoss: input.lastLoss } : {}),
        ...(input.writer !== undefined ? { writer: input.writer } : {}),
      };
      await run<void>(
        [RUNS, CHECKPOINTS, CORPORA],
        'readwrite',
        'saving the run',
        (tx, _done, fail) => {
          const runs = tx.objectStore(RUNS);
          // Read again inside the writing transaction: another tab may have saved since.
          onResult<unknown>(runs.get(input.id), fail, (stored) => {
            const current = stored === undefined ? undefined : checkRunRecord(input.id, stored);
            if (
              current &&
              !isDamaged(current) &&
              current.step > input.step &&
              (input.writer === undefined || current.writer !== input.writer)
            ) {
              fail(new StaleRunError(current.step, input.step));
              return;
            }
            runs.put(info);
            tx.objectStore(CHECKPOINTS).put(input.checkpoint, input.id);
            // Checked inside this transaction: a delete of another run since the read
            // above may have taken the shared corpus with it.
            const corpora = tx.objectStore(CORPORA);
            onResult<number>(corpora.count(input.corpusSha256), fail, (count) => {
              if (count === 0) corpora.put(input.corpus, input.corpusSha256);
            });
          });
        },
      );
      return info;
    },

    listRuns,

    async latestRun() {
      return (await listRuns()).find((r): r is RunInfo => !isDamaged(r));
    },

    async loadRun(id) {
      const missing = () =>
        new FormatError('storage-failed', `saved run ${id} is missing or incomplete`);
      const loaded = await run<{ record: unknown; checkpoint: unknown; corpus: unknown }>(
        [RUNS, CHECKPOINTS, CORPORA],
        'readonly',
        'loading the run',
        (tx, done, fail) => {
          const ckReq = tx.objectStore(CHECKPOINTS).get(id);
          onResult<unknown>(tx.objectStore(RUNS).get(id), fail, (record) => {
            const sha = (record as { corpusSha256?: unknown } | null | undefined)?.corpusSha256;
            if (typeof sha !== 'string') {
              done({ record, checkpoint: undefined, corpus: undefined });
              return;
            }
            onResult<unknown>(tx.objectStore(CORPORA).get(sha), fail, (corpus) =>
              done({ record, checkpoint: ckReq.result as unknown, corpus }),
            );
          });
        },
      );
      if (loaded.record === undefined) throw missing();
      const info = checkRunRecord(id, loaded.record, {
        hasCheckpoint: loaded.checkpoint instanceof Uint8Array,
        hasCorpus: typeof loaded.corpus === 'string',
      });
      if (isDamaged(info)) {
        throw new FormatError(
          'storage-failed',
          `saved run "${info.name}" is damaged: ${info.damaged}`,
        );
      }
      return { info, checkpoint: loaded.checkpoint as Uint8Array, corpus: loaded.corpus as string };
    },

    markDamaged(id, reason) {
      return run<void>([RUNS], 'readwrite', 'marking a damaged run', (tx, _done, fail) => {
        const runs = tx.objectStore(RUNS);
        onResult<unknown>(runs.get(id), fail, (record) => {
          if (record === undefined) return;
          const base = typeof record === 'object' && record !== null ? record : {};
          runs.put({ ...base, id, damaged: reason });
        });
      });
    },

    deleteRun(id) {
      return run<void>(
        [RUNS, CHECKPOINTS, CORPORA],
        'readwrite',
        'deleting the run',
        (tx, _done, fail) => {
          const runs = tx.objectStore(RUNS);
          onResult<unknown[]>(runs.getAll(), fail, (list) => {
            const shaOf = (r: unknown) => (r as { corpusSha256?: unknown } | null)?.corpusSha256;
            const idOf = (r: unknown) => (r as { id?: unknown } | null)?.id;
            const gone = shaOf(list.find((r) => idOf(r) === id));
            runs.delete(id);
            tx.objectStore(CHECKPOINTS).delete(id);
            if (
              typeof gone === 'string' &&
              !list.some((r) => idOf(r) !== id && shaOf(r) === gone)
            ) {
              tx.objectStore(CORPORA).delete(gone);
            }
          });
        },
      );
    },

    close() {
      closed = true;
      current?.close();
      current = null;
      connection = null;
    },
  };
}

export interface AutosaverOptions {
  store: RunStore;
  /** Gathers what to save (e.g. captureCheckpoint + corpus); null skips this round. */
  capture: () => Promise<SaveRunInput | null>;
  /** Milliseconds between saves while started; default 5000. */
  intervalMs?: number;
  onSaved?: (info: RunInfo) => void;
  /** A StorageFullError also stops the timer (retrying would fail the same way). */
  onError?: (error: FormatError) => void;
}

export interface Autosaver {
  start(): void;
  stop(): void;
  /** Saves now (after any save in flight); resolves with the saved run, if any. */
  saveNow(): Promise<RunInfo | undefined>;
}

export function createAutosaver(options: AutosaverOptions): Autosaver {
  const interval = options.intervalMs ?? 5000;
  let timer: ReturnType<typeof setInterval> | undefined;
  // One save at a time: each waits for the previous, so checkpoints land in order.
  let chain: Promise<unknown> = Promise.resolve();
  let pending = 0;

  const saveOnce = async (): Promise<RunInfo | undefined> => {
    try {
      const input = await options.capture();
      if (!input) return undefined;
      const info = await options.store.saveRun(input);
      options.onSaved?.(info);
      return info;
    } catch (e) {
      const err = e instanceof FormatError ? e : storageFailed('autosave', e);
      if (err instanceof StorageFullError) stop();
      options.onError?.(err);
      return undefined;
    }
  };

  function stop(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  function saveNow(): Promise<RunInfo | undefined> {
    pending++;
    const next = chain.then(saveOnce).finally(() => pending--);
    chain = next;
    return next;
  }

  return {
    start() {
      if (timer !== undefined) return;
      // A tick while a save is still running is skipped rather than queued behind it.
      timer = setInterval(() => {
        if (pending === 0) void saveNow();
      }, interval);
    },
    stop,
    saveNow,
  };
}
