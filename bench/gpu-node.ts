// `npm run bench:node`: the WebGPU engine on Node's Dawn adapter (SwiftShader
// on the build machines) against the CPU reference, same model, same batches.
// Prints ms/step, tokens/s, GFLOP/s (cost model in shapes.ts), % of the GPU
// roofline (the best GEMM GFLOP/s gatescope's kernels reach on this adapter,
// src/engine/gpu/roofline.ts), dispatches per training step, GPU memory held
// and the kernels the autotune chose. The browser side-by-side with
// TensorFlow.js is `npm run bench`.
//
//   npm run bench:node              default shape (V65 E256 H256 L2 T64 B32)
//   npm run bench:node -- --quick   tiny shape: checks the harness, claims nothing
//   options: --cell=lstm|gru|rnn (default lstm; a cell the WebGPU engine does
//              not train yet is reported "unsupported" and the CPU still runs)
//            --steps=N (timed steps, default 3)  --skip-cpu
//            --dropout=RATE --dropout-mode=standard|variational   train with dropout (default off)
//            --V= --E= --H= --L= --T= --B=        override the shape
//            --gemm=auto|register|tiled|vec4     GEMM kernels (auto: autotuned)
//            --recurrent=auto|step|persistent    recurrent kernels
//            --budget=MS                         autotune budget (engine default 1500)
//            --roofline=M,N,K | --no-roofline    roofline GEMM size (default 1024,1024,1024)
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { createServer } from 'vite';
import { create, globals } from 'webgpu';
import { swiftshaderEnv } from '../scripts/swiftshader.mjs';
import type { Backend } from '../src/engine/backend';
import { CELL_TYPES } from '../src/engine/cells';
import type { OptimizerConfig } from '../src/engine/config';
import { dropoutSpecOf } from '../src/engine/dropout';
import type { GpuEngineModule } from '../src/engine/gpu';
import {
  BENCH_LEARNING_RATE,
  DEFAULT_SHAPE,
  flopsPerToken,
  QUICK_SHAPES,
  shapeLabel,
  type BenchShape,
} from './shapes';
import { flag, option } from './cli';

/** The `--name=` option, one of the engine's `allowed` values (the first when absent). */
function choice<T extends string>(name: string, allowed: readonly T[]): T {
  const value = option(name) ?? allowed[0];
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return found;
}

const quick = flag('quick');
const shape: BenchShape = { ...(quick ? QUICK_SHAPES[0] : DEFAULT_SHAPE) };
for (const k of ['V', 'E', 'H', 'L', 'T', 'B'] as const) {
  const v = option(k);
  if (v !== undefined) shape[k] = Number(v);
}
const cell = choice('cell', CELL_TYPES);
const timedSteps = Number(option('steps') ?? (quick ? 5 : 3));
const warmupSteps = quick ? 2 : 1;
// Both engines draw the same masks (src/engine/dropout.ts), so their losses still agree.
const dropout = dropoutSpecOf(
  {
    dropout: Number(option('dropout') ?? 0),
    dropoutMode: choice('dropout-mode', ['standard', 'variational'] as const),
  },
  1,
);

interface Row {
  name: string;
  device: string;
  msPerStep: number;
  dispatches: number | string;
  gpuMiB: number | string;
  kernels: string;
  losses: number[];
}

