// Auto on the software adapter (Dawn over SwiftShader), through the worker's
// real session: it picks the engine that this test's own timing of both
// engines (same model, same window, steps alternating) shows faster, at a
// shape where that timing is decisive (≥ 1.5×: a small model, E16 H32 T16
// B4, where SwiftShader's per-dispatch cost dwarfs the CPU's whole step);
// the model that trains is exactly the one the picked engine trains without
// calibration (identical losses); a second visit takes the kept decision
// without measuring (and, when it is the CPU, without building the GPU
// engine); a broken storage does not break a build; and a cut GPU candidate
// is put back once its step ends.

import { IDBFactory } from 'fake-indexeddb';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, Batch } from '../../src/engine/backend';
import { Batcher } from '../../src/engine/batcher';
import { calibrate } from '../../src/engine/calibration';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../src/engine/config';
import { createCpuBackend } from '../../src/engine/cpu/create';
import { createGpuBackend } from '../../src/engine/gpu';
import { isSoftwareAdapter } from '../../src/engine/gpu/adapterKind';
import { adapterKey } from '../../src/engine/gpu/device';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { buildCorpus } from '../../src/engine/tokenizer';
import type { DeviceReport, EngineMessage, RunConfig } from '../../src/worker/protocol';
import { TaskQueue } from '../../src/worker/queue';
import { Session } from '../../src/worker/session';
import { openTuningStore, type TuningStore } from '../../src/worker/tuningStore';
import { until } from '../helpers/until';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
/** requestAdapter calls: a kept "CPU" decision must build no GPU engine at all. */
let adapterRequests = 0;
const countingGpu = {
  requestAdapter: (options?: GPURequestAdapterOptions) => {
    adapterRequests++;
    return harness.gpu.requestAdapter(options);
  },
} as unknown as GPU;
Object.defineProperty(globalThis, 'navigator', {
  value: { ...globalThis.navigator, gpu: countingGpu },
  configurable: true,
});
afterAll(() => harness.close());

const REPORT: DeviceReport = {
  webgpu: true,
  adapterName: 'test adapter',
  adapterKey: adapterKey(harness.adapter.info),
  softwareAdapter: isSoftwareAdapter(harness.adapter.info),
};
const TEXT = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);
const CONFIG: RunConfig = {
  model: { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 16, hiddenSize: 32, layers: 1 },
  train: {
    seqLen: 16,
    batchSize: 4,
    seed: 3,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
  },
  backend: 'auto',
};

async function startSession(config: RunConfig, store: Promise<TuningStore>) {
  const messages: EngineMessage[] = [];
  const queue = new TaskQueue((error) => {
    throw error;
  });
  const session = new Session(
    (m) => messages.push(m),
    Promise.resolve(REPORT),
    queue,
    () => store,
  );
  await session.configure(config);
  await session.loadText(1, 'fox', TEXT);
  const calibrated = messages.some((m) => m.type === 'status' && m.status.calibrating === true);
  const model = messages.findLast((m) => m.type === 'model');
  if (model?.type !== 'model') throw new Error('no model was built');
  return { session, messages, calibrated, active: model.backend };
}

/** The first `n` training losses, by step (after `stepOnce` n times). */
async function firstLosses(session: Session, messages: EngineMessage[], n: number) {
  for (let k = 0; k < n; k++) session.stepOnce();
  const losses = () => {
    const out = new Map<number, number>();
    for (const m of messages)
      if (m.type === 'metrics')
        for (let k = 0; k < m.train.length; k += 2) out.set(m.train[k], m.train[k + 1]);
    return out;
  };
  await until(`${n} losses`, () => losses().size >= n);
  return [...losses()].sort((a, b) => a[0] - b[0]).slice(0, n);
}

/** The test model on both engines from the same weights, and its first training window. */
async function bothEngines(): Promise<{ cpu: Backend; gpu: Backend; batch: Batch }> {
  const corpus = buildCorpus(TEXT);
  const model = { ...CONFIG.model, vocabSize: corpus.vocab.size };
  const params = initParams(model, new Rng(3));
  const shape = { batchSize: CONFIG.train.batchSize, seqLen: CONFIG.train.seqLen };
  const cpu = await createCpuBackend(model, params, shape);
  const gpu = await createGpuBackend(harness.device, model, params, shape);
  const { batch } = new Batcher(corpus.tokens, shape.batchSize, shape.seqLen, 1).next();
  return { cpu, gpu, batch };
}

/** The test's own timing: median ms per step of the two engines on the model's window. */
async function timeEngines(): Promise<{ cpu: number; webgpu: number }> {
  const { cpu, gpu, batch } = await bothEngines();
  const one = async (backend: Backend) => {
    const t0 = performance.now();
    backend.trainStep(batch, CONFIG.train.optimizer);
    backend.flushLosses();
    await backend.drainLosses();
    return performance.now() - t0;
  };
  const times = { cpu: [] as number[], webgpu: [] as number[] };
  await one(cpu);
  await one(gpu);
  for (let k = 0; k < 7; k++) {
    times.cpu.push(await one(cpu));
    times.webgpu.push(await one(gpu));
  }
  cpu.dispose();
  gpu.dispose();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { cpu: median(times.cpu), webgpu: median(times.webgpu) };
}

