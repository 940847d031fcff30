// Shared by the run-store tests: stores opened on fake-indexeddb that are all
// closed after each test (an open connection would block the next test's
// upgrade), and the input of a save of a small run.

import { afterEach } from 'vitest';
import type { ModelConfig } from '../../src/engine/config';
import {
  newRunId,
  openRunStore,
  type RunStore,
  type SaveRunInput,
  type StoreOptions,
} from '../../src/io/storage';

/**
 * Returns an opener of run stores (no quota check unless `storage` is given);
 * every store it opened, and every one passed to `keep`, closes after each test.
 */
export function runStores() {
  const opened: RunStore[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });
  const keep = (store: RunStore): RunStore => {
    opened.push(store);
    return store;
  };
  const open = async (options: StoreOptions): Promise<RunStore> =>
    keep(await openRunStore({ storage: null, ...options }));
  return { open, keep };
}

/** A save of a run of `model` at step 10 on "hello world"; `over` replaces any field. */
export function runInput(model: ModelConfig, over: Partial<SaveRunInput> = {}): SaveRunInput {
  return {
    id: newRunId(),
    name: 'run',
    checkpoint: Uint8Array.from({ length: 1000 }, (_, i) => i & 255),
    corpus: 'hello world',
    corpusSha256: 'a'.repeat(64),
    step: 10,
    model,
    ...over,
  };
}
