// Which engine can hold a model, decided from its configuration before any
// memory is taken (engine/memory.ts estimates it): WebGPU when it is wanted,
// offered and the model fits its limits; otherwise the CPU engine when the
// model fits its budget, saying why WebGPU was passed over; otherwise a
// CapacityError naming the limit and the largest H, B and T that fit with
// the other settings unchanged. The model in use is untouched until this
// has said yes.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import {
  cpuMemoryBudget,
  excess,
  GPU_MEMORY_BUDGET,
  largestFitting,
  SIZE_SETTINGS,
  sizeLetter,
  type MemoryLimit,
  type RunShape,
} from '../engine/memory';
import type { BackendPreference, DeviceReport } from './protocol';

/** The model cannot be held by any engine this session may use. */
export class CapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapacityError';
  }
}

export interface CapacityPlan {
  /** Build on WebGPU (falling back to the CPU only if `cpuFits`). */
  gpu: boolean;
  /** Why WebGPU is not used though it was wanted and offered: the model exceeds its limits. */
  gpuRefusal?: string;
  /** The CPU engine could hold the model too (a fallback if the GPU build fails). */
  cpuFits: boolean;
}

export interface CapacityContext {
  preference: BackendPreference;
  device: DeviceReport;
  /** Set once the GPU failed in this session: later models go to the CPU. */
  gpuFailure?: string;
  /** navigator.deviceMemory, when the browser tells it. */
  deviceMemoryGiB?: number;
}

export function cpuLimit(deviceMemoryGiB?: number): MemoryLimit {
  return { backend: 'cpu', totalBytes: cpuMemoryBudget(deviceMemoryGiB) };
}

export function gpuLimit(device: DeviceReport): MemoryLimit {
  const limits = device.limits;
  return {
    backend: 'webgpu',
    totalBytes: GPU_MEMORY_BUDGET,
    ...(limits
      ? { maxBufferBytes: Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) }
      : {}),
  };
}

/** Decides the engine for `shape`, or throws CapacityError when none can hold it. */
export function planCapacity(shape: RunShape, context: CapacityContext): CapacityPlan {
  const wantsGpu =
    context.preference !== 'cpu' && context.device.webgpu && context.gpuFailure === undefined;
  const limits: MemoryLimit[] = [
    ...(wantsGpu ? [gpuLimit(context.device)] : []),
    cpuLimit(context.deviceMemoryGiB),
  ];
  const problems = limits.map((limit) => excess(shape, limit));
  const cpuFits = problems[problems.length - 1] === null;
  if (wantsGpu && problems[0] === null) return { gpu: true, cpuFits };
  if (cpuFits) {
    return wantsGpu
      ? {
          gpu: false,
          cpuFits,
          gpuRefusal: `the model is too large for WebGPU here: ${problems[0]}`,
        }
      : { gpu: false, cpuFits };
  }
  const fitsSomewhere = (s: RunShape) => limits.some((limit) => excess(s, limit) === null);
  const what = wantsGpu ? `on WebGPU ${problems[0]}, and on the CPU ${problems[1]}` : problems[0];
  throw new CapacityError(
    `this model is too large to train here: ${what}. ${largestText(shape, fitsSomewhere)}`,
  );
}

/** "With the other settings unchanged, the largest H that fits is 4, B 12, T 9." */
function largestText(shape: RunShape, fits: (s: RunShape) => boolean): string {
  const found = SIZE_SETTINGS.flatMap((setting) => {
    const value = largestFitting(shape, setting, fits);
    return value === null ? [] : [`${sizeLetter(setting)}=${value}`];
  });
  if (found.length === 0) {
    return 'No H, B or T fits with the other settings unchanged: lower the layers L, the embedding E or the vocabulary.';
  }
  return `With the other settings unchanged, the largest that fits is ${found.join(', or ')}.`;
}

/** navigator.deviceMemory where the browser reports it (Chromium), else undefined. */
export function deviceMemoryGiB(): number | undefined {
  const memory = (globalThis.navigator as { deviceMemory?: unknown } | undefined)?.deviceMemory;
  return typeof memory === 'number' && memory > 0 ? memory : undefined;
}
