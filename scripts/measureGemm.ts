// The figures of docs/cpu-engine.md's wasm section, single thread in Node:
//   npx tsx --import ./scripts/watRegister.mjs scripts/measureGemm.ts [STEPS]
// (add --experimental-wasm-relaxed-simd for the FMA variant under Node 20).
// GFLOP/s of the wasm SIMD GEMM kernel (src/engine/cpu/wasm) and of the
// TypeScript reference (gemm.ts) at 512³ and at the products of a training
// step of the default shape (V65 E256 H256 L2 T64 B32, LSTM), then the CPU
// engine's training tokens/s at that shape on each kernel (STEPS timed steps
// after one warm-up; default 3). Not a test: nothing here passes or fails.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; a product is C (M, N) += op(A) · op(B) over K.

import { Batcher } from '../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../src/engine/config';
import { CpuBackend } from '../src/engine/cpu/backend';
import { serialGemm, type RowGemmOps } from '../src/engine/cpu/gemm';
import { Arena } from '../src/engine/cpu/wasm/arena';
import { loadGemmKernel } from '../src/engine/cpu/wasm/compile';
import {
  gemmScratchBytes,
  KernelInstance,
  packedFloats,
  WasmGemm,
} from '../src/engine/cpu/wasm/kernel';
import { PackedWeights } from '../src/engine/cpu/wasm/packed';
import { initParams } from '../src/engine/params';
import { Rng } from '../src/engine/rng';

const STEPS = Number(process.argv[2] ?? 3);
const kernel = await loadGemmKernel();
if (!kernel) {
  throw new Error('the wasm kernel did not load: run with --import ./scripts/watRegister.mjs');
}

type Op = 'nn' | 'tn' | 'nt';
const T = 64;
const B = 32;
const E = 256;
const H = 256;
const V = 65;
const G = 4 * H;
const PRODUCTS: [string, Op, number, number, number][] = [
  ['512³', 'nn', 512, 512, 512],
  ['x·Wx, all steps (T·B × 4H × E)', 'nn', T * B, G, E],
  ['h·Wh, one step (B × 4H × H)', 'nn', B, G, H],
  ['head (T·B × V × H)', 'nn', T * B, V, H],
  ['dWx += xᵀ·dGates (E × 4H × T·B)', 'tn', E, G, T * B],
  ['dx = dGates·Wxᵀ (T·B × E × 4H)', 'nt', T * B, E, G],
  ['dh += dgt·Whᵀ, one step (B × H × 4H)', 'nt', B, H, G],
];

const rng = new Rng(1);

/** GFLOP/s of `ops[op]` on this product, repeated for at least 0.4 s after a warm-up. */
function gflops(
  ops: RowGemmOps,
  op: Op,
  C: Float32Array,
  A: Float32Array,
  Bm: Float32Array,
  M: number,
  N: number,
  K: number,
) {
  ops[op](C, A, Bm, M, N, K);
  let runs = 0;
  const t0 = performance.now();
  let ms = 0;
  while (ms < 400) {
    ops[op](C, A, Bm, M, N, K);
    runs++;
    ms = performance.now() - t0;
  }
  return (2 * M * N * K * runs) / (ms * 1e6);
}

console.log(`wasm kernel: ${kernel.fma ? 'relaxed-SIMD multiply-add' : 'f32x4 mul + add'}\n`);
console.log(
  'product'.padEnd(40),
  'TS GFLOP/s'.padStart(11),
  'wasm GFLOP/s'.padStart(13),
  'ratio'.padStart(6),
  'B packed once'.padStart(13),
);
for (const [name, op, M, N, K] of PRODUCTS) {
  const aSize = M * K;
  const bSize = K * N;
  const arena = new Arena(
    4 * Arena.floatsFor([M * N, aSize, bSize, packedFloats(N, K)]) + gemmScratchBytes(N) + 16,
    false,
  );
  const [C, A, Bm] = [M * N, aSize, bSize].map((n) => {
    const x = arena.allocate(n);
    for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
    return x;
  });
  const scratch = gemmScratchBytes(N);
  const wasm = new WasmGemm(
    kernel,
    new KernelInstance(kernel.private, arena.memory, arena.allocateBytes(scratch), scratch),
  );
  const ts = gflops(serialGemm, op, C, A, Bm, M, N, K);
  const fast = gflops(wasm, op, C, A, Bm, M, N, K);
  // The same product with B packed beforehand, as a training step reads each Wh (wasm/packed.ts).
  let packed = '';
  if (op !== 'tn') {
    const instance = new KernelInstance(kernel.private, arena.memory, 0, scratch);
    const packs = new PackedWeights(arena);
    packs.add(Bm, op === 'nt', N, K);
    packs.hold(instance);
    packed = gflops(new WasmGemm(kernel, instance, packs), op, C, A, Bm, M, N, K)
      .toFixed(2)
      .padStart(13);
  }
  console.log(
    name.padEnd(40),
    ts.toFixed(2).padStart(11),
    fast.toFixed(2).padStart(13),
    (fast / ts).toFixed(1).padStart(6),
    packed,
  );
}

const model: ModelConfig = { cell: 'lstm', vocabSize: V, embedSize: E, hiddenSize: H, layers: 2 };
const params = initParams(model, new Rng(1));
const tokens = Int32Array.from({ length: 200_000 }, () => rng.int(V));
console.log(`\ntraining, V${V} E${E} H${H} L2 T${T} B${B}, one thread, ${STEPS} steps:`);
for (const which of ['ts', 'wasm'] as const) {
  const backend = new CpuBackend(model, params, { batchSize: B, seqLen: T, kernel: which });
  const batches = new Batcher(tokens, B, T, 1);
  backend.trainStep(batches.next().batch, DEFAULT_OPTIMIZER);
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) backend.trainStep(batches.next().batch, DEFAULT_OPTIMIZER);
  const ms = (performance.now() - t0) / STEPS;
  console.log(
    `  ${backend.gemmKernel.padEnd(8)} ${ms.toFixed(0).padStart(6)} ms/step  ${((T * B * 1000) / ms).toFixed(0).padStart(6)} tokens/s`,
  );
  backend.dispose();
}
