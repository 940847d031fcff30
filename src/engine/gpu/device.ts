// Adapter and device set-up. The engine asks for min(need, adapter limit) of
// every limit it depends on, and refuses a model that cannot fit with a
// message naming the buffer and what to lower, before allocating anything.
// It also asks for all the workgroup memory the adapter has (the persistent
// recurrent kernels need 64·H bytes) and for 'timestamp-query' where offered
// (the autotune's timer).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (through the buffer sizes of arena.ts).

import type { ModelConfig } from '../config';
import type { ParamLayout } from '../params';
import { arenaSizes } from './arena';

export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

export class GpuCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuCapacityError';
  }
}

export class GpuDeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuDeviceLostError';
  }
}

/** What the kernels need regardless of the model. */
const KERNEL_NEEDS = {
  maxStorageBuffersPerShaderStage: 8, // adam.wgsl binds eight
  maxComputeWorkgroupStorageSize: 8192, // gemm_tiled.wgsl: two 64×16 f32 tiles
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 16,
  maxUniformBuffersPerShaderStage: 2,
} as const;

export interface BufferNeed {
  name: string;
  bytes: number;
  /** What to lower if it does not fit. */
  hint: string;
}

/** The model's largest buffers, for the limit check. */
export function bufferNeeds(
  m: ModelConfig,
  layout: ParamLayout,
  T: number,
  B: number,
): BufferNeed[] {
  const s = arenaSizes(m, layout, T, B);
  return [
    { name: 'parameter arena (P floats)', bytes: s.params * 4, hint: 'H, E, V or L' },
    { name: 'gates (T·B·G·H floats)', bytes: s.gates * 4, hint: 'T, B or H' },
    { name: 'logits (T·B·V floats)', bytes: s.logits * 4, hint: 'T, B or the vocabulary' },
    { name: 'hidden states ((T+1)·B·H floats)', bytes: s.states * 4, hint: 'T, B or H' },
    { name: 'embedded inputs (T·B·E floats)', bytes: s.x0 * 4, hint: 'T, B or E' },
  ];
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Throws GpuCapacityError when a buffer or a kernel need exceeds the given limits. */
export function checkFits(limits: GPUSupportedLimits, needs: BufferNeed[]): void {
  const perBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const need of needs) {
    if (need.bytes > perBinding) {
      throw new GpuCapacityError(
        `the model does not fit this GPU: its ${need.name} needs ${mib(need.bytes)} but the ` +
          `GPU allows ${mib(perBinding)} per buffer; lower ${need.hint}`,
      );
    }
  }
  for (const [name, value] of Object.entries(KERNEL_NEEDS)) {
    const have = limits[name as keyof GPUSupportedLimits] as number;
    if (have < value) {
      throw new GpuCapacityError(`this GPU's ${name} is ${have}; the engine needs ${value}`);
    }
  }
}

export interface AcquiredDevice {
  device: GPUDevice;
  /** "vendor architecture description", for BackendInfo. */
  description: string;
  /** True when the engine requested the device and must destroy it. */
  owned: boolean;
  /** vendor|architecture|device|description: what the autotune caches its choices under. */
  adapterKey: string;
}

/** The adapter part of the autotune's cache key. */
export function adapterKey(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  return [info.vendor, info.architecture, info.device, info.description].join('|');
}

function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'WebGPU device';
  const parts = [info.vendor, info.architecture, info.description].filter((s) => s);
  return parts.length > 0 ? parts.join(' ') : 'WebGPU device';
}

/** Requests an adapter and a device, or adopts a device the caller made. */
export async function acquireDevice(
  source: GPU | GPUDevice,
  needs: BufferNeed[],
): Promise<AcquiredDevice> {
  if (!('requestAdapter' in source)) {
    checkFits(source.limits, needs);
    return {
      device: source,
      description: describe(source.adapterInfo),
      owned: false,
      adapterKey: adapterKey(source.adapterInfo),
    };
  }
  const adapter = await source.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuUnavailableError('WebGPU is present but no GPU adapter is available');
  checkFits(adapter.limits, needs);
  const largest = Math.max(...needs.map((n) => n.bytes), 1 << 20);
  const want = (name: keyof GPUSupportedLimits, need: number) =>
    Math.min(need, adapter.limits[name] as number);
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: want('maxStorageBufferBindingSize', largest),
    maxBufferSize: want('maxBufferSize', largest),
    maxStorageBuffersPerShaderStage: want('maxStorageBuffersPerShaderStage', 8),
    // All there is (32 KiB on most GPUs): it decides up to which H the persistent kernels fit.
    maxComputeWorkgroupStorageSize: want('maxComputeWorkgroupStorageSize', 65536),
  };
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query')
    ? ['timestamp-query']
    : [];
  const device = await adapter.requestDevice({
    label: 'gatescope',
    requiredLimits,
    requiredFeatures,
  });
  return {
    device,
    description: describe(adapter.info),
    owned: true,
    adapterKey: adapterKey(adapter.info),
  };
}
