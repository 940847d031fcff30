// What this machine has measured about its engines, kept across visits: the
// Auto calibration's decisions (which engine trains a shape faster on this
// adapter, backendChoice.ts) and the WebGPU autotune's kernel choices
// (engine/gpu/autotune.ts tuningExport). Both live in memory for the
// worker's lifetime and in IndexedDB (which a Web Worker has) for the next
// visit, so a second visit builds at once instead of measuring again.
//
// Storage is an optimisation, never a requirement: private browsing, a full
// quota or a blocked database leave the store in memory only, said on
// console.debug, and a build never waits on or fails for a write.
//
// Database "gatescope-tuning", version 1, one object store "entries":
//   "decisions"  Record<decision key, EngineDecision>
//   "autotune"   the autotune's TuningEntries
//
// Dimension legend: none (keys carry the model's shape, backendChoice.ts).

import { onResult, transact } from '../io/storage/idb';
import type { EngineDecision } from './protocol';

export type { EngineDecision };

const DB_NAME = 'gatescope-tuning';
const DB_VERSION = 1;
const STORE = 'entries';
/** Decisions older than this are measured again: browsers and drivers change. */
const DECISION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** Enough for every shape a person tries; the oldest go first. */
const MAX_DECISIONS = 200;

export interface TuningStore {
  decision(key: string): EngineDecision | undefined;
  remember(key: string, decision: EngineDecision): void;
  /** Forgets the decisions whose key `matches` ("Measure again"). */
  forget(matches: (key: string) => boolean): void;
  /** The autotune's choices kept from earlier visits (as tuningExport gave them). */
  readonly autotune: unknown;
  saveAutotune(entries: unknown): void;
  /** Whether the store reaches IndexedDB (false: this visit's memory only). */
  readonly persistent: boolean;
}

/**
 * The store, loaded from IndexedDB where it can be; resolves (never rejects)
 * with a memory-only store where it cannot. `indexedDB`: null for memory only
 * (tests), default globalThis.indexedDB.
 */
export async function openTuningStore(indexedDB?: IDBFactory | null): Promise<TuningStore> {
  const factory =
    indexedDB === undefined
      ? (globalThis as { indexedDB?: IDBFactory }).indexedDB
      : (indexedDB ?? undefined);
  let db: IDBDatabase | null = null;
  let decisions: Record<string, EngineDecision> = {};
  let autotune: unknown = [];
  if (factory) {
    try {
      db = await open(factory);
      const [stored, tuned] = await transact<[unknown, unknown]>(
        db,
        [STORE],
        'readonly',
        'reading the engine measurements',
        (tx, done, fail) => {
          const store = tx.objectStore(STORE);
          const out: [unknown, unknown] = [undefined, undefined];
          onResult<unknown>(store.get('decisions'), fail, (v) => (out[0] = v));
          onResult<unknown>(store.get('autotune'), fail, (v) => {
            out[1] = v;
            done(out);
          });
        },
      );
      decisions = validDecisions(stored);
      autotune = tuned ?? [];
    } catch (error) {
      console.debug('gatescope: engine measurements are kept for this visit only:', error);
      db?.close();
      db = null;
    }
  }
  const write = (key: string, value: unknown) => {
    if (!db) return;
    const target = db;
    transact<void>(target, [STORE], 'readwrite', 'saving engine measurements', (tx) => {
      tx.objectStore(STORE).put(value, key);
    }).catch((error: unknown) => {
      console.debug('gatescope: could not keep the engine measurements:', error);
    });
  };
  return {
    persistent: db !== null,
    get autotune() {
      return autotune;
    },
    decision(key) {
      const d = decisions[key];
      return d && Date.now() - d.at < DECISION_MAX_AGE_MS ? d : undefined;
    },
    remember(key, decision) {
      const kept = Object.entries(decisions)
        .filter(([k]) => k !== key)
        .sort(([, a], [, b]) => b.at - a.at)
        .slice(0, MAX_DECISIONS - 1);
      decisions = Object.fromEntries([[key, decision], ...kept]);
      write('decisions', decisions);
    },
    forget(matches) {
      decisions = Object.fromEntries(Object.entries(decisions).filter(([k]) => !matches(k)));
      write('decisions', decisions);
    },
    saveAutotune(entries) {
      autotune = entries;
      write('autotune', entries);
    },
  };
}

function open(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('opening the engine measurements failed'));
    // Another tab holds an older version open: go on without the store rather than wait.
    req.onblocked = () => reject(new Error('the engine measurements are open in another tab'));
  });
}

/** The well-formed decisions of a stored record (an older or altered one keeps what it can). */
function validDecisions(stored: unknown): Record<string, EngineDecision> {
  if (!stored || typeof stored !== 'object') return {};
  const out: Record<string, EngineDecision> = {};
  for (const [key, d] of Object.entries(stored as Record<string, unknown>)) {
    if (isDecision(d)) out[key] = d;
  }
  return out;
}

function isDecision(d: unknown): d is EngineDecision {
  if (!d || typeof d !== 'object') return false;
  const x = d as Partial<EngineDecision>;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return (
    (x.pick === 'cpu' || x.pick === 'webgpu') &&
    finite(x.speedup) &&
    typeof x.cut === 'boolean' &&
    !!x.ms &&
    finite(x.ms.cpu) &&
    finite(x.ms.webgpu) &&
    finite(x.calibrationMs) &&
    finite(x.at)
  );
}
