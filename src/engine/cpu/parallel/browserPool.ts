// How the CPU engine spawns GEMM workers in a browser. Shared memory needs a
// cross-origin-isolated page (COOP/COEP headers, set by vite.config.ts and the
// test server); without it, or without spare cores, the CPU engine runs on its
// own thread.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (none appears here: this file only counts and starts threads).

import type { SpawnGemmWorker } from './pool';

/** Whether this page or worker may share memory with workers at all. */
export function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated && typeof SharedArrayBuffer === 'function' && typeof Worker === 'function';
}

/**
 * Extra GEMM threads worth starting here: cores − 1, so that with the
 * engine's own thread (a worker) the products use every core (issue 17). The
 * page's thread does no engine work at all, only UI, rendering and messages,
 * and is mostly idle; the OS schedules it among the engine's threads (the UI
 * benchmark's long-task check watches that it stays responsive). At most 7
 * extra, past which the per-timestep products are too small to split. 0 when
 * memory cannot be shared.
 */
export function defaultGemmThreads(): number {
  if (!canShareMemory()) return 0;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(0, Math.min(7, cores - 1));
}

/**
 * Starts gemmWorker.ts as a module worker. The `new Worker(new URL(...,
 * import.meta.url))` form is what Vite rewrites, in dev and in the build, also
 * inside a worker (the engine's); a load error (404, a blocked COEP response)
 * is reported to the pool, which then runs serially.
 */
export const spawnBrowserGemmWorker: SpawnGemmWorker = (init, failed) => {
  const worker = new Worker(new URL('./gemmWorker.ts', import.meta.url), {
    type: 'module',
    name: `gatescope-gemm-${init.index}`,
  });
  worker.onerror = (event) => {
    event.preventDefault();
    failed(event.message || 'the worker script did not load');
  };
  worker.onmessageerror = () => failed('the worker could not receive shared memory');
  worker.postMessage(init);
  return worker;
};
