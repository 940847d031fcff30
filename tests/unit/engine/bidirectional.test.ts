// Bidirectional layers on the CPU reference: the float64 gradient check of
// both directions of every cell at L = 1 and 2 on a tagging task (with and
// without dropout), what a position's prediction can see (the whole window
// both ways; a left-to-right model only the past), the probe's reverse
// direction in text order, and that tagging windows never carry state.
import { afterAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/engine/backend';
import { CELL_TYPES, type CellType } from '../../../src/engine/cells';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { ArrCtor } from '../../../src/engine/cpu/gemm';
import type { DropoutSpec } from '../../../src/engine/dropout';
import { initParams, paramLayout } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import type { Direction } from '../../../src/engine/task';
import {
  expectFloat32Agrees,
  expectGradientsMatch,
  type GradFixture,
} from '../../helpers/gradcheck';

const T = 4;
const B = 3;

function tagger(cell: CellType, layers: number, direction: Direction = 'bi'): ModelConfig {
  return { cell, vocabSize: 7, embedSize: 4, hiddenSize: 5, layers, task: 'spaces', direction };
}

function fixture(model: ModelConfig, ctor: ArrCtor): GradFixture {
  const rng = new Rng(5);
  // Larger-than-init weights so every nonlinearity works away from its linear region.
  const params = new ctor(initParams(model, rng).map((x) => x * 3));
  const inputs = Int32Array.from({ length: T * B }, () => rng.int(model.vocabSize));
  const targets = Int32Array.from({ length: T * B }, () => rng.int(2));
  // A tagging window starts from zero state (task.ts carriesState).
  const n = model.layers * B * model.hiddenSize;
  const state = { h: new ctor(n), c: new ctor(n) };
  return { model, T, B, layout: paramLayout(model), params, inputs, targets, state };
}

const DROPOUTS: [string, DropoutSpec | undefined][] = [
  ['no dropout', undefined],
  ['dropout 0.3', { rate: 0.3, variational: false, seed: 11 }],
  ['variational dropout 0.3', { rate: 0.3, variational: true, seed: 11 }],
];

/** The largest per-tensor relative error of each check, summarised once at the end. */
const worst: Record<string, number> = {};
afterAll(() => {
  const lines = Object.entries(worst).map(([k, v]) => `${k.padEnd(36)} ${v.toExponential(2)}`);
  if (lines.length > 0)
    console.log(`bidirectional gradient checks, max rel:\n  ${lines.join('\n  ')}`);
});

describe.each(
  CELL_TYPES.flatMap((cell) =>
    [1, 2].flatMap((L) => DROPOUTS.map(([name, spec]) => [cell, L, name, spec] as const)),
  ),
)('bidirectional gradients, %s, L = %i, %s', (cell, L, name, dropout) => {
  const model = tagger(cell, L);

  it('match central finite differences in float64 for every tensor of both directions', () => {
    const layout = paramLayout(model);
    expect(layout.reverse).toHaveLength(L);
    const rel = expectGradientsMatch(
      fixture(model, Float64Array),
      `bi ${cell} L=${L}, ${name}`,
      dropout,
    );
    worst[`${cell} L=${L} ${name}`] = rel;
  });

  it('float32 path agrees with float64 within 1e-4 per tensor', () => {
    expectFloat32Agrees(fixture(model, Float32Array), fixture(model, Float64Array), dropout);
  });
});

/** One stream (B = 1) of `tokens`, labels all 0. */
function window(tokens: number[]): Batch {
  return {
    inputs: Int32Array.from(tokens),
    targets: new Int32Array(tokens.length),
    seqLen: tokens.length,
    batchSize: 1,
  };
}

function backendOf(model: ModelConfig, seqLen: number, batchSize = 1): CpuBackend {
  return new CpuBackend(model, initParams(model, new Rng(3)), { batchSize, seqLen });
}

describe.each(CELL_TYPES)('what a %s tagger sees', (cell) => {
  const tokens = [1, 4, 2, 6, 0, 3, 5, 2];
  const changed = [...tokens];
  changed[5] = 6; // the input at t = 5 only

  /** Per position t, whether the outputs (O = 2) at t moved when the input at 5 changed. */
  async function moved(direction: Direction): Promise<boolean[]> {
    const cpu = backendOf(tagger(cell, 2, direction), tokens.length);
    const [a] = await cpu.predict([window(tokens)]);
    const [b] = await cpu.predict([window(changed)]);
    expect(a).toHaveLength(tokens.length * 2);
    return tokens.map((_, t) => a[2 * t] !== b[2 * t] || a[2 * t + 1] !== b[2 * t + 1]);
  }

  it('bidirectional: every position depends on inputs after it', async () => {
    expect(await moved('bi')).toEqual(tokens.map(() => true));
  });

  it('left-to-right: a position depends on no input after it', async () => {
    expect(await moved('uni')).toEqual(tokens.map((_, t) => t >= 5));
  });
});

describe('the probe of a bidirectional model', () => {
  it('gives the reverse direction in text order: a uni model with its weights, over the reversed text, reversed back', async () => {
    const bi = tagger('lstm', 1);
    const uni = tagger('lstm', 1, 'uni');
    const biParams = initParams(bi, new Rng(9));
    const [lb, lu] = [paramLayout(bi), paramLayout(uni)];
    // The uni model's layer 0 is the bi model's reverse direction; its head is unused here.
    const uniParams = new Float32Array(lu.total);
    uniParams.set(biParams.subarray(lb.embedding.offset, lb.embedding.offset + lb.embedding.size));
    for (const k of ['wx', 'wh', 'b'] as const) {
      const [from, to] = [lb.reverse[0][k], lu.layers[0][k]];
      uniParams.set(biParams.subarray(from.offset, from.offset + from.size), to.offset);
    }
    const tokens = Int32Array.from([2, 5, 1, 1, 6, 0, 3]);
    const P = tokens.length;
    const H = bi.hiddenSize;
    const rb = await new CpuBackend(bi, biParams, { batchSize: 1, seqLen: P }).probe(tokens);
    const ru = await new CpuBackend(uni, uniParams, { batchSize: 1, seqLen: P }).probe(
      tokens.slice().reverse(),
    );
    expect(rb.reverse).toHaveLength(1);
    expect(rb.logits).toHaveLength(P * 2);
    for (const key of ['i', 'f', 'g', 'o', 'c', 'h'] as const) {
      const rev = rb.reverse![0][key]!;
      const ref = ru.layers[0][key]!;
      for (let t = 0; t < P; t++) {
        for (let j = 0; j < H; j++) expect(rev[t * H + j]).toBe(ref[(P - 1 - t) * H + j]);
      }
    }
    // The forward direction is the uni probe's own business: present, text order, (P, H).
    expect(rb.layers[0].h).toHaveLength(P * H);
  });
});

describe.each(['uni', 'bi'] as const)('%s tagging windows', (direction) => {
  const model = tagger('lstm', 2, direction);
  const Tw = 6;
  const Bw = 2;
  const rng = new Rng(4);
  const batch = (): Batch => ({
    inputs: Int32Array.from({ length: Tw * Bw }, () => rng.int(model.vocabSize)),
    targets: Int32Array.from({ length: Tw * Bw }, () => rng.int(2)),
    seqLen: Tw,
    batchSize: Bw,
  });
  const [first, second] = [batch(), batch()];

  it('start from zero state in evaluate and predict: a window scores as it does alone', async () => {
    const cpu = backendOf(model, Tw, Bw);
    const [, afterFirst] = await cpu.predict([first, second]);
    const [alone] = await cpu.predict([second]);
    expect(afterFirst).toEqual(alone);
    const both = await cpu.evaluate([first, second]);
    const each = ((await cpu.evaluate([first])) + (await cpu.evaluate([second]))) / 2;
    expect(Math.abs(both - each)).toBeLessThan(1e-6);
  });

  it('carry nothing out of a training step', async () => {
    const cpu = backendOf(model, Tw, Bw);
    cpu.trainStep(first, DEFAULT_OPTIMIZER);
    const state = await cpu.getState();
    expect(state.h.every((v) => v === 0)).toBe(true);
    expect(state.c.every((v) => v === 0)).toBe(true);
    // And the step's gradient is that of the window from zero state: the same as a fresh engine's.
    const fresh = backendOf(model, Tw, Bw);
    await fresh.setParams(await cpu.getParams());
    const [g1, g2] = [await cpu.gradients(second), await fresh.gradients(second)];
    expect(g1.grads).toEqual(g2.grads);
  });
});

describe('the gradient-flow view', () => {
  it('refuses a bidirectional model with a clear error', async () => {
    const cpu = backendOf(tagger('gru', 1), 4);
    await expect(cpu.gradientFlow(window([1, 2, 3, 4]))).rejects.toThrow(/left-to-right/);
  });
});
