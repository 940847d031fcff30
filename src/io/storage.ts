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
// Public API:
//   openRunStore(options?) → Promise<RunStore>
//     store.saveRun(input)   quota-checked; throws StorageFullError when full
//     store.listRuns()       newest first        store.latestRun()
//     store.loadRun(id)      → { info, checkpoint, corpus }
//     store.deleteRun(id)    (the corpus goes when no other run uses it)
//     store.close()
//   checkQuota(bytesNeeded, storage?) → Promise<{ usage, quota } | null>
//   createAutosaver({ store, capture, intervalMs, onSaved, onError })
//     → { start(), stop(), saveNow() }: the UI calls start() when training
//     starts and saveNow() + stop() on pause.
//   newRunId() → string

import type { ModelConfig } from '../engine/config';
import { FormatError, StorageFullError } from './errors';

export interface RunInfo {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  step: number;
  model: ModelConfig;
  corpusSha256: string;
  /** Length of the corpus in UTF-16 units (what the UI shows as its size). */
  corpusLength: number;
  checkpointBytes: number;
  lastLoss?: number;
}

export interface SaveRunInput {
  id: string;
  name: string;
  checkpoint: Uint8Array;
  corpus: string;
  corpusSha256: string;
  step: number;
  model: ModelConfig;
  lastLoss?: number;
}

export interface LoadedRun {
  info: RunInfo;
  checkpoint: Uint8Array;
  corpus: string;
}

export interface RunStore {
  saveRun(input: SaveRunInput): Promise<RunInfo>;
  listRuns(): Promise<RunInfo[]>;
  latestRun(): Promise<RunInfo | undefined>;
  loadRun(id: string): Promise<LoadedRun>;
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
}

const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints';
const CORPORA = 'corpora';

export function newRunId(): string {
  return crypto.randomUUID();
}

function storageFailed(what: string, e: unknown): FormatError {
  const err = e as { name?: string; message?: string } | null;
  if (err?.name === 'QuotaExceededError') {
    return new StorageFullError(
      'browser storage is full: delete saved runs (or export this one to a file) and try again',
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

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(name, 1);
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
    req.onblocked = () =>
      reject(
        new FormatError(
          'storage-failed',
          'browser storage is held by another tab: close it and retry',
        ),
      );
  });
}

/**
 * Runs `body` in one transaction and resolves with what it left in `result`
 * once the transaction COMMITS (so a resolved save is really on disk).
 */
function transact<T>(
  db: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  what: string,
  body: (tx: IDBTransaction, done: (value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    let tx: IDBTransaction;
    try {
      tx = db.transaction(stores, mode);
    } catch (e) {
      reject(storageFailed(what, e));
      return;
    }
    tx.oncomplete = () => resolve(result as T);
    tx.onerror = () => reject(storageFailed(what, tx.error));
    tx.onabort = () => reject(storageFailed(what, tx.error));
    try {
      body(tx, (value) => (result = value));
    } catch (e) {
      tx.abort();
      reject(storageFailed(what, e));
    }
  });
}

export async function openRunStore(options: StoreOptions = {}): Promise<RunStore> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) throw new FormatError('storage-failed', 'this browser offers no IndexedDB storage');
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const db = await openDatabase(factory, options.name ?? 'gatescope');

  const getRun = (id: string) =>
    transact<RunInfo | undefined>(db, [RUNS], 'readonly', 'reading a saved run', (tx, done) => {
      const req = tx.objectStore(RUNS).get(id);
      req.onsuccess = () => done(req.result as RunInfo | undefined);
    });

  const listRuns = () =>
    transact<RunInfo[]>(db, [RUNS], 'readonly', 'listing saved runs', (tx, done) => {
      const req = tx.objectStore(RUNS).getAll();
      req.onsuccess = () =>
        done((req.result as RunInfo[]).sort((a, b) => b.updatedAt - a.updatedAt));
    });

  return {
    async saveRun(input) {
      const [previous, hasCorpus] = await Promise.all([
        getRun(input.id),
        transact<boolean>(db, [CORPORA], 'readonly', 'reading browser storage', (tx, done) => {
          const req = tx.objectStore(CORPORA).count(input.corpusSha256);
          req.onsuccess = () => done(req.result > 0);
        }),
      ]);
      // For the quota check only. Only the growth counts: the old checkpoint of this run is replaced.
      const growth =
        input.checkpoint.byteLength -
        (previous?.checkpointBytes ?? 0) +
        (hasCorpus ? 0 : input.corpus.length * 2);
      await checkQuota(Math.max(0, growth), storage);
      const now = Date.now();
      const info: RunInfo = {
        id: input.id,
        name: input.name,
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
        step: input.step,
        model: { ...input.model },
        corpusSha256: input.corpusSha256,
        corpusLength: input.corpus.length,
        checkpointBytes: input.checkpoint.byteLength,
        ...(input.lastLoss !== undefined ? { lastLoss: input.lastLoss } : {}),
      };
      await transact<void>(
        db,
        [RUNS, CHECKPOINTS, CORPORA],
        'readwrite',
        'saving the run',
        (tx) => {
          tx.objectStore(RUNS).put(info);
          tx.objectStore(CHECKPOINTS).put(input.checkpoint, input.id);
          // Checked again inside this transaction: a delete of another run since the read
          // above may have taken the shared corpus with it.
          const corpora = tx.objectStore(CORPORA);
          const stored = corpora.count(input.corpusSha256);
          stored.onsuccess = () => {
            if (stored.result === 0) corpora.put(input.corpus, input.corpusSha256);
          };
        },
      );
      return info;
    },

    listRuns,

    async latestRun() {
      return (await listRuns())[0];
    },

    loadRun(id) {
      return transact<LoadedRun>(
        db,
        [RUNS, CHECKPOINTS, CORPORA],
        'readonly',
        'loading the run',
        (tx, done) => {
          const runReq = tx.objectStore(RUNS).get(id);
          runReq.onsuccess = () => {
            const info = runReq.result as RunInfo | undefined;
            if (!info) {
              tx.abort();
              return;
            }
            const ckReq = tx.objectStore(CHECKPOINTS).get(id);
            const corpusReq = tx.objectStore(CORPORA).get(info.corpusSha256);
            corpusReq.onsuccess = () => {
              const checkpoint = ckReq.result as unknown;
              const corpus = corpusReq.result as unknown;
              if (!(checkpoint instanceof Uint8Array) || typeof corpus !== 'string') {
                tx.abort();
                return;
              }
              done({ info, checkpoint, corpus });
            };
          };
        },
      ).catch((e: unknown) => {
        throw e instanceof FormatError && e.code === 'storage-failed'
          ? new FormatError('storage-failed', `saved run ${id} is missing or incomplete`)
          : e;
      });
    },

    deleteRun(id) {
      return transact<void>(
        db,
        [RUNS, CHECKPOINTS, CORPORA],
        'readwrite',
        'deleting the run',
        (tx) => {
          const runs = tx.objectStore(RUNS);
          const all = runs.getAll();
          all.onsuccess = () => {
            const list = all.result as RunInfo[];
            const gone = list.find((r) => r.id === id);
            runs.delete(id);
            tx.objectStore(CHECKPOINTS).delete(id);
            if (gone && !list.some((r) => r.id !== id && r.corpusSha256 === gone.corpusSha256)) {
              tx.objectStore(CORPORA).delete(gone.corpusSha256);
            }
          };
        },
      );
    },

    close() {
      db.close();
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
