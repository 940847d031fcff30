// Finite-difference gradient check of the CPU reference, every parameter
// tensor, in float64, for every cell type, without and with dropout (fixed
// masks: those of one step, drawn as dropout.ts defines); then the float32
// path against float64.
import { describe, expect, it } from 'vitest';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import {
  modelForward,
  modelForwardBackward,
  viewArena,
  windowLossSum,
  windowMasks,
  Workspace,
} from '../../../src/engine/cpu/model';
import type { DropoutSpec } from '../../../src/engine/dropout';
import type { RecurrentState } from '../../../src/engine/state';
import type { Arr, ArrCtor } from '../../../src/engine/cpu/gemm';

const T = 4;
const B = 3;

function modelOf(cell: CellType): ModelConfig {
  return { cell, vocabSize: 7, embedSize: 4, hiddenSize: 5, layers: 2 };
}

function fixture(model: ModelConfig, ctor: ArrCtor) {
  const rng = new Rng(7);
  const layout = paramLayout(model);
  // Larger-than-init weights so every nonlinearity works away from its linear region.
  const params = new ctor(initParams(model, rng).map((x) => x * 3));
  const inputs = Int32Array.from({ length: T * B }, () => rng.int(model.vocabSize));
  const targets = Int32Array.from({ length: T * B }, () => rng.int(model.vocabSize));
  // A nonzero carried state, so the gradient path through h0 and c0 is exercised too.
  const n = model.layers * B * model.hiddenSize;
  const state: RecurrentState<Arr> = {
    h: new ctor(n).map(() => rng.uniform(-0.5, 0.5)),
    c: new ctor(n).map(() => rng.uniform(-1, 1)),
  };
  return { layout, params, inputs, targets, state };
}

/** The dropout settings each check runs under: none, then masks of step 3 both ways. */
const DROPOUTS: [string, DropoutSpec | undefined][] = [
  ['no dropout', undefined],
  ['dropout 0.3', { rate: 0.3, variational: false, seed: 11 }],
  ['variational dropout 0.3', { rate: 0.3, variational: true, seed: 11 }],
];
const STEP = 3;

function analyticGrads(model: ModelConfig, ctor: ArrCtor, dropout?: DropoutSpec) {
  const f = fixture(model, ctor);
  const grads = new ctor(f.layout.total);
  const ws = new Workspace(ctor, model, T, B);
  const masks = dropout && windowMasks(ws, dropout, STEP);
  const loss = modelForwardBackward(
    ws,
    viewArena(f.layout, f.params),
    viewArena(f.layout, grads),
    f.inputs,
    f.targets,
    f.state,
    masks,
  );
  return { ...f, grads, loss, masks };
}

describe.each(
  CELL_TYPES.flatMap((cell) => DROPOUTS.map(([name, spec]) => [cell, name, spec] as const)),
)('CPU reference gradients, %s, %s', (cell, _name, dropout) => {
  const model = modelOf(cell);

  it('match central finite differences in float64 for every tensor (rel. err ≤ 1e-6)', () => {
    const { layout, params, inputs, targets, state, grads, masks } = analyticGrads(
      model,
      Float64Array,
      dropout,
    );
    if (masks) {
      // The masks really drop something at every site, and keep something too.
      for (const mask of masks) {
        expect(mask.some((v) => v === 0)).toBe(true);
        expect(mask.some((v) => v > 1)).toBe(true);
      }
    }
    const ws = new Workspace(Float64Array, model, T, B);
    const meanLoss = () => {
      modelForward(ws, viewArena(layout, params), inputs, state, masks);
      return windowLossSum(ws, targets) / (T * B);
    };
    const eps = 1e-5;
    const report: string[] = [];
    for (const t of layout.tensors) {
      let diff2 = 0;
      let norm2 = 0;
      let worst = 0;
      for (let k = 0; k < t.size; k++) {
        const idx = t.offset + k;
        const saved = params[idx];
        params[idx] = saved + eps;
        const up = meanLoss();
        params[idx] = saved - eps;
        const down = meanLoss();
        params[idx] = saved;
        const numeric = (up - down) / (2 * eps);
        const d = grads[idx] - numeric;
        diff2 += d * d;
        norm2 += Math.max(grads[idx] ** 2, numeric ** 2);
        worst = Math.max(
          worst,
          Math.abs(d) / Math.max(1e-6, Math.abs(numeric) + Math.abs(grads[idx])),
        );
      }
      const rel = Math.sqrt(diff2 / norm2);
      report.push(
        `${t.name.padEnd(12)} rel ${rel.toExponential(2)}  worst element ${worst.toExponential(2)}`,
      );
      expect(norm2, `${t.name} has a nonzero gradient`).toBeGreaterThan(0);
      expect(rel, t.name).toBeLessThanOrEqual(1e-6);
    }
    console.log(
      `gradient check, ${cell}, ${_name} (float64, eps ${eps}):\n  ${report.join('\n  ')}`,
    );
  });

  it('float32 path agrees with float64 within 1e-4 per tensor', () => {
    const r64 = analyticGrads(model, Float64Array, dropout);
    const r32 = analyticGrads(model, Float32Array, dropout);
    expect(Math.abs(r32.loss - r64.loss) / r64.loss).toBeLessThan(1e-5);
    for (const t of r64.layout.tensors) {
      let diff2 = 0;
      let norm2 = 0;
      for (let k = t.offset; k < t.offset + t.size; k++) {
        diff2 += (r32.grads[k] - r64.grads[k]) ** 2;
        norm2 += r64.grads[k] ** 2;
      }
      expect(Math.sqrt(diff2 / norm2), t.name).toBeLessThanOrEqual(1e-4);
    }
  });
});
