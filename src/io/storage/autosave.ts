// Autosave: the run in training written to the run store every few seconds,
// one save at a time and in order. The caller (worker/runs.ts) calls start()
// when training starts and saveNow() + stop() on pause.

import { StorageFullError } from './errors';
import type { RunInfo } from './runRecord';
import type { RunStore, SaveRunInput } from './runStore';

export interface AutosaverOptions {
  store: RunStore;
  /** Gathers what to save (e.g. captureCheckpoint + corpus); null skips this round. */
  capture: () => Promise<SaveRunInput | null>;
  /** Milliseconds between saves while started; default 5000. */
  intervalMs?: number;
  onSaved?: (info: RunInfo) => void;
  /**
   * A save failed: a StorageError when browser storage refused it (a
   * StorageFullError also stops the timer: retrying would fail the same
   * way), else whatever `capture` threw.
   */
  onError?: (error: unknown) => void;
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
      if (e instanceof StorageFullError) stop();
      options.onError?.(e);
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
