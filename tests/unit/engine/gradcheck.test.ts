// Finite-difference gradient check of the CPU reference, every parameter
// tensor, in float64, for every cell type, without and with dropout (fixed
// masks: those of one step, drawn as dropout.ts defines); then the float32
// path against float64. The method is shared (tests/helpers/gradcheck.ts)
// with the bidirectional and forecast checks.
import { describe, it } from 'vitest';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import type { DropoutSpec } from '../../../src/engine/dropout';
import type { RecurrentState } from '../../../src/engine/state';
import type { Arr, ArrCtor } from '../../../src/engine/cpu/gemm';
import {
  expectFloat32Agrees,
  expectGradientsMatch,
  type GradFixture,
} from '../../helpers/gradcheck';

const T = 4;
const B = 3;

function modelOf(cell: CellType): ModelConfig {
  return { cell, vocabSize: 7, embedSize: 4, hiddenSize: 5, layers: 2 };
}

function fixture(model: ModelConfig, ctor: ArrCtor): GradFixture {
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
  return { model, T, B, layout, params, inputs, targets, state };
}

/** The dropout settings each check runs under: none, then masks of step 3 both ways. */
const DROPOUTS: [string, DropoutSpec | undefined][] = [
  ['no dropout', undefined],
  ['dropout 0.3', { rate: 0.3, variational: false, seed: 11 }],
  ['variational dropout 0.3', { rate: 0.3, variational: true, seed: 11 }],
];

describe.each(
  CELL_TYPES.flatMap((cell) => DROPOUTS.map(([name, spec]) => [cell, name, spec] as const)),
)('CPU reference gradients, %s, %s', (cell, name, dropout) => {
  const model = modelOf(cell);

  it('match central finite differences in float64 for every tensor (rel. err ≤ 1e-6)', () => {
    expectGradientsMatch(fixture(model, Float64Array), `${cell}, ${name}`, dropout);
  });

  it('float32 path agrees with float64 within 1e-4 per tensor', () => {
    expectFloat32Agrees(fixture(model, Float32Array), fixture(model, Float64Array), dropout);
  });
});
