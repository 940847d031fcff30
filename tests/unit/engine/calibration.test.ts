// engine/calibration.ts on two real CPU backends of one model whose costs
// differ for a real reason: the TypeScript reference GEMM (kernel 'ts')
// against the wasm SIMD kernel. calibrate picks the one the test's own timing
// shows faster (asserted only where that timing is decisive, ≥ 1.5×, on a
// shape chosen so that it is), puts every candidate back exactly (weights,
// Adam moments, step, carried state), so training afterwards gives the very
// losses it would have given without calibration; a tie goes to the
// preferred candidate; a failing step rejects with the others put back. (The
// CPU engine's step runs within trainStep, so no CPU candidate can be cut:
// the cut is tested on the GPU engine, tests/gpu/auto-engine.test.ts.)

import { describe, expect, it } from 'vitest';
import type { Backend, Batch } from '../../../src/engine/backend';
import { Batcher } from '../../../src/engine/batcher';
import { calibrate } from '../../../src/engine/calibration';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';

// The products dominate at this size, where the wasm kernel is several times the reference.
const model: ModelConfig = {
  cell: 'lstm',
  vocabSize: 40,
  embedSize: 48,
  hiddenSize: 96,
  layers: 1,
};
const shape = { batchSize: 16, seqLen: 16 };
const params = initParams(model, new Rng(2));
const tokens = (() => {
  const rng = new Rng(5);
  return Int32Array.from({ length: 20_000 }, () => rng.int(model.vocabSize));
})();
const DROPOUT = { rate: 0.2, variational: false, seed: 9 };

function windows(n: number): Batch[] {
  const batcher = new Batcher(tokens, shape.batchSize, shape.seqLen, 1);
  return Array.from({ length: n }, () => batcher.next().batch);
}
const [first] = windows(1);
const step = (backend: Backend) => backend.trainStep(first, DEFAULT_OPTIMIZER, false, DROPOUT);

const backendOf = (kernel: 'ts' | 'wasm') => new CpuBackend(model, params, { ...shape, kernel });

/** Everything a rollback must restore. */
async function stateOf(backend: Backend) {
  return {
    step: backend.step,
    params: await backend.getParams(),
    moments: await backend.getOptimizerState(),
    carried: await backend.getState(),
  };
}

/** A few steps so that moments, step and carried state are all non-trivial. */
async function trainSome(backend: Backend, batches: Batch[]) {
  for (const b of batches) backend.trainStep(b, DEFAULT_OPTIMIZER, false, DROPOUT);
  backend.flushLosses();
  return (await backend.drainLosses()).map((l) => l.loss);
}

/** The test's own timing: median ms per step of each backend, steps alternating. */
async function timeBoth(a: Backend, b: Backend, steps = 5): Promise<[number, number]> {
  const one = async (backend: Backend) => {
    const t0 = performance.now();
    step(backend);
    backend.flushLosses();
    await backend.drainLosses();
    return performance.now() - t0;
  };
  await one(a);
  await one(b);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < steps; i++) {
    ta.push(await one(a));
    tb.push(await one(b));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  return [median(ta), median(tb)];
}

describe('calibrate on the TS reference and the wasm kernel', () => {
  it('picks the backend the test times faster, whichever comes first', async () => {
    const ts = backendOf('ts');
    const wasm = backendOf('wasm');
    expect(wasm.gemmKernel).toMatch(/^wasm/);
    const [tsMs, wasmMs] = await timeBoth(ts, wasm);
    const ratio = Math.max(tsMs, wasmMs) / Math.min(tsMs, wasmMs);
    console.log(`[calibration] ts ${tsMs.toFixed(1)} ms, wasm ${wasmMs.toFixed(1)} ms per step`);
    // The shape is chosen for a decisive difference; a machine where it is not fails here.
    expect(ratio, 'the two kernels must differ decisively at this shape').toBeGreaterThanOrEqual(
      1.5,
    );
    const faster = wasmMs < tsMs ? 'wasm' : 'ts';
    for (const order of [
      ['ts', 'wasm'],
      ['wasm', 'ts'],
    ] as const) {
      const backends = { ts, wasm };
      const result = await calibrate(
        order.map((key) => ({ key, backend: backends[key] })),
        step,
      );
      await result.settled;
      expect(result.pick).toBe(faster);
      expect(result.speedup).toBeGreaterThan(1.2);
      expect(result.timings.map((t) => t.key)).toEqual(order);
    }
    ts.dispose();
    wasm.dispose();
  });

  it('puts every candidate back exactly, so training goes on as without it', async () => {
    const batches = windows(6);
    const calibrated = [backendOf('ts'), backendOf('wasm')];
    const twins = [backendOf('ts'), backendOf('wasm')];
    for (const b of [...calibrated, ...twins]) await trainSome(b, batches.slice(0, 3));
    const before = await Promise.all(calibrated.map(stateOf));
    expect(before[0].step).toBe(3);

    const result = await calibrate(
      [
        { key: 'ts', backend: calibrated[0] },
        { key: 'wasm', backend: calibrated[1] },
      ],
      step,
    );
    await result.settled;
    const after = await Promise.all(calibrated.map(stateOf));
    expect(after).toEqual(before);
    // The next steps' losses are those of twins that were never calibrated, bit for bit.
    for (let k = 0; k < 2; k++) {
      const got = await trainSome(calibrated[k], batches.slice(3));
      const want = await trainSome(twins[k], batches.slice(3));
      expect(got).toEqual(want);
    }
    for (const b of [...calibrated, ...twins]) b.dispose();
  });

  it('gives a tie to the preferred candidate, in either order', async () => {
    const a = backendOf('wasm');
    const b = backendOf('wasm');
    // Any two figures within 10× of each other tie.
    for (const prefer of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const result = await calibrate(
        [
          { key: 'a', backend: a },
          { key: 'b', backend: b },
        ],
        step,
        { tieMargin: 9, prefer },
      );
      await result.settled;
      expect(result.pick).toBe(prefer[0]);
      expect(result.timings.every((t) => !t.cut)).toBe(true);
    }
    a.dispose();
    b.dispose();
  });

  it('rejects when a step fails, with every candidate put back', async () => {
    const good = backendOf('wasm');
    const bad = backendOf('wasm');
    const before = await stateOf(good);
    const failing = (backend: Backend) => {
      if (backend === bad) throw new Error('this engine cannot train');
      step(backend);
    };
    await expect(
      calibrate(
        [
          { key: 'good', backend: good },
          { key: 'bad', backend: bad },
        ],
        failing,
      ),
    ).rejects.toThrow('this engine cannot train');
    expect(await stateOf(good)).toEqual(before);
    good.dispose();
    bad.dispose();
  });
});
