// The finite-difference gradient check shared by the CPU reference's gradient
// tests (tests/unit/engine/gradcheck*.test.ts, bidirectional, forecastHead):
// central differences of the mean window loss in float64, tensor by tensor,
// against the analytic gradient modelForwardBackward accumulated.
import { expect } from 'vitest';
import type { ModelConfig } from '../../src/engine/config';
import type { DropoutSpec } from '../../src/engine/dropout';
import type { ParamLayout } from '../../src/engine/params';
import type { RecurrentState } from '../../src/engine/state';
import type { Arr, ArrCtor } from '../../src/engine/cpu/gemm';
import {
  lossTerms,
  modelForward,
  modelForwardBackward,
  viewArena,
  windowLossSum,
  windowMasks,
  Workspace,
  type WindowInput,
  type WindowTargets,
} from '../../src/engine/cpu/model';

/** One window of a model: its weights, what it reads and is scored against, and its state. */
export interface GradFixture {
  model: ModelConfig;
  T: number;
  B: number;
  layout: ParamLayout;
  params: Arr;
  inputs: WindowInput;
  targets: WindowTargets;
  state: RecurrentState<Arr>;
}

/** The analytic gradient (arena) and mean loss of a fixture, with the masks of `step` under `dropout`. */
export function analyticGradients(f: GradFixture, ctor: ArrCtor, dropout?: DropoutSpec, step = 3) {
  const grads = new ctor(f.layout.total);
  const ws = new Workspace(ctor, f.model, f.T, f.B);
  const masks = dropout && windowMasks(ws, dropout, step);
  const loss = modelForwardBackward(
    ws,
    viewArena(f.layout, f.params),
    viewArena(f.layout, grads),
    f.inputs,
    f.targets,
    f.state,
    masks,
  );
  return { grads, loss, masks };
}

/** Per tensor: relative error ‖g − n‖/‖max(|g|, |n|)‖, its worst element, and ‖·‖² of the gradient. */
export interface TensorCheck {
  name: string;
  rel: number;
  worst: number;
  norm2: number;
}

/**
 * Central differences (eps) of the mean loss for every float of every tensor
 * of the float64 fixture, against `grads`. The masks (if any) stay fixed.
 */
export function finiteDifferences(
  f: GradFixture,
  grads: Arr,
  masks?: readonly Arr[],
  eps = 1e-5,
): TensorCheck[] {
  const ws = new Workspace(Float64Array, f.model, f.T, f.B);
  const { params } = f;
  const terms = lossTerms(f.model, f.T, f.B);
  const meanLoss = () => {
    modelForward(ws, viewArena(f.layout, params), f.inputs, f.state, masks);
    return windowLossSum(ws, f.targets) / terms;
  };
  return f.layout.tensors.map((t) => {
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
    return { name: t.name, rel: norm2 > 0 ? Math.sqrt(diff2 / norm2) : 0, worst, norm2 };
  });
}

/**
 * The whole check: analytic float64 gradients against central differences,
 * every tensor nonzero (except those listed in `zero`, which must be zero)
 * and within `tolerance`; logs a report and returns the worst relative error.
 */
export function expectGradientsMatch(
  f: GradFixture,
  title: string,
  dropout?: DropoutSpec,
  tolerance = 1e-6,
): number {
  const { grads, masks } = analyticGradients(f, Float64Array, dropout);
  if (masks) {
    // The masks really drop something at every site, and keep something too.
    for (const mask of masks) {
      expect(mask.some((v) => v === 0)).toBe(true);
      expect(mask.some((v) => v > 1)).toBe(true);
    }
  }
  const eps = 1e-5;
  const checks = finiteDifferences(f, grads, masks, eps);
  for (const c of checks) {
    if (c.name === 'embedding' && f.layout.embedding.size === 0) continue;
    expect(c.norm2, `${c.name} has a nonzero gradient`).toBeGreaterThan(0);
    expect(c.rel, c.name).toBeLessThanOrEqual(tolerance);
  }
  const report = checks.map(
    (c) =>
      `${c.name.padEnd(16)} rel ${c.rel.toExponential(2)}  worst element ${c.worst.toExponential(2)}`,
  );
  console.log(`gradient check, ${title} (float64, eps ${eps}):\n  ${report.join('\n  ')}`);
  return Math.max(...checks.map((c) => c.rel));
}

/** The float32 path's gradients within `tolerance` (relative, per tensor) of float64's. */
export function expectFloat32Agrees(
  f32: GradFixture,
  f64: GradFixture,
  dropout?: DropoutSpec,
  tolerance = 1e-4,
): void {
  const r64 = analyticGradients(f64, Float64Array, dropout);
  const r32 = analyticGradients(f32, Float32Array, dropout);
  expect(Math.abs(r32.loss - r64.loss) / r64.loss).toBeLessThan(1e-5);
  for (const t of f64.layout.tensors) {
    let diff2 = 0;
    let norm2 = 0;
    for (let k = t.offset; k < t.offset + t.size; k++) {
      diff2 += (r32.grads[k] - r64.grads[k]) ** 2;
      norm2 += r64.grads[k] ** 2;
    }
    if (norm2 === 0) continue;
    expect(Math.sqrt(diff2 / norm2), t.name).toBeLessThanOrEqual(tolerance);
  }
}
