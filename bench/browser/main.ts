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
import {
  createContender,
  gatescopeGemmGflops,
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
  const batches = batchesFor(shape, req.warmupSteps + req.runs * req.stepsPerRun);
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
  };
}

async function matMulRoofline(backend: string, n: number): Promise<number> {
  if (backend === 'gatescope-webgpu') return gatescopeGemmGflops(n);
  if (!(await tf.setBackend(backend))) return NaN;
  await tf.ready();
  return tfjsMatMulGflops(n, 3);
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
};
document.title = 'gatescope benchmark: ready';
