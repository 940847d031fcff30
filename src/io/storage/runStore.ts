// Saved runs in IndexedDB: each run's latest checkpoint (checkpoint.ts bytes)
// and its corpus, so reopening the page can offer to resume. The records and
// what may be done with them; the connection they go through is
// connection.ts, the schema idb.ts.
//
// Storage is shared by every tab of the origin and outlives this code, so:
// - every record read back is validated (runRecord.ts); one that fails is
//   listed as damaged and never loaded;
// - a save never takes a run backwards in steps when another writer (tab)
//   saved it last (StaleRunError): that tab's later state is kept.

import type { ModelConfig } from '../../engine/config';
import { openConnection, type ConnectionOptions } from './connection';
import { StaleRunError, StorageError } from './errors';
import { CHECKPOINTS, CORPORA, onResult, RUNS } from './idb';
import { checkQuota, defaultStorage, type StorageEstimator } from './quota';
import { checkRunRecord, isDamaged, type DamagedRun, type RunInfo } from './runRecord';

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

export interface StoreOptions extends ConnectionOptions {
  /** Defaults to navigator.storage; null skips the quota check. */
  storage?: StorageEstimator | null;
}

export function newRunId(): string {
  return crypto.randomUUID();
}

/** Opens the store; rejects with a StorageError when browser storage cannot be had. */
export async function openRunStore(options: StoreOptions = {}): Promise<RunStore> {
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const connection = await openConnection(options);
  const run = connection.run;

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
        new StorageError('storage-failed', `saved run ${id} is missing or incomplete`);
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
        throw new StorageError(
          'run-damaged',
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

    close: () => connection.close(),
  };
}
