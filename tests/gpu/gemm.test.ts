// Every GEMM kernel configuration the autotune may pick (gemm.ts GemmChoice:
// vec4 and scalar register tiles, workgroup-memory tiles of 64×64, 32×32 and
// 32×64 with scalar loads and of 64×64 with vec4 loads) against the CPU reference products, every transpose, with bias,
// accumulation and column sums, on odd and round shapes.

import { afterAll, describe, expect, test } from 'vitest';
import { gemmNN, gemmNT, gemmTN, addRowBias, sumRowsInto } from '../../src/engine/cpu/gemm';
import {
  choiceFor,
  GEMM_CHOICES,
  gemmDispatch,
  needsVec4,
  vec4Eligible,
  type GemmArgs,
  type GemmChoice,
} from '../../src/engine/gpu/gemm';
import { openGpu } from '../helpers/webgpu';
import { KernelBench, expectClose, randomArray } from './support';

const harness = await openGpu();
const bench = harness ? new KernelBench(harness) : null;
afterAll(() => {
  bench?.close();
  harness?.close();
});

interface Case {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

const shapes: [number, number, number][] = [
  [15, 53, 37], // odd: T·B = 3·5, V = 53, H = 37
  [64, 128, 32], // round
  [33, 148, 11], // 4H = 148 with E = 11
  [20, 44, 16],
  [70, 96, 40], // more than one 64×64 tile down M, partial tiles of every size
];

async function check(c: Case, variant: GemmChoice, extras: boolean): Promise<void> {
  const b = bench!;
  const { M, N, K, transA, transB } = c;
  // Place every operand at a non-zero (aligned) offset to exercise offsets.
  const pad = 8;
  const A = randomArray(M * K, 1 + M + K);
  const B = randomArray(K * N, 7 + N);
  const bias = randomArray(N, 99);
  // Stale contents of C, which the product overwrites.
  const C0 = randomArray(M * N, 5);
  const withPad = (x: Float32Array) => {
    const out = new Float32Array(x.length + pad);
    out.set(x, pad);
    return out;
  };
  // CPU reference: stored layouts follow the flags.
  const expected = new Float32Array(M * N);
  const colSums = new Float32Array(N);
  if (transA && !transB) gemmTN(expected, A, B, M, N, K);
  else if (!transA && transB) gemmNT(expected, A, B, M, N, K);
  else if (!transA && !transB) gemmNN(expected, A, B, M, N, K);
  else {
    // Aᵀ·Bᵀ: transpose A on the host and use NT.
    const At = new Float32Array(M * K);
    for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) At[m * K + k] = A[k * M + m];
    gemmNT(expected, At, B, M, N, K);
  }
  if (extras) addRowBias(expected, bias, M, N);
  const opB = new Float32Array(K * N);
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) opB[k * N + n] = transB ? B[n * K + k] : B[k * N + n];
  sumRowsInto(colSums, opB, K, N);

  const aBuf = b.upload('a', withPad(A));
  const bBuf = b.upload('b', withPad(B));
  const biasBuf = b.upload('bias', withPad(bias));
  const cData = new Float32Array(pad + M * N + N);
  cData.set(C0, pad);
  const cBuf = b.upload('c', cData);
  const args: GemmArgs = {
    M,
    N,
    K,
    transA,
    transB,
    a: { buffer: aBuf, offset: pad, ld: transA ? M : K },
    b: { buffer: bBuf, offset: pad, ld: transB ? K : N },
    c: { buffer: cBuf, offset: pad, ld: N },
    bias: extras ? { buffer: biasBuf, offset: pad } : undefined,
    columnSumsOffset: extras ? pad + M * N : undefined,
    placeholder: biasBuf,
  };
  if (needsVec4(variant) && !vec4Eligible(args)) {
    // Unaligned for vec4 loads: the plan must refuse it, never run it.
    expect(() => gemmDispatch(args, variant)).toThrow(/cannot take this shape/);
    if (variant === 'vec4') expect(() => choiceFor(args, 'vec4')).toThrow(/cannot take this shape/);
    return;
  }
  await b.run((p) => p.dispatch(gemmDispatch(args, variant)));
  const out = await b.read(cBuf, M * N + N, pad);
  const label = `${variant} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${M}×${N}×${K}`;
  expectClose(label, out.subarray(0, M * N), expected, 1e-5, 1e-4);
  if (args.columnSumsOffset !== undefined) {
    expectClose(`${label} column sums`, out.subarray(M * N), colSums, 1e-5, 1e-4);
  }
}

describe('GEMM kernels vs CPU', () => {
  for (const variant of GEMM_CHOICES) {
    for (const [M, N, K] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          test(`${variant} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${M}×${N}×${K}`, async () => {
            await check({ M, N, K, transA, transB }, variant, false);
            await check({ M, N, K, transA, transB }, variant, true);
          });
        }
      }
    }
  }
});
