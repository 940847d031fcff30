import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/rng';

/** PCG32 (XSH-RR) with BigInt, straight from the reference description. */
function referencePcg32(seed: number, count: number): number[] {
  const MASK = (1n << 64n) - 1n;
  const MUL = 6364136223846793005n;
  const INC = 1442695040888963407n;
  let state = 0n;
  const step = () => {
    state = (state * MUL + INC) & MASK;
  };
  step();
  state = (state + BigInt(seed >>> 0)) & MASK;
  step();
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const old = state;
    step();
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    out.push(((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0);
  }
  return out;
}

describe('Rng (PCG32)', () => {
  it.each([0, 1, 42, 0xffffffff])('matches a BigInt reference PCG32 for seed %i', (seed) => {
    const rng = new Rng(seed);
    const ours = Array.from({ length: 1000 }, () => rng.nextU32());
    expect(ours).toEqual(referencePcg32(seed, 1000));
  });

  it('replays from a saved state', () => {
    const rng = new Rng(5);
    rng.next();
    const saved = rng.getState();
    const a = [rng.next(), rng.normal(), rng.int(10)];
    rng.setState(saved);
    expect([rng.next(), rng.normal(), rng.int(10)]).toEqual(a);
  });

  it('gives uniform numbers in [0, 1) with the right mean, and normals with unit variance', () => {
    const rng = new Rng(9);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let k = 0; k < n; k++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      const z = rng.normal();
      sq += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(sq / n).toBeCloseTo(1, 1);
  });
});
