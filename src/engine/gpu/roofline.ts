// The benchmark's roofline on the GPU side: the best GEMM GFLOP/s gatescope's
// own kernels reach on an adapter, over every GemmChoice (gemm.ts), for one
// product shape — 1024×1024×1024 by default, or a model's own products.
// The benchmark takes max(this, tfjs's matMul) as the roofline a training
// step is measured against.
//
// Dimension legend: C (M, N) = A (M, K) · B (K, N), all f32, row-major, in
// buffers of their own: A (M, K), B (K, N), C (M, N).

import { acquireDevice } from './device';
import { eligibleChoices, gemmDispatch, gemmFlops, type GemmArgs, type GemmChoice } from './gemm';
import { KernelLibrary } from './kernels';
import { ProgramBuilder } from './program';
import { GpuResources } from './resources';
import { GpuTimer, type TimingMethod } from './timing';

export interface GemmShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

export interface RooflineResult extends GemmShape {
  /** Best GFLOP/s over the choices. */
  gflops: number;
  best: GemmChoice;
  perChoice: Partial<Record<GemmChoice, number>>;
  method: TimingMethod;
  /** Adapter description, as BackendInfo.device. */
  device: string;
}

export interface RooflineOptions {
  /** Only these choices (default: every eligible one). */
  choices?: GemmChoice[];
  /** Timed runs per choice after a warm-up; the best counts (default 3). */
  runs?: number;
}

/** Deterministic values in [-1, 1): the speed of a product does not depend on them. */
function filler(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Best GEMM GFLOP/s of gatescope's kernels on an adapter of `source` (or on
 * a device the caller owns) at one shape. Allocates its own buffers and frees
 * them (and the device, if it requested one) before resolving.
 */
export async function measureGemmRoofline(
  source: GPU | GPUDevice,
  shape: GemmShape = { M: 1024, N: 1024, K: 1024 },
  options: RooflineOptions = {},
): Promise<RooflineResult> {
  const { M, N, K } = shape;
  const bytes = 4 * Math.max(M * K, K * N, M * N);
  const acquired = await acquireDevice(source, [
    { name: 'roofline operand', bytes, hint: 'the GEMM size' },
  ]);
  const resources = new GpuResources(acquired.device);
  const timer = new GpuTimer(resources);
  try {
    const kernels = new KernelLibrary(resources);
    const upload = (label: string, floats: number, seed: number): GPUBuffer => {
      const buffer = resources.storage(label, floats);
      acquired.device.queue.writeBuffer(buffer, 0, filler(floats, seed));
      return buffer;
    };
    const a = upload('roofline A', M * K, 1);
    const b = upload('roofline B', K * N, 2);
    const c = upload('roofline C', M * N, 3);
    const args: GemmArgs = {
      M,
      N,
      K,
      transA: shape.transA,
      transB: shape.transB,
      a: { buffer: a, offset: 0, ld: shape.transA ? M : K },
      b: { buffer: b, offset: 0, ld: shape.transB ? K : N },
      c: { buffer: c, offset: 0, ld: N },
      placeholder: resources.storage('roofline placeholder', 4),
    };
    const choices = (options.choices ?? eligibleChoices(args)).filter((choice) =>
      eligibleChoices(args).includes(choice),
    );
    const runs = options.runs ?? 3;
    const flops = gemmFlops(args);
    const perChoice: Partial<Record<GemmChoice, number>> = {};
    for (const choice of choices) {
      const single = new ProgramBuilder(kernels, `roofline ${choice}`)
        .dispatch(gemmDispatch(args, choice))
        .build();
      const once = await timer.time(single); // warm-up: first use compiles on some adapters
      // Short products repeat inside one pass, so timer granularity washes out.
      const reps = Math.max(1, Math.min(32, Math.ceil(2 / Math.max(once, 1e-3))));
      const rec = new ProgramBuilder(kernels, `roofline ${choice} ×${reps}`);
      for (let r = 0; r < reps; r++) rec.dispatch(gemmDispatch(args, choice));
      const program = rec.build();
      let best = Infinity;
      for (let r = 0; r < runs; r++) best = Math.min(best, (await timer.time(program)) / reps);
      perChoice[choice] = flops / (best * 1e6);
      resources.release(single.uniformBuffer);
      resources.release(program.uniformBuffer);
    }
    let bestChoice = choices[0];
    for (const choice of choices) {
      if ((perChoice[choice] ?? 0) > (perChoice[bestChoice] ?? 0)) bestChoice = choice;
    }
    return {
      ...shape,
      gflops: perChoice[bestChoice] ?? NaN,
      best: bestChoice,
      perChoice,
      method: timer.method,
      device: acquired.description,
    };
  } finally {
    timer.dispose();
    resources.destroyAll();
    if (acquired.owned) acquired.device.destroy();
  }
}
