// One tab's connection to the run database, kept usable while other tabs come
// and go: a newer gatescope in another tab that upgrades the database gets it
// at once (this connection closes on `versionchange` and reopens lazily on the
// next call; if the schema moved on, that call says to reload), and an open
// that is `blocked` by an older tab says so through `onBlocked` and goes on
// waiting.

import { StorageError } from './errors';
import { DB_VERSION, openDatabase, transact, type TransactionBody } from './idb';

export interface ConnectionOptions {
  /** Defaults to globalThis.indexedDB. */
  indexedDB?: IDBFactory;
  /** Database name; tests use their own. */
  name?: string;
  /** Schema version to open; tests raise it to play a newer gatescope. */
  version?: number;
  /** Another tab holds an older connection open; the open waits until it closes. */
  onBlocked?: () => void;
  /** This connection was closed for a newer gatescope in another tab. */
  onVersionChange?: () => void;
}

export interface Connection {
  /** Runs `body` in one transaction on the live connection (reopened if need be). */
  run<T>(
    stores: string[],
    mode: IDBTransactionMode,
    what: string,
    body: TransactionBody<T>,
  ): Promise<T>;
  close(): void;
}

/** Opens the database; resolves once the first open succeeds, rejects with a StorageError. */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory)
    throw new StorageError('storage-failed', 'this browser offers no IndexedDB storage');
  const name = options.name ?? 'gatescope';
  const version = options.version ?? DB_VERSION;
  const closedError = () => new StorageError('storage-failed', 'the run store is closed');
  let closed = false;

  // The live connection (null once closed for a newer tab) and the promise of it.
  let current: IDBDatabase | null = null;
  let connection: Promise<IDBDatabase> | null = null;
  const connect = async (): Promise<IDBDatabase> => {
    const db = await openDatabase(factory, name, version, options.onBlocked);
    if (closed) {
      db.close(); // closed while the open waited
      throw closedError();
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
    if (closed) return Promise.reject(closedError());
    connection ??= connect().catch((e: unknown) => {
      connection = null; // Try again next time (the other tab may be gone).
      throw e;
    });
    return connection;
  };

  return {
    run: async (stores, mode, what, body) => transact(await database(), stores, mode, what, body),
    close() {
      closed = true;
      current?.close();
      current = null;
      connection = null;
    },
  };
}
