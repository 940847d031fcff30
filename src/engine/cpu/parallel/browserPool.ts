// How the engine worker spawns GEMM workers in a browser. Shared memory needs
// a cross-origin-isolated page (COOP/COEP headers, set by vite.config.ts);
// without it, or with one core, the CPU engine runs on its own thread.

import type { SpawnGemmWorker } from './pool';

/** Extra threads worth starting here (0: run serially), and the spawner. */
export function browserGemmThreads(): { threads: number; spawn: SpawnGemmWorker } {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = isolated && typeof SharedArrayBuffer === 'function' ? Math.min(7, cores - 1) : 0;
  const spawn: SpawnGemmWorker = (init) => {
    const worker = new Worker(new URL('./gemmWorker.ts', import.meta.url), {
      type: 'module',
      name: `gatescope-gemm-${init.index}`,
    });
    worker.postMessage(init);
    return worker;
  };
  return { threads: Math.max(0, threads), spawn };
}
