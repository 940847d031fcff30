// A module Web Worker for tests/e2e/cpu-threads.test.ts, standing where the
// app's engine worker stands: it builds the CPU backend through
// createCpuBackend with GEMM threads (nested module workers over shared
// memory) and without, trains both on the same batches from the same weights,
// and posts back what each computed. Built by Vite like the app (and served by
// its dev server), so the nested worker URL is rewritten the way the app's is.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { Batcher } from '../../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../src/engine/config';
import { createCpuBackend } from '../../src/engine/cpu/create';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';

export interface CpuThreadsRequest {
  threads: number;
  steps: number;
}

export interface CpuThreadsReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** Threads of the pooled backend, its own included (1: it fell back to serial). */
  threads: number;
  device: string;
  /** Which GEMM kernel the serial and the pooled backend ran (CpuBackend.gemmKernel). */
  kernels: string[];
  parallelProducts: number;
  serialLosses: number[];
  pooledLosses: number[];
  /** Parameter entries that differ after training (0 when bit-identical). */
  paramMismatches: number;
  stateMismatches: number;
  startMs: number;
  error?: string;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<CpuThreadsRequest>) => void) | null;
  postMessage(message: CpuThreadsReport): void;
  crossOriginIsolated: boolean;
  navigator: { hardwareConcurrency: number };
};

function mismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  // Object.is: bit-identical means -0 and NaN too.
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

async function run(request: CpuThreadsRequest): Promise<CpuThreadsReport> {
  // Big enough that every product of a step is split (see MIN_PARALLEL_WORK in pool.ts).
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: 37,
    embedSize: 32,
    hiddenSize: 48,
    layers: 2,
  };
  const B = 16;
  const T = 12;
  const params = initParams(model, new Rng(5));
  const rng = new Rng(9);
  const tokens = Int32Array.from({ length: 30_000 }, () => rng.int(model.vocabSize));
  const shape = { batchSize: B, seqLen: T };
  const serial = await createCpuBackend(model, params, shape, { threads: 0 });
  const t0 = performance.now();
  const pooled = await createCpuBackend(model, params, shape, { threads: request.threads });
  const startMs = performance.now() - t0;
  try {
    const a = new Batcher(tokens, B, T, 1);
    const b = new Batcher(tokens, B, T, 1);
    for (let s = 0; s < request.steps; s++) {
      serial.trainStep(a.next().batch, DEFAULT_OPTIMIZER);
      pooled.trainStep(b.next().batch, DEFAULT_OPTIMIZER);
    }
    const serialState = await serial.getState();
    const pooledState = await pooled.getState();
    return {
      crossOriginIsolated: scope.crossOriginIsolated,
      hardwareConcurrency: scope.navigator.hardwareConcurrency,
      threads: pooled.threads,
      device: pooled.info.device,
      kernels: [serial.gemmKernel, pooled.gemmKernel],
      parallelProducts: pooled.parallelProducts,
      serialLosses: (await serial.drainLosses()).map((l) => l.loss),
      pooledLosses: (await pooled.drainLosses()).map((l) => l.loss),
      paramMismatches: mismatches(await serial.getParams(), await pooled.getParams()),
      stateMismatches:
        mismatches(serialState.h, pooledState.h) + mismatches(serialState.c, pooledState.c),
      startMs,
    };
  } finally {
    serial.dispose();
    pooled.dispose();
  }
}

scope.onmessage = (event) => {
  run(event.data).then(
    (report) => scope.postMessage(report),
    (error: unknown) =>
      scope.postMessage({
        crossOriginIsolated: scope.crossOriginIsolated,
        hardwareConcurrency: scope.navigator.hardwareConcurrency,
        threads: 0,
        device: '',
        kernels: [],
        parallelProducts: 0,
        serialLosses: [],
        pooledLosses: [],
        paramMismatches: -1,
        stateMismatches: -1,
        startMs: 0,
        error: String(error),
      }),
  );
};
