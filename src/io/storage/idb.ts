// IndexedDB plumbing for the run store: opening the database at a schema
// version, and one transaction as a promise that settles when it COMMITS.
// Every failure leaves here as a StorageError (errors.ts).
//
// Database "gatescope", version 1:
//   runs         keyPath id → RunInfo (small: what a list of runs shows)
//   checkpoints  key run id → Uint8Array (the checkpoint file)
//   corpora      key corpus SHA-256 → string (shared by runs on the same text)

import { storageFailed } from './errors';

/** The schema this code writes. */
export const DB_VERSION = 1;
export const RUNS = 'runs';
export const CHECKPOINTS = 'checkpoints';
export const CORPORA = 'corpora';

/** A transaction's work: `done(value)` sets what it resolves with, `fail(error)` aborts it. */
export type TransactionBody<T> = (
  tx: IDBTransaction,
  done: (value: T) => void,
  fail: (error: unknown) => void,
) => void;

export function openDatabase(
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
export function transact<T>(
  db: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  what: string,
  body: TransactionBody<T>,
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
export function onResult<R>(
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
