// The benchmark page: exposes `window.gatescopeBench` for bench/run.ts to call
// through Playwright. Each call builds one contender on one shape from the same
// seeded weights and batches, warms it up, times several runs and reports.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import * as tf from '@tensorflow/tfjs';
import { Batcher } from '../../src/engine/batcher';
import type { CellType } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../src/engine/config';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { BENCH_LEARNING_RATE, type BenchShape } from '../shapes';
import { calibrate } from '../../src/engine/calibration';
import { defaultGemmThreads } from '../../src/engine/cpu/parallel/browserPool';
import {
  createContender,
  gatescopeGemmGflops,
  gatescopeWasmGemmGflops,
  tfjsMatMulGflops,
  type ContenderName,
  type RunnableContender,
} from './contenders';
import type { Batch } from '../../src/engine/backend';

export interface OpenRequest {
  contender: ContenderName;
  cell: CellType;
  shape: BenchShape;
  warmupSteps: number;
  stepsPerRun: number;
  runs: number;
  /**
   * Batches in the corpus (default warmupSteps + runs · stepsPerRun): the
   * batcher's streams depend on its length, so a contender opened with other
   * step counts (a capped one) passes the others' count to see their batches.
   */
  corpusSteps?: number;
}

export interface TimedRun {
  msPerStep: number;
  /** Loss of the last step of this run, for the same-work check. */
  finalLoss: number;
}

interface OpenContender {
  contender: RunnableContender;
  batches: Batch[];
  request: OpenRequest;
  nextRun: number;
}

const open = new Map<number, OpenContender>();
let nextId = 1;

/** A corpus of seeded random tokens: every contender sees the same batches. */
function batchesFor(shape: BenchShape, count: number): Batch[] {
  const rng = new Rng(11);
  const tokens = Int32Array.from({ length: shape.B * shape.T * (count + 1) + 1 }, () =>
    rng.int(shape.V),
  );
  const batcher = new Batcher(tokens, shape.B, shape.T, 1);
  return Array.from({ length: count }, () => batcher.next().batch);
}

/** Builds a contender from the shared seeded weights and runs its warm-up steps. */
async function openContender(req: OpenRequest): Promise<number> {
  const { shape } = req;
  const model: ModelConfig = {
    vocabSize: shape.V,
    cell: req.cell,
    embedSize: shape.E,
    hiddenSize: shape.H,
    layers: shape.L,
  };
  const params = initParams(model, new Rng(1));
  const optimizer = { ...DEFAULT_OPTIMIZER, learningRate: BENCH_LEARNING_RATE, clipNorm: 0 };
  const batches = batchesFor(
    shape,
    req.corpusSteps ?? req.warmupSteps + req.runs * req.stepsPerRun,
  );
  const contender = await createContender(
    req.contender,
    model,
    params,
    optimizer,
    shape.B,
    shape.T,
  );
  await contender.train(batches.slice(0, req.warmupSteps));
  const id = nextId++;
  open.set(id, { contender, batches, request: req, nextRun: 0 });
  return id;
}

/** Times the contender's next run of `stepsPerRun` steps on the next unseen batches. */
async function timeRun(id: number): Promise<TimedRun> {
  const entry = open.get(id);
  if (!entry) throw new Error(`no open contender ${id}`);
  const { request: req } = entry;
  const start = req.warmupSteps + entry.nextRun++ * req.stepsPerRun;
  const batches = entry.batches.slice(start, start + req.stepsPerRun);
  const t0 = performance.now();
  const finalLoss = await entry.contender.train(batches);
  return { msPerStep: (performance.now() - t0) / req.stepsPerRun, finalLoss };
}

export interface AutoPick {
  pick: string;
  speedup: number;
  elapsedMs: number;
  timings: { key: string; msPerStep: number; steps: number; cut: boolean }[];
}

/**
 * The Auto column: gatescope's own calibrate() (src/engine/calibration.ts, what
 * the app's worker runs for Auto) on the two open gatescope contenders, CPU
 * first as the worker orders them (WebGPU preferred on a tie, as there), on the
 * contenders' last batch. Every
 * candidate is rolled back afterwards, so the bench's figures are untouched;
 * resolves once both are back (`settled`).
 */
async function calibrateAuto(cpuId: number, gpuId: number): Promise<AutoPick> {
  const cpu = open.get(cpuId);
  const gpu = open.get(gpuId);
  if (!cpu?.contender.backend || !gpu?.contender.backend) throw new Error('no gatescope engine');
  const batch = cpu.batches[cpu.batches.length - 1];
  const optimizer = { ...DEFAULT_OPTIMIZER, learningRate: BENCH_LEARNING_RATE, clipNorm: 0 };
  const result = await calibrate(
    [
      { key: 'gatescope-cpu', backend: cpu.contender.backend },
      { key: 'gatescope-webgpu', backend: gpu.contender.backend },
    ],
    (backend) => {
      backend.resetState();
      backend.trainStep(batch, optimizer);
    },
    // As the worker's Auto (src/worker/backendChoice.ts): WebGPU on a tie, it leaves the cores free.
    { prefer: ['gatescope-webgpu', 'gatescope-cpu'] },
  );
  await result.settled;
  return {
    pick: result.pick,
    speedup: result.speedup,
    elapsedMs: result.elapsedMs,
    timings: result.timings,
  };
}

function stats(id: number): Record<string, number | string> {
  return open.get(id)?.contender.stats() ?? {};
}

function closeContender(id: number): void {
  open.get(id)?.contender.dispose();
  open.delete(id);
}

async function environment() {
  const adapter = await navigator.gpu?.requestAdapter();
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    adapter: adapter
      ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim()
      : 'none',
    tfjsVersion: tf.version.tfjs,
    /** Threads in all the CPU engine computes GEMMs on here (its own + defaultGemmThreads()). */
    cpuEngineThreads: 1 + defaultGemmThreads(),
  };
}

async function matMulRoofline(backend: string, n: number): Promise<number> {
  if (backend === 'gatescope-webgpu') return gatescopeGemmGflops(n);
  // On every thread the CPU engine's products use, as it splits them.
  // A 512³ product takes milliseconds here: best of 10, as the shared machine's load comes and goes.
  if (backend === 'gatescope-wasm') return gatescopeWasmGemmGflops(n, 1 + defaultGemmThreads(), 10);
  if (!(await tf.setBackend(backend))) return NaN;
  await tf.ready();
  return tfjsMatMulGflops(n, backend === 'wasm' ? 10 : 3);
}

declare global {
  interface Window {
    gatescopeBench: {
      openContender: typeof openContender;
      timeRun: typeof timeRun;
      stats: typeof stats;
      closeContender: typeof closeContender;
      environment: typeof environment;
      matMulRoofline: typeof matMulRoofline;
      calibrateAuto: typeof calibrateAuto;
    };
  }
}

window.gatescopeBench = {
  openContender,
  timeRun,
  stats,
  closeContender,
  environment,
  matMulRoofline,
  calibrateAuto,
};
document.title = 'gatescope benchmark: ready';