describe('Auto on the software adapter', () => {
  it('picks the engine the test times faster, and trains exactly as that engine alone', async () => {
    const own = await timeEngines();
    const ratio = Math.max(own.cpu, own.webgpu) / Math.min(own.cpu, own.webgpu);
    const faster = own.cpu < own.webgpu ? 'cpu' : 'webgpu';
    console.log(
      `[auto-engine] own timing: CPU ${own.cpu.toFixed(2)} ms, WebGPU ${own.webgpu.toFixed(2)} ms per step`,
    );
    expect(ratio, 'the engines must differ decisively at this shape').toBeGreaterThanOrEqual(1.5);

    const auto = await startSession(CONFIG, openTuningStore(null));
    expect(auto.calibrated).toBe(true);
    expect(auto.active.kind).toBe(faster);
    expect(auto.active.auto).toMatchObject({ source: 'measured', pick: faster });
    expect(auto.active.auto!.speedup).toBeGreaterThan(1.2);
    expect(auto.session.trainer!.backend.info.kind).toBe(faster);
    console.log(`[auto-engine] Auto: ${JSON.stringify(auto.active.auto)}`);

    const alone = await startSession({ ...CONFIG, backend: faster }, openTuningStore(null));
    expect(alone.calibrated).toBe(false);
    const [got, want] = [
      await firstLosses(auto.session, auto.messages, 4),
      await firstLosses(alone.session, alone.messages, 4),
    ];
    expect(got).toEqual(want);
    await auto.session.dispose();
    await alone.session.dispose();
  });

  it('takes a kept decision on the next visit without measuring', async () => {
    const factory = new IDBFactory();
    const first = await startSession(CONFIG, openTuningStore(factory));
    expect(first.calibrated).toBe(true);
    const pick = first.active.kind;
    await first.session.dispose();

    const requestsBefore = adapterRequests;
    const second = await startSession(CONFIG, openTuningStore(factory));
    expect(second.calibrated).toBe(false);
    expect(second.active.kind).toBe(pick);
    expect(second.active.auto).toMatchObject({ source: 'cached', pick });
    // A kept "CPU" builds no GPU engine (no adapter, no autotune); a kept "WebGPU" does.
    expect(adapterRequests - requestsBefore).toBe(pick === 'cpu' ? 0 : 1);
    // Measure again: the kept decision is forgotten, the model measured anew and rebuilt
    // from where it was.
    await firstLosses(second.session, second.messages, 3);
    const from = second.messages.length;
    await second.session.remeasure();
    const after = second.messages.slice(from);
    expect(after.some((m) => m.type === 'status' && m.status.calibrating === true)).toBe(true);
    const rebuilt = after.findLast((m) => m.type === 'model');
    expect(rebuilt?.type === 'model' && rebuilt.backend.auto?.source).toBe('measured');
    expect(second.session.trainer!.step).toBe(3);
    // Another shape is measured anew.
    await second.session.configure({
      ...CONFIG,
      train: { ...CONFIG.train, batchSize: 8 },
    });
    expect(second.messages.some((m) => m.type === 'status' && m.status.calibrating === true)).toBe(
      true,
    );
    await second.session.dispose();
  });

  it('measures a compared set once per shape, not once per model', async () => {
    const messages: EngineMessage[] = [];
    const queue = new TaskQueue((error) => {
      throw error;
    });
    const store = openTuningStore(null);
    const session = new Session(
      (m) => messages.push(m),
      Promise.resolve(REPORT),
      queue,
      () => store,
    );
    // Two models of one shape (the second differs in its dropout only), one of another.
    await session.configure(CONFIG, [
      { ...CONFIG.model, regularization: { ...DEFAULT_REGULARIZATION, dropout: 0.2 } },
      { ...CONFIG.model, hiddenSize: 48 },
    ]);
    await session.loadText(1, 'fox', TEXT);
    expect(session.models).toHaveLength(3);
    const measured = messages.filter((m) => m.type === 'status' && m.status.calibrating === true);
    expect(measured).toHaveLength(2);
    expect(session.models.map((m) => m.backend.auto?.source)).toEqual([
      'measured',
      'cached',
      'measured',
    ]);
    await session.dispose();
  });

  it('builds and measures when the storage fails', async () => {
    const broken = {
      open() {
        throw new DOMException('the quota is exceeded', 'QuotaExceededError');
      },
    } as unknown as IDBFactory;
    const store = await openTuningStore(broken);
    expect(store.persistent).toBe(false);
    const run = await startSession(CONFIG, Promise.resolve(store));
    expect(run.calibrated).toBe(true);
    expect(run.active.auto?.source).toBe('measured');
    await firstLosses(run.session, run.messages, 2);
    await run.session.dispose();
  });

  it('cuts a GPU step that runs past cutFactor × the CPU, and puts the GPU back after', async () => {
    const { cpu, gpu, batch } = await bothEngines();
    const step = (b: Backend) => b.trainStep(batch, CONFIG.train.optimizer);
    const before = { params: await gpu.getParams(), step: gpu.step, state: await gpu.getState() };
    // The CPU's step is a fraction of a millisecond here; SwiftShader's several.
    const result = await calibrate(
      [
        { key: 'cpu', backend: cpu },
        { key: 'webgpu', backend: gpu },
      ],
      step,
      { cutFactor: 1.05 },
    );
    const [c, g] = result.timings;
    expect(result.pick).toBe('cpu');
    expect(g.cut).toBe(true);
    expect(g.msPerStep).toBeGreaterThanOrEqual(c.msPerStep);
    await result.settled;
    expect({ params: await gpu.getParams(), step: gpu.step, state: await gpu.getState() }).toEqual(
      before,
    );
    cpu.dispose();
    gpu.dispose();
  });
});
