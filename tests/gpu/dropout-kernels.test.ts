// The GPU's dropout masks against dropout.ts fillMask, bit for bit: the
// dropout_apply kernel (sites 1..L) and site 0 fused into the embedding
// gather and its gradient, in both mask modes, at several rates, for every
// site key the per-step block holds (L = 8: sites 0..8), with seeds and
// steps past 2³¹, on odd shapes and one window of the benchmark's size.
//
// Dimension legend: T window, B batch, X units of a site, E embedding, V
// vocabulary; N = T·B.

import { afterAll, describe, expect, test } from 'vitest';
import { dropoutScale, fillMask, type DropoutSpec } from '../../src/engine/dropout';
import { dropoutStepUniforms, MAX_DROPOUT_SITES } from '../../src/engine/gpu/dropoutStep';
import { grid, rowsGrid } from '../../src/engine/gpu/program';
import { UNIFORM_BINDING_SIZE } from '../../src/engine/gpu/uniforms';
import { openGpu } from '../helpers/webgpu';
import { KernelBench, randomArray } from './support';

const harness = await openGpu();
const bench = new KernelBench(harness);
afterAll(() => {
  bench.close();
  harness.close();
});

/** The per-step block of `step`, as the backend writes it before a submit. */
function stepBlock(spec: DropoutSpec, step: number): GPUBuffer {
  const buffer = bench.resources.buffer(
    'dropout step (test)',
    UNIFORM_BINDING_SIZE,
    GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  );
  bench.device.queue.writeBuffer(buffer, 0, dropoutStepUniforms(spec, step, MAX_DROPOUT_SITES - 1));
  return buffer;
}

/** fillMask's (T, B, X) mask of a site. */
function cpuMask(spec: DropoutSpec, step: number, site: number, T: number, B: number, X: number) {
  const mask = new Float32Array(T * B * X);
  fillMask(mask, spec, step, site, T, B, X);
  return mask;
}

/** Indices where two float arrays differ bitwise (NaN-safe), the first few. */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
  const [ua, ub] = [bits(a), bits(b)];
  const out: number[] = [];
  for (let i = 0; i < ua.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

const cases: { rate: number; variational: boolean; seed: number; step: number }[] = [
  { rate: 0.5, variational: false, seed: 7, step: 1 },
  { rate: 0.1, variational: false, seed: 0xdeadbeef, step: 123457 },
  { rate: 0.9, variational: true, seed: 42, step: 3 },
  { rate: 0.25, variational: true, seed: 2 ** 31 + 5, step: 2 ** 31 },
];

describe('dropout masks on the GPU equal dropout.ts fillMask', () => {
  for (const { rate, variational, seed, step } of cases) {
    const spec: DropoutSpec = { rate, variational, seed };
    const mode = variational ? 'variational' : 'standard';

    test(`dropout_apply, every site 0..8 (rate ${rate}, ${mode}, seed ${seed}, step ${step})`, async () => {
      const [T, B, X] = [5, 3, 9];
      const count = T * B * X;
      const src = randomArray(count + 3, 17, 2);
      const srcBuf = bench.upload('src', src);
      const dropout = stepBlock(spec, step);
      const sites = Array.from({ length: MAX_DROPOUT_SITES }, (_, s) => s);
      const dst = bench.zeros('dst', sites.length * count);
      await bench.run((p) => {
        for (const site of sites) {
          p.dispatch({
            kernel: 'dropout_apply',
            uniforms: {
              count,
              X,
              B,
              srcOffset: 3, // offsets are honoured on both sides
              dstOffset: site * count,
              site,
              variational: variational ? 1 : 0,
            },
            buffers: [srcBuf, dst, dropout],
            workgroups: grid(Math.ceil(count / 64)),
          });
        }
      });
      const got = await bench.read(dst, sites.length * count);
      const scale = dropoutScale(rate);
      for (const site of sites) {
        const mask = cpuMask(spec, step, site, T, B, X);
        const want = mask.map((m, i) => m * src[3 + i]);
        const slice = got.slice(site * count, (site + 1) * count);
        expect(bitDiffs(slice, want), `site ${site}`).toEqual([]);
        // The mask is really there: some units dropped, the rest scaled.
        expect(mask.some((m) => m === 0) && mask.some((m) => m === scale)).toBe(true);
      }
    });

    test(`site 0 in the embedding gather and its gradient (rate ${rate}, ${mode})`, async () => {
      // tokens[n] = n, all-ones embedding and dx0: x0 and each gradient row are the mask itself.
      const [T, B, E] = [7, 3, 13];
      const N = T * B;
      const V = N;
      const EMB_OFFSET = 8;
      const params = new Float32Array(EMB_OFFSET + V * E).fill(1);
      const tokens = Int32Array.from({ length: N }, (_, n) => n);
      const [paramsBuf, tokensBuf] = [
        bench.upload('params', params),
        bench.upload('tokens', tokens),
      ];
      const ones = bench.upload('dx0', new Float32Array(N * E).fill(1));
      const x0 = bench.zeros('x0', N * E);
      const grads = bench.zeros('grads', V * E);
      const dropout = stepBlock(spec, step);
      const flags = { B, variational: variational ? 1 : 0 };
      await bench.run((p) => {
        p.dispatch({
          kernel: 'embedding_forward_dropout',
          uniforms: { N, E, tokenOffset: 0, embOffset: EMB_OFFSET, outOffset: 0, ...flags },
          buffers: [paramsBuf, tokensBuf, x0, dropout],
          workgroups: rowsGrid(Math.ceil(E / 64), N),
        });
        p.dispatch({
          kernel: 'embedding_backward_dropout',
          uniforms: { N, E, V, tokenOffset: 0, gradOffset: 0, ...flags },
          buffers: [tokensBuf, ones, grads, dropout],
          workgroups: grid(V),
        });
      });
      const want = cpuMask(spec, step, 0, T, B, E);
      expect(bitDiffs(await bench.read(x0, N * E), want), 'x0').toEqual([]);
      expect(bitDiffs(await bench.read(grads, V * E), want), 'dEmbedding').toEqual([]);
    });
  }

  test('a window of the benchmark size (T 64, B 32, X 257), standard and variational', async () => {
    const [T, B, X] = [64, 32, 257];
    const count = T * B * X; // 526,336 draws
    const ones = bench.upload('ones', new Float32Array(count).fill(1));
    const dst = bench.zeros('dst', 2 * count);
    const specs: DropoutSpec[] = [
      { rate: 0.3, variational: false, seed: 99 },
      { rate: 0.3, variational: true, seed: 99 },
    ];
    for (const [k, spec] of specs.entries()) {
      const dropout = stepBlock(spec, 77);
      await bench.run((p) =>
        p.dispatch({
          kernel: 'dropout_apply',
          uniforms: {
            count,
            X,
            B,
            srcOffset: 0,
            dstOffset: k * count,
            site: 4,
            variational: spec.variational ? 1 : 0,
          },
          buffers: [ones, dst, dropout],
          workgroups: grid(Math.ceil(count / 64)),
        }),
      );
    }
    const got = await bench.read(dst, 2 * count);
    for (const [k, spec] of specs.entries()) {
      const want = cpuMask(spec, 77, 4, T, B, X);
      expect(bitDiffs(got.slice(k * count, (k + 1) * count), want), `spec ${k}`).toEqual([]);
    }
  });
});
