// The dropout masks of dropout.ts, the definition both engines draw from:
// deterministic, the dropped share where the rate puts it, one mask per
// stream and unit in variational mode, and the threshold and scale exact at
// their edges.
//
// Dimension legend: T window, B batch, X units of a site.
import { describe, expect, it } from 'vitest';
import {
  dropoutScale,
  dropoutSpecOf,
  fillMask,
  hash32,
  keepThreshold,
  maskValue,
  siteKey,
  type DropoutSpec,
} from '../../../src/engine/dropout';

const [T, B, X] = [32, 16, 256];
const N = T * B * X;

function mask(spec: DropoutSpec, step: number, site: number): Float32Array {
  const out = new Float32Array(N);
  fillMask(out, spec, step, site, T, B, X);
  return out;
}

/**
 * The most a Binomial(n, p) count may stray from n·p here: six standard
 * deviations. Were the hash a fair coin, a count would pass it with
 * probability 1 − 2·10⁻⁹; the masks are deterministic, so a pass is a pass
 * for good, and a hash with a bias of a few σ/n would fail.
 */
function binomialBound(n: number, p: number): number {
  return 6 * Math.sqrt(n * p * (1 - p));
}

describe('dropout masks', () => {
  const spec: DropoutSpec = { rate: 0.3, variational: false, seed: 42 };

  it('are a pure function of (seed, step, site): the same twice, different when any changes', () => {
    const m = mask(spec, 7, 1);
    const differing = (other: Float32Array) => other.filter((v, i) => v !== m[i]).length;
    expect(differing(mask(spec, 7, 1))).toBe(0);
    // Two independent masks of drop rate p differ at 2p(1 − p) of the positions.
    const expected = 2 * 0.3 * 0.7 * N;
    for (const other of [mask(spec, 8, 1), mask(spec, 7, 2), mask({ ...spec, seed: 43 }, 7, 1)]) {
      expect(Math.abs(differing(other) - expected)).toBeLessThan(binomialBound(N, 0.42));
    }
  });

  it.each([0.05, 0.3, 0.5, 0.9])(
    'drop a share of rate %f, within six binomial standard deviations, and keep the mean 1',
    (rate) => {
      const m = mask({ rate, variational: false, seed: 9 }, 1, 0);
      const p = keepThreshold(rate) / 2 ** 24;
      const dropped = m.filter((v) => v === 0).length;
      expect(Math.abs(dropped - N * p)).toBeLessThan(binomialBound(N, p));
      // Inverted dropout: E[mask] = (1 − p)·scale = 1, so the expected input of a layer is kept.
      const scale = dropoutScale(rate);
      const mean = m.reduce((a, v) => a + v, 0) / N;
      expect(Math.abs(mean - 1)).toBeLessThan((scale * binomialBound(N, p)) / N);
    },
  );

  it('draw neighbouring elements independently (pairs dropped together at rate²)', () => {
    const m = mask(spec, 3, 0);
    const p = keepThreshold(0.3) / 2 ** 24;
    let both = 0;
    for (let i = 0; i + 1 < N; i += 2) if (m[i] === 0 && m[i + 1] === 0) both++;
    expect(Math.abs(both - (N / 2) * p * p)).toBeLessThan(binomialBound(N / 2, p * p));
  });

  it('in variational mode are one mask per stream and unit, the same at every t', () => {
    const m = mask({ ...spec, variational: true }, 5, 1);
    const rowOf = (t: number, b: number) => m.subarray((t * B + b) * X, (t * B + b + 1) * X);
    let unequal = 0;
    for (let t = 1; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const [row, first] = [rowOf(t, b), rowOf(0, b)];
        for (let u = 0; u < X; u++) if (row[u] !== first[u]) unequal++;
      }
    }
    expect(unequal).toBe(0);
    // Streams draw their own: no two streams share a mask of 256 units.
    const rows = new Set(Array.from({ length: B }, (_, b) => rowOf(0, b).join(',')));
    expect(rows.size).toBe(B);
    // Its draw at (b, u) is the standard mask's draw at t = 0.
    expect(rowOf(0, 3)).toEqual(mask(spec, 5, 1).subarray(3 * X, 4 * X));
  });

  it('in standard mode differ across t', () => {
    const m = mask(spec, 5, 1);
    const rows = new Set(
      Array.from({ length: T }, (_, t) => m.subarray(t * B * X, t * B * X + X).join(',')),
    );
    expect(rows.size).toBe(T);
  });

  it('have exact threshold and scale at the edges', () => {
    expect(keepThreshold(0)).toBe(0);
    expect(keepThreshold(0.5)).toBe(2 ** 23);
    expect(keepThreshold(0.25)).toBe(2 ** 22);
    // Below half a 2⁻²⁴ step the threshold is 0: every unit kept, with a float32 scale of exactly 1.
    expect(keepThreshold(2 ** -26)).toBe(0);
    expect(dropoutScale(2 ** -26)).toBe(1);
    expect(dropoutScale(0.5)).toBe(2);
    expect(dropoutScale(0.75)).toBe(4);
    // Not a power of two: the float32 nearest 1/0.7, what the GPU multiplies by.
    expect(dropoutScale(0.3)).toBe(Math.fround(1 / 0.7));
    expect(dropoutScale(0.3)).not.toBe(1 / 0.7);
    // Threshold 0 keeps every draw (all are ≥ 0); 2²⁴ keeps none (all are < 2²⁴).
    const key = siteKey(1, 1, 0);
    for (let i = 0; i < 1000; i++) {
      expect(maskValue(key, i, 0, 1.5)).toBe(1.5);
      expect(maskValue(key, i, 2 ** 24, 1.5)).toBe(0);
    }
  });

  it('hash with u32 wrap-around, as WGSL does', () => {
    for (const x of [0, 1, 0xffffffff, 0x80000000, 123456789]) {
      const h = hash32(x);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
    expect(hash32(0)).toBe(0);
    expect(hash32(1)).not.toBe(hash32(2));
    // A seed above 2³¹ (TrainConfig.seed goes to 2³² − 1) keys like its u32 self.
    expect(siteKey(0xffffffff, 1, 0)).toBe(siteKey(-1, 1, 0));
  });

  it('are off at rate 0 and carry the mode and seed otherwise', () => {
    expect(dropoutSpecOf({ dropout: 0, dropoutMode: 'variational' }, 1)).toBeUndefined();
    expect(dropoutSpecOf({ dropout: 0.2, dropoutMode: 'variational' }, 5)).toEqual({
      rate: 0.2,
      variational: true,
      seed: 5,
    });
  });
});
