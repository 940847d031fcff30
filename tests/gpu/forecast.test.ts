// Forecast models on the WebGPU engine against the CPU reference (itself
// checked against finite differences in tests/unit/engine/forecastHead.test.ts):
// Ci = 2 values straight into layer 0 (no embedding), Co = 1 or 2 values out,
// mean squared error, state carried from window to window, for every cell at
// L = 1 and 2 on odd shapes (H 37, T 5, B 3). One window's gradients per
// tensor with and without dropout (site 0 drops the values), 16 training steps
// queued back to back with the carried state, predict and evaluate over
// consecutive windows (state carried), the probe of a stretch of values, and
// the chart's rollout through a prediction stream (state carried between calls).
// Plans alternate as in bidirectional.test.ts; tolerances are
// backend.test.ts's (gradients) and training.test.ts's (steps).
//
// Dimension legend: H hidden, L layers, T window, B batch, Ci values read and
// Co values predicted per timestep, P probe timesteps.

import { afterAll, describe, expect, test } from 'vitest';
import type { Batch } from '../../src/engine/backend';
import { CELL_TYPES } from '../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig, type OptimizerConfig } from '../../src/engine/config';
import type { DropoutSpec } from '../../src/engine/dropout';
import { paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { rollout } from '../../src/series/forecast';
import { openGpu } from '../helpers/webgpu';
import { expectClose, parityBackends, relativeError, report } from './support';

const harness = await openGpu();
afterAll(() => harness.close());

const [T, B, Ci] = [5, 3, 2];

function seriesBatch(rng: Rng, Co: number, b = B): Batch {
  const values = Float32Array.from({ length: T * b * Ci }, () => rng.normal());
  const targetValues = Float32Array.from({ length: T * b * Co }, () => rng.normal());
  const none = new Int32Array(0);
  return { inputs: none, targets: none, values, targetValues, seqLen: T, batchSize: b };
}

const optimizer: OptimizerConfig = {
  ...DEFAULT_OPTIMIZER,
  learningRate: 1e-2,
  weightDecay: 0.01,
  clipNorm: 1,
};

const backends = (model: ModelConfig) => parityBackends(harness.device, model, B, T);

describe.each(CELL_TYPES)('forecast on the GPU vs the CPU (%s)', (cell) => {
  for (const L of [1, 2]) {
    for (const Co of [1, 2]) {
      const model: ModelConfig = {
        cell,
        vocabSize: 0,
        embedSize: 4,
        hiddenSize: 37,
        layers: L,
        task: 'forecast',
        seriesInputs: Ci,
        seriesOutputs: Co,
      };
      const name = `${cell} L=${L} Co=${Co}`;

      test(`gradients per tensor with a carried state, with and without dropout (L=${L}, Co=${Co})`, async () => {
        const { cpu, gpu } = await backends(model);
        try {
          const rng = new Rng(11);
          // A carried state that is not zero: train one window first on both.
          const warm = seriesBatch(rng, Co);
          cpu.trainStep(warm, optimizer);
          gpu.trainStep(warm, optimizer);
          const batch = seriesBatch(rng, Co);
          const dropouts: (DropoutSpec | undefined)[] = [
            undefined,
            { rate: 0.3, variational: false, seed: 11 },
          ];
          for (const dropout of dropouts) {
            const want = await cpu.gradients(batch, dropout);
            const got = await gpu.gradients(batch, dropout);
            const label = `${name} ${dropout ? 'dropout' : 'no dropout'}`;
            report(`${label} loss`, [got.loss], [want.loss]);
            expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
            report(`${label} gradients`, got.grads, want.grads);
            for (const t of paramLayout(model).tensors) {
              if (t.size === 0) continue; // the (0, E) embedding of a forecast
              const g = got.grads.subarray(t.offset, t.offset + t.size);
              const c = want.grads.subarray(t.offset, t.offset + t.size);
              const err = relativeError(g, c);
              expect(err, `${label} ${t.name}: relative error ${err}`).toBeLessThan(1e-4);
            }
          }
        } finally {
          gpu.dispose();
        }
      });

      test(`16 training steps, predict, evaluate and probe (L=${L}, Co=${Co})`, async () => {
        const { cpu, gpu } = await backends(model);
        try {
          // Dispatches per step (docs/gpu-engine.md): a text model's less the embedding both ways
          // and layer 0's dX; dropout adds site 0 forward (the values) and sites 1..L both ways.
          const R = L === 1 ? T : 1;
          const Z = cell === 'gru' ? 1 : 0;
          expect(gpu.dispatchesPerStep()).toBe(L * (2 * R + 4 + Z) + 5);
          expect(gpu.dispatchesPerStep(T, 'standard')).toBe(L * (2 * R + 4 + Z) + 5 + 2 * L + 1);
          const rng = new Rng(5);
          for (let s = 0; s < 16; s++) {
            const batch = seriesBatch(rng, Co);
            const dropout = s % 4 === 2 ? { rate: 0.2, variational: false, seed: 3 } : undefined;
            cpu.trainStep(batch, optimizer, false, dropout);
            gpu.trainStep(batch, optimizer, false, dropout);
          }
          const [gpuLosses, cpuLosses] = [await gpu.drainLosses(), await cpu.drainLosses()];
          const loss = (xs: { loss: number }[]) => xs.map((l) => l.loss);
          report(`${name} 16-step losses`, loss(gpuLosses), loss(cpuLosses));
          expectClose('loss curve', loss(gpuLosses), loss(cpuLosses), 0, 1e-3);
          const [gs, cs] = [await gpu.getState(), await cpu.getState()];
          expectClose('carried h', gs.h, cs.h, 1e-4, 1e-3);
          expectClose('carried c', gs.c, cs.c, 1e-4, 1e-3);
          expectClose('params', await gpu.getParams(), await cpu.getParams(), 1e-4, 1e-3);

          // Consecutive validation windows of fewer streams: the state runs on from one to the next.
          const windows = [seriesBatch(rng, Co, 2), seriesBatch(rng, Co, 2)];
          const [got, want] = [await gpu.predict(windows), await cpu.predict(windows)];
          expect(got.map((o) => o.length)).toEqual(windows.map(() => T * 2 * Co));
          got.forEach((o, k) => {
            report(`${name} predict`, o, want[k]);
            expectClose(`predict window ${k}`, o, want[k], 1e-4, 1e-3);
          });
          expectClose(
            'evaluate',
            [await gpu.evaluate(windows)],
            [await cpu.evaluate(windows)],
            0,
            1e-4,
          );

          const stretch = Float32Array.from({ length: 9 * Ci }, () => rng.normal()); // (P, Ci)
          const [gp, cp] = [await gpu.probe(stretch), await cpu.probe(stretch)];
          expect(gp.length).toBe(9);
          expect(gp.logits.length).toBe(9 * Co);
          report(`${name} probe outputs`, gp.logits, cp.logits);
          expectClose('probe outputs', gp.logits, cp.logits, 1e-4, 1e-3);
          gp.layers.forEach((layer, l) => {
            for (const [signal, values] of Object.entries(layer)) {
              const reference = cp.layers[l][signal as keyof typeof layer]!;
              expectClose(`probe layers[${l}].${signal}`, values!, reference, 1e-4, 1e-3);
            }
          });

          // The chart's rollout through a prediction stream (one B = 1 window per row, the
          // state carried between calls): its own forecasts fed back, covariates when Co = 1.
          const columns = [0, 1].map((k) =>
            Float64Array.from({ length: 24 }, (_, r) => Math.sin(r / 3 + k)),
          );
          const layout = { inputColumns: [0, 1], targetColumns: Co === 2 ? [0, 1] : [0] };
          const ahead = (backend: typeof gpu | typeof cpu) =>
            rollout(backend, columns, layout, 16, 12, 9, T);
          const [gr, cr] = [await ahead(gpu), await ahead(cpu)];
          // With a covariate the rollout stops at the last row; without, it runs past it.
          expect(gr.length).toBe((Co === 2 ? 12 : 8) * Co);
          report(`${name} rollout`, gr, cr);
          expectClose('rollout', gr, cr, 1e-4, 1e-3);
          // A later evaluation clears the state a stream carries: the stream refuses to go on.
          const stream = gpu.predictStream();
          await stream.next(seriesBatch(rng, Co, 1));
          await gpu.evaluate(windows);
          await expect(stream.next(seriesBatch(rng, Co, 1))).rejects.toThrow(/ended by a later/);
        } finally {
          gpu.dispose();
        }
      });
    }
  }
});
