// Shared pieces of the GPU tests: buffers in and out of the device, programs
// run under an error scope, and the llm.c-style closeness check that prints
// the worst element when it fails.

import { expect } from 'vitest';
import { KernelLibrary } from '../../src/engine/gpu/kernels';
import { ProgramBuilder } from '../../src/engine/gpu/program';
import { GpuResources } from '../../src/engine/gpu/resources';
import type { GpuHarness } from '../helpers/webgpu';
import type { ModelConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { createGpuBackend, type GpuBackendOptions } from '../../src/engine/gpu';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';

export class KernelBench {
  readonly resources: GpuResources;
  readonly kernels: KernelLibrary;

  constructor(readonly harness: GpuHarness) {
    this.resources = new GpuResources(harness.device);
    this.kernels = new KernelLibrary(this.resources);
  }

  get device(): GPUDevice {
    return this.harness.device;
  }

  upload(label: string, data: Float32Array | Int32Array): GPUBuffer {
    const buffer = this.resources.storage(label, data.length);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  zeros(label: string, floats: number): GPUBuffer {
    return this.resources.storage(label, floats);
  }

  /** Builds, encodes and submits a program; throws the first validation error. */
  async run(record: (b: ProgramBuilder) => void): Promise<void> {
    this.device.pushErrorScope('validation');
    const builder = new ProgramBuilder(this.kernels, 'test');
    record(builder);
    const program = builder.build();
    const encoder = this.device.createCommandEncoder();
    program.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    const error = await this.device.popErrorScope();
    if (error) throw new Error(error.message);
  }

  async read(buffer: GPUBuffer, floats: number, offsetFloats = 0): Promise<Float32Array> {
    const staging = this.device.createBuffer({
      size: floats * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, offsetFloats * 4, staging, 0, floats * 4);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.destroy();
    return out;
  }

  close(): void {
    this.resources.destroyAll();
  }
}

/** Deterministic pseudo-random floats in [-scale, scale) (xorshift; tests only). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** |gpu − cpu| ≤ atol + rtol·|cpu| everywhere; on failure reports the worst element. */
export function expectClose(
  name: string,
  gpu: ArrayLike<number>,
  cpu: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  expect(gpu.length, `${name}: length`).toBe(cpu.length);
  let worst = -1;
  let worstExcess = 0;
  let maxDiff = 0;
  let bad = 0;
  for (let i = 0; i < cpu.length; i++) {
    const diff = Math.abs(gpu[i] - cpu[i]);
    const excess = diff - (atol + rtol * Math.abs(cpu[i]));
    maxDiff = Math.max(maxDiff, Number.isNaN(diff) ? Infinity : diff);
    if (excess > 0 || Number.isNaN(diff)) {
      bad++;
      if (worst < 0 || excess > worstExcess || Number.isNaN(diff)) {
        worst = i;
        worstExcess = Number.isNaN(diff) ? Infinity : excess;
      }
    }
  }
  if (bad > 0) {
    const msg =
      `${name}: ${bad}/${cpu.length} elements out of tolerance (atol ${atol}, rtol ${rtol}); ` +
      `worst [${worst}] gpu ${gpu[worst]} cpu ${cpu[worst]}; max |diff| ${maxDiff}`;
    expect.fail(msg);
  }
}

/** ‖a − b‖ / ‖b‖: the per-tensor relative error of gradient checks. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** max |a − b| over the elements (NaN anywhere: Infinity). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, Number.isNaN(d) ? Infinity : d);
  }
  return max;
}

/** A left-to-right layer's place in hAll and dH (recurrent_columns.wgsl): rows of H, column 0. */
export function leftToRight(H: number): { hLd: number; hCol: number } {
  return { hLd: H, hCol: 0 };
}

/** The rows and slots a per-timestep backward kernel reads at step t of T, left to right. */
export function stepBackwardRows(t: number, T: number): Record<string, number> {
  return {
    row: t,
    nextRow: t < T - 1 ? t + 1 : 0,
    slot: t + 1,
    prevSlot: t,
    last: t === T - 1 ? 1 : 0,
  };
}

/**
 * The kernel plans parity tests alternate: per-timestep kernels with the
 * register GEMM for one layer, persistent kernels with the tiled GEMM above,
 * so both paths meet the CPU reference.
 */
export const planOf = (L: number): Partial<GpuBackendOptions> =>
  L === 1
    ? { recurrent: 'step', gemm: 'register', autotune: false }
    : { recurrent: 'persistent', gemm: 'tiled', autotune: false };

/** Largest |Δ| seen per check, printed with GATESCOPE_REPORT=1 (for the docs' figures). */
export function report(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  if (process.env.GATESCOPE_REPORT) {
    console.log(`max |Δ| ${what}: ${maxAbsDiff(got, want).toExponential(2)}`);
  }
}

/** A CPU and a GPU backend of `model` from the same seeded weights, the GPU on planOf's plan. */
export async function parityBackends(
  device: GPUDevice,
  model: ModelConfig,
  batchSize: number,
  seqLen: number,
) {
  const params = initParams(model, new Rng(3));
  const cpu = new CpuBackend(model, params, { batchSize, seqLen });
  const gpu = await createGpuBackend(device, model, params, {
    batchSize,
    seqLen,
    ...planOf(model.layers),
  });
  return { cpu, gpu };
}
