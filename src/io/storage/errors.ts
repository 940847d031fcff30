// Failures of browser storage (IndexedDB and the origin's quota), typed apart
// from FormatError: a FormatError says a file is unusable and the remedy is
// another file; a StorageError says the browser could not keep or give back
// a saved run, and the remedy is room, a reload or another browser.
//
// Public API:
//   StorageError      — browser storage failed; `code` says how
//   StorageFullError  — the origin's quota is out of room (code 'storage-full')
//   StaleRunError     — another tab saved the same run further along (code 'run-superseded')
//   storageFailed(what, cause) — the StorageError for anything IndexedDB threw

export type StorageErrorCode =
  /** Browser storage is full or refused the write. */
  | 'storage-full'
  /** Browser storage is unavailable, closed, or a request failed. */
  | 'storage-failed'
  /** Another writer (tab) saved the same run further along (see StaleRunError). */
  | 'run-superseded'
  /** A saved run's record or checkpoint is unusable: it is listed as damaged, never loaded. */
  | 'run-damaged';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export class StorageFullError extends StorageError {
  constructor(
    message: string,
    /** Bytes in use and available, from navigator.storage.estimate(), when known. */
    readonly usage?: number,
    readonly quota?: number,
  ) {
    super('storage-full', message);
    this.name = 'StorageFullError';
  }
}

/**
 * A save would replace a later step of the same run written by another tab:
 * the stored run is kept and this tab's run must continue under a new id.
 */
export class StaleRunError extends StorageError {
  constructor(
    readonly storedStep: number,
    readonly step: number,
  ) {
    super(
      'run-superseded',
      `this run was saved at step ${storedStep} by another tab; a save at step ${step} would replace it`,
    );
    this.name = 'StaleRunError';
  }
}

/**
 * The StorageError for what an IndexedDB call threw or reported while doing
 * `what` ("saving the run"): the browser's own quota and version errors get
 * words a person can act on; a StorageError passes through as it is.
 */
export function storageFailed(what: string, cause: unknown): StorageError {
  if (cause instanceof StorageError) return cause;
  const err = cause as { name?: string; message?: string } | null;
  if (err?.name === 'QuotaExceededError') {
    return new StorageFullError(
      'browser storage is full: delete saved runs (or export this one to a file) and try again',
    );
  }
  if (err?.name === 'VersionError') {
    return new StorageError(
      'storage-failed',
      'a newer version of gatescope in another tab upgraded browser storage: reload this page to keep saving',
    );
  }
  return new StorageError('storage-failed', `${what} failed: ${err?.message ?? String(cause)}`);
}
