// `npm run bench:node`: the WebGPU engine on Node's Dawn adapter (SwiftShader
// on the build machines) against the CPU reference, same model, same batches.
// Prints tokens/s, dispatches per training step and GFLOP/s (cost model in
// shapes.ts). The browser side-by-side with TensorFlow.js is `npm run bench`.
//
//   npm run bench:node              default shape (V65 E256 H256 L2 T64 B32)
//   npm run bench:node -- --quick   tiny shape: checks the harness, claims nothing
//   options: --steps=N (timed steps, default 3)  --skip-cpu  --gemm=auto|register|tiled|vec4
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.

import { createServer } from 'vite';
import { create, globals } from 'webgpu';
import type { Backend } from '../src/engine/backend';
import type { OptimizerConfig } from '../src/engine/config';
import { DEFAULT_SHAPE, flopsPerToken, QUICK_SHAPES, shapeLabel, type BenchShape } from './shapes';

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const quick = flag('quick');
const shape: BenchShape = quick ? QUICK_SHAPES[0] : DEFAULT_SHAPE;
const timedSteps = Number(option('steps') ?? (quick ? 5 : 3));
const warmupSteps = quick ? 2 : 1;

interface Row {
  name: string;
  device: string;
  msPerStep: number;
  dispatches: number | string;
  losses: number[];
}

async function main(): Promise<void> {
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  Object.assign(globalThis, globals);
  // Vite's loader resolves the engine's `?raw` shader imports as the app build does.
  const vite = await createServer({
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, watch: null },
    appType: 'custom',
  });
  const gpuEngine = (await vite.ssrLoadModule(
    '/src/engine/gpu/index.ts',
  )) as typeof import('../src/engine/gpu');
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
  const model = { vocabSize: V, embedSize: E, hiddenSize: H, layers: L };
  const params = initParams(model, new Rng(1));
  const rng = new Rng(2);
  const batches = Array.from({ length: warmupSteps + timedSteps }, () => {
    const inputs = Int32Array.from({ length: T * B }, () => rng.int(V));
    const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
    return { inputs, targets, seqLen: T, batchSize: B };
  });
  const optimizer: OptimizerConfig = DEFAULT_OPTIMIZER;

  async function measure(
    name: string,
    backend: Backend,
    dispatches: number | string,
  ): Promise<Row> {
    const losses: number[] = [];
    for (const batch of batches.slice(0, warmupSteps)) backend.trainStep(batch, optimizer);
    losses.push(...(await backend.drainLosses()).map((l) => l.loss));
    const t0 = performance.now();
    for (const batch of batches.slice(warmupSteps)) backend.trainStep(batch, optimizer);
    losses.push(...(await backend.drainLosses()).map((l) => l.loss));
    const msPerStep = (performance.now() - t0) / timedSteps;
    return { name, device: backend.info.device, msPerStep, dispatches, losses };
  }

  const rows: Row[] = [];
  {
    // Scoped so the Dawn instance can be collected once the backend is gone.
    const gpu = create([]);
    const gemm = (option('gemm') ?? 'auto') as 'auto' | 'register' | 'tiled' | 'vec4';
    const t0 = performance.now();
    const backend = await gpuEngine.createGpuBackend(gpu, model, params, {
      batchSize: B,
      seqLen: T,
      gemm,
    });
    console.log(
      `GPU engine ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (pipelines compiled)`,
    );
    const dispatches = backend.dispatchesPerStep();
    rows.push(await measure(`gatescope-webgpu (${gemm})`, backend, dispatches));
    const counts = backend.objectCounts();
    console.log(
      `GPU objects after ${warmupSteps + timedSteps} steps: ${counts.buffers} buffers, ` +
        `${counts.bindGroups} bind groups, ${counts.pipelines} pipelines; budget L·(2T+6)+8 = ${L * (2 * T + 6) + 8} dispatches`,
    );
    backend.dispose();
  }
  if (!flag('skip-cpu')) {
    const cpu = new CpuBackend(model, params, { batchSize: B, seqLen: T });
    rows.push(await measure('gatescope-cpu', cpu, '—'));
  }
  await vite.close();

  const flops = flopsPerToken(shape) * T * B;
  console.log(
    `\n${shapeLabel(shape)}: ${(flops / 1e9).toFixed(2)} GFLOP per step, ${timedSteps} timed steps\n`,
  );
  console.log('| engine | device | ms/step | tokens/s | GFLOP/s | dispatches/step | losses |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const tokensPerSecond = (T * B * 1000) / r.msPerStep;
    const gflops = flops / (r.msPerStep * 1e6);
    const losses = r.losses.map((l) => l.toFixed(4)).join(' ');
    console.log(
      `| ${r.name} | ${r.device} | ${r.msPerStep.toFixed(0)} | ${tokensPerSecond.toFixed(0)} | ` +
        `${gflops.toFixed(2)} | ${r.dispatches} | ${losses} |`,
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