async function main(): Promise<void> {
  Object.assign(process.env, swiftshaderEnv());
  Object.assign(globalThis, globals);
  // Vite's loader resolves the engine's `?raw` shader imports as the app build does.
  const vite = await createServer({
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, watch: null },
    appType: 'custom',
  });
  const gpuEngine = (await vite.ssrLoadModule('/src/engine/gpu/index.ts')) as GpuEngineModule;
  const { CpuBackend } = (await vite.ssrLoadModule(
    '/src/engine/cpu/backend.ts',
  )) as typeof import('../src/engine/cpu/backend');
  const { initParams } = (await vite.ssrLoadModule(
    '/src/engine/params.ts',
  )) as typeof import('../src/engine/params');
  const { Rng } = (await vite.ssrLoadModule(
    '/src/engine/rng.ts',
  )) as typeof import('../src/engine/rng');
  const { DEFAULT_OPTIMIZER } = (await vite.ssrLoadModule(
    '/src/engine/config.ts',
  )) as typeof import('../src/engine/config');

  const { V, E, H, L, T, B } = shape;
  const model = { vocabSize: V, cell, embedSize: E, hiddenSize: H, layers: L };
  const params = initParams(model, new Rng(1));
  const rng = new Rng(2);
  const batches = Array.from({ length: warmupSteps + timedSteps }, () => {
    const inputs = Int32Array.from({ length: T * B }, () => rng.int(V));
    const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
    return { inputs, targets, seqLen: T, batchSize: B };
  });
  const optimizer: OptimizerConfig = { ...DEFAULT_OPTIMIZER, learningRate: BENCH_LEARNING_RATE };

  async function measure(backend: Backend): Promise<{ msPerStep: number; losses: number[] }> {
    const losses: number[] = [];
    for (const batch of batches.slice(0, warmupSteps))
      backend.trainStep(batch, optimizer, false, dropout);
    losses.push(...(await backend.drainLosses()).map((l) => l.loss));
    const t0 = performance.now();
    for (const batch of batches.slice(warmupSteps))
      backend.trainStep(batch, optimizer, false, dropout);
    losses.push(...(await backend.drainLosses()).map((l) => l.loss));
    return { msPerStep: (performance.now() - t0) / timedSteps, losses };
  }

  const rows: Row[] = [];
  let roofline: Awaited<ReturnType<typeof gpuEngine.measureGemmRoofline>> | null = null;
  {
    // Scoped so the Dawn instance can be collected once the backend is gone.
    const gpu = create([]);
    if (!flag('no-roofline')) {
      const [M, N, K] = (option('roofline') ?? (quick ? '128,128,128' : '1024,1024,1024'))
        .split(',')
        .map(Number);
      roofline = await gpuEngine.measureGemmRoofline(gpu, { M, N, K }, { runs: quick ? 1 : 2 });
      const per = Object.entries(roofline.perChoice)
        .map(([c, g]) => `${c} ${g.toFixed(2)}`)
        .join(', ');
      console.log(
        `roofline: best GEMM ${M}×${N}×${K} ${roofline.gflops.toFixed(2)} GFLOP/s ` +
          `(${roofline.best}; ${per}; timing: ${roofline.method})`,
      );
    }
    const gemm = choice('gemm', gpuEngine.GEMM_VARIANTS);
    const recurrent = choice('recurrent', gpuEngine.RECURRENT_VARIANTS);
    const budget = option('budget');
    const t0 = performance.now();
    const backend = await gpuEngine
      .createGpuBackend(gpu, model, params, {
        batchSize: B,
        seqLen: T,
        gemm,
        recurrent,
        autotune: budget === undefined ? {} : { budgetMs: Number(budget) },
      })
      .catch((e: unknown) => {
        // The engine refuses a cell it has no kernels for yet; the CPU still runs.
        if (e instanceof Error && e.name === 'GpuUnavailableError' && cell !== 'lstm') {
          console.log(`gatescope-webgpu: unsupported: ${e.message}`);
          return null;
        }
        throw e;
      });
    if (backend) await measureGpu(backend, t0, gemm, recurrent);
  }
  async function measureGpu(
    backend: Awaited<ReturnType<typeof gpuEngine.createGpuBackend>>,
    t0: number,
    gemm: string,
    recurrent: string,
  ): Promise<void> {
    console.log(
      `GPU engine ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (autotune and pipelines)`,
    );
    const stats = backend.stats();
    const report = backend.autotuneReport;
    if (report) {
      console.log(`autotune: ${report.wallMs.toFixed(0)} ms, timing by ${report.method}`);
      for (const [direction, r] of Object.entries(report.recurrent)) {
        const ms = r.ms ? ` (${r.steps} steps: ${JSON.stringify(r.ms)})` : '';
        console.log(
          `  recurrent ${direction}: ${r.mode} [${r.source}${r.reason ? `: ${r.reason}` : ''}]${ms}`,
        );
      }
      for (const [key, r] of Object.entries(report.gemm)) {
        const ms = r.ms
          ? ` ms: ${Object.entries(r.ms)
              .map(([c, t]) => `${c} ${t.toFixed(2)}`)
              .join(', ')}${r.scale ? ` (on ${(r.scale * 100).toFixed(1)}% of T·B)` : ''}`
          : '';
        console.log(
          `  gemm ${key}: ${r.choice} [${r.source}${r.reason ? `: ${r.reason}` : ''}]${ms}`,
        );
      }
    }
    const kernels = `recurrent ${String(stats.recurrent)}; gemm ${Object.entries(stats)
      .filter(([k]) => k.startsWith('gemm '))
      .map(([, v]) => String(v))
      .join('/')}`;
    const { msPerStep, losses } = await measure(backend);
    rows.push({
      name: `gatescope-webgpu (gemm ${gemm}, recurrent ${recurrent})`,
      device: backend.info.device,
      msPerStep,
      dispatches: backend.dispatchesPerStep(
        undefined,
        dropout ? (dropout.variational ? 'variational' : 'standard') : null,
      ),
      gpuMiB: Number(stats.gpuBytes) / 2 ** 20,
      kernels,
      losses,
    });
    const counts = backend.objectCounts();
    console.log(
      `GPU objects after ${warmupSteps + timedSteps} steps: ${counts.buffers} buffers, ` +
        `${counts.bindGroups} bind groups, ${counts.pipelines} pipelines; ` +
        `dispatches: L·(2T+4)+8 = ${L * (2 * T + 4) + 8} with step kernels, L·6+8 = ${L * 6 + 8} persistent`,
    );
    backend.dispose();
  }
  if (!flag('skip-cpu')) {
    const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
    const { msPerStep, losses } = await measure(cpu);
    rows.push({
      name: 'gatescope-cpu',
      device: cpu.info.device,
      msPerStep,
      dispatches: '–',
      gpuMiB: '–',
      kernels: '–',
      losses,
    });
  }
  await vite.close();

  const flops = flopsPerToken(shape, cell) * T * B;
  console.log(
    `\n${shapeLabel(shape, cell)}: ${(flops / 1e9).toFixed(2)} GFLOP per step, ${timedSteps} timed steps` +
      (roofline ? `; GPU roofline ${roofline.gflops.toFixed(2)} GFLOP/s` : '') +
      '\n',
  );
  console.log(
    '| engine | device | ms/step | tokens/s | GFLOP/s | % GPU roofline | dispatches/step | GPU MiB | kernels | losses |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const r of rows) {
    const tokensPerSecond = (T * B * 1000) / r.msPerStep;
    const gflops = flops / (r.msPerStep * 1e6);
    const ofRoof =
      roofline && r.name.startsWith('gatescope-webgpu')
        ? ((100 * gflops) / roofline.gflops).toFixed(1)
        : '–';
    const mib = typeof r.gpuMiB === 'number' ? r.gpuMiB.toFixed(1) : r.gpuMiB;
    const losses = r.losses.map((l) => l.toFixed(4)).join(' ');
    console.log(
      `| ${r.name} | ${r.device} | ${r.msPerStep.toFixed(0)} | ${tokensPerSecond.toFixed(0)} | ` +
        `${gflops.toFixed(2)} | ${ofRoof} | ${r.dispatches} | ${mib} | ${r.kernels} | ${losses} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
