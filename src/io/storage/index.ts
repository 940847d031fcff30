// Saved runs in browser storage (IndexedDB and the origin's quota), written
// against the standard IndexedDB and StorageManager APIs only (no UI, no
// store), usable from a page or a worker; tests pass fake-indexeddb in.
// Every failure is a StorageError (errors.ts), never a FormatError: a stored
// run that cannot be kept or given back is not a bad file.
//
//   runStore.ts   the records: save (quota-checked, never behind another tab), list, load, delete
//   connection.ts one tab's connection, reopened after another tab upgrades the database
//   idb.ts        the schema, opening it, one transaction as a promise
//   quota.ts      the origin's quota, asked before a save
//   autosave.ts   saves every few seconds while training, one at a time
//   runRecord.ts  a record read back is validated, never trusted
//   errors.ts     StorageError, StorageFullError, StaleRunError
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
//     → { start(), stop(), saveNow() }
//   newRunId() → string

export { openRunStore, newRunId } from './runStore';
export type { LoadedRun, RunStore, SaveRunInput, StoreOptions } from './runStore';
export { createAutosaver } from './autosave';
export type { Autosaver, AutosaverOptions } from './autosave';
export { checkQuota } from './quota';
export { isDamaged } from './runRecord';
export type { DamagedRun, RunInfo } from './runRecord';
export { StorageError, StorageFullError, StaleRunError } from './errors';
export type { StorageErrorCode } from './errors';
