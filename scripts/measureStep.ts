// Where a CPU training step's time goes, and what each change to it saves,
// measured A/B in one process (variants alternate, round after round, so a
// change in the machine's load hits them all alike):
//   npx tsx --import ./scripts/watRegister.mjs scripts/measureStep.ts [ROUNDS] [STEPS]
// (add --experimental-wasm-relaxed-simd for the FMA variant under Node 20).
// For each shape (issue 17's default, V65 E256 H256 L2 T64 B32, and the app's
// default run, V65 E32 H128 L1 T48 B16, LSTM), tokens/s and GFLOP/s (the cost
// model of bench/shapes.ts flopsPerToken) of the wasm engine with each
// recurrent weight packed once per step or in every product, on one thread
// and with one extra GEMM thread (Node worker_threads, as the unit tests
// start them). Not a test: nothing here passes or fails.
// The per-function breakdown comes from Node's profiler over the same script:
//   node --cpu-prof --import tsx --import ./scripts/watRegister.mjs scripts/measureStep.ts 1 8 1
// (the third argument: only that variant, 1 = one thread, Wh packed once, at the first shape)
// (wasm functions appear by index: 0 packA, 1 packB, 2 pack, 3 micro, 4 addTile, 5 gemm).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { Worker } from 'node:worker_threads';
import { flopsPerToken, type BenchShape } from '../bench/shapes';
import { Batcher } from '../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../src/engine/config';
import { CpuBackend } from '../src/engine/cpu/backend';
import type { SpawnGemmWorker } from '../src/engine/cpu/parallel/pool';
import { Arena } from '../src/engine/cpu/wasm/arena';
import { loadGemmKernel } from '../src/engine/cpu/wasm/compile';
import { gemmScratchBytes, KernelInstance, WasmGemm } from '../src/engine/cpu/wasm/kernel';
import { initParams } from '../src/engine/params';
import { Rng } from '../src/engine/rng';

const ROUNDS = Number(process.argv[2] ?? 3);
const STEPS = Number(process.argv[3] ?? 3);
const ONLY = process.argv[4] === undefined ? null : Number(process.argv[4]);
const kernel = await loadGemmKernel();
if (!kernel) {
  throw new Error('the wasm kernel did not load: run with --import ./scripts/watRegister.mjs');
}

const spawn: SpawnGemmWorker = (init, failed) => {
  const worker = new Worker(new URL('../tests/helpers/gemmWorkerNode.mjs', import.meta.url), {
    workerData: init,
  });
  worker.on('error', (e) => failed(String(e)));
  return { terminate: () => void worker.terminate() };
};

// The roofline: the kernel's 512³ product on one thread, timed in every round
// between the steps, so that it sees the same load they do.
const R = 512;
const rooflineArena = new Arena(4 * 3 * R * R + gemmScratchBytes(R) + 16, false);
const [rC, rA, rB] = [0, 1, 2].map(() => {
  const x = rooflineArena.allocate(R * R);
  for (let i = 0; i < x.length; i++) x[i] = Math.random() - 0.5;
  return x;
});
const rooflineGemm = new WasmGemm(
  kernel,
  new KernelInstance(
    kernel.private,
    rooflineArena.memory,
    rooflineArena.allocateBytes(gemmScratchBytes(R)),
    gemmScratchBytes(R),
  ),
);
const rooflines: number[] = [];
/** GFLOP/s of one 512³ NN product (best of three). */
function roofline(): number {
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    rooflineGemm.nn(rC, rA, rB, R, R, R);
    best = Math.max(best, (2 * R * R * R) / ((performance.now() - t0) * 1e6));
  }
  rooflines.push(best);
  return best;
}

type Shape = BenchShape & { name: string };
const SHAPES: Shape[] = [
  { name: 'issue 17 default', V: 65, E: 256, H: 256, L: 2, T: 64, B: 32 },
  { name: 'app default', V: 65, E: 32, H: 128, L: 1, T: 48, B: 16 },
];
const ALL_VARIANTS = [
  { label: '1 thread, Wh packed per product', threads: 0, packWeights: false },
  { label: '1 thread, Wh packed once per step', threads: 0, packWeights: true },
  { label: '2 threads, Wh packed per product', threads: 1, packWeights: false },
  { label: '2 threads, Wh packed once per step', threads: 1, packWeights: true },
];

const VARIANTS = ONLY === null ? ALL_VARIANTS : [ALL_VARIANTS[ONLY]];

console.log(`wasm kernel: ${kernel.fma ? 'relaxed-SIMD multiply-add' : 'f32x4 mul + add'}`);
for (const s of ONLY === null ? SHAPES : SHAPES.slice(0, 1)) {
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: s.V,
    embedSize: s.E,
    hiddenSize: s.H,
    layers: s.L,
  };
  const params = initParams(model, new Rng(1));
  const rng = new Rng(2);
  const tokens = Int32Array.from({ length: 200_000 }, () => rng.int(s.V));
  const backends = await Promise.all(
    VARIANTS.map(async (v) => {
      const backend = new CpuBackend(model, params, {
        batchSize: s.B,
        seqLen: s.T,
        packWeights: v.packWeights,
        ...(v.threads > 0 ? { parallel: { threads: v.threads, spawn } } : {}),
      });
      if (!(await backend.threadsReady())) throw new Error(backend.threadsError ?? 'no threads');
      return { backend, batches: new Batcher(tokens, s.B, s.T, 1), ms: [] as number[] };
    }),
  );
  for (const b of backends) b.backend.trainStep(b.batches.next().batch, DEFAULT_OPTIMIZER);
  for (let r = 0; r < ROUNDS; r++) {
    roofline();
    for (const b of backends) {
      const t0 = performance.now();
      for (let k = 0; k < STEPS; k++)
        b.backend.trainStep(b.batches.next().batch, DEFAULT_OPTIMIZER);
      b.ms.push((performance.now() - t0) / STEPS);
    }
  }
  const flops = flopsPerToken(s);
  const peak = Math.max(...rooflines);
  console.log(
    `\n${s.name}: V${s.V} E${s.E} H${s.H} L${s.L} T${s.T} B${s.B}, ` +
      `${(flops / 1e6).toFixed(2)} MFLOP/token, best of ${ROUNDS} rounds of ${STEPS} steps; ` +
      `512³ on one thread: best ${peak.toFixed(2)} GFLOP/s ` +
      `(rounds: ${rooflines.map((g) => g.toFixed(1)).join(' ')})`,
  );
  VARIANTS.forEach((v, i) => {
    const { backend, ms } = backends[i];
    const best = Math.min(...ms);
    const tokensPerS = (s.T * s.B * 1000) / best;
    console.log(
      `  ${v.label.padEnd(36)} ${best.toFixed(1).padStart(7)} ms/step` +
        `  ${tokensPerS.toFixed(0).padStart(7)} tokens/s` +
        `  ${((tokensPerS * flops) / 1e9).toFixed(2).padStart(6)} GFLOP/s` +
        ` ${((100 * tokensPerS * flops) / 1e9 / peak).toFixed(0).padStart(3)}%` +
        `  (rounds: ${ms.map((m) => m.toFixed(0)).join(' ')}; ${backend.parallelProducts} products split)`,
    );
    backend.dispose();
  });
  rooflines.length = 0;
}
