// The kernel plan of one backend: which GEMM kernel configuration each
// product runs with, and whether the recurrence runs as one dispatch per
// timestep ('step') or one dispatch per layer and direction ('persistent').
// passes.ts consults it while recording (the sampler records through it); autotune.ts fills it
// in at model build, before any program is recorded.
//
// Dimension legend: B batch, T window, H hidden, L layers; the workgroup
// memory of the persistent kernels is 32·H bytes forward and 64·H backward.

import {
  choiceFor,
  defaultChoice,
  gemmShapeKey,
  type GemmArgs,
  type GemmChoice,
  type GemmVariant,
} from './gemm';
import { GpuCapacityError } from './device';

export const RECURRENT_MODES = ['step', 'persistent'] as const;
export type RecurrentMode = (typeof RECURRENT_MODES)[number];

/**
 * The engine option: 'auto' runs the persistent kernels where they fit the
 * device's workgroup memory and the autotune does not measure them slower
 * (with no measurement: wherever they fit); 'step' and 'persistent' force
 * one ('persistent' throws when H does not fit).
 */
export const RECURRENT_VARIANTS = ['auto', ...RECURRENT_MODES] as const;
export type RecurrentVariant = (typeof RECURRENT_VARIANTS)[number];

export interface RecurrentPlan {
  forward: RecurrentMode;
  backward: RecurrentMode;
}

/**
 * Units of the hidden state one invocation owns in the persistent kernels
 * (lstm_seq_forward.wgsl, lstm_seq_backward.wgsl), each over four streams.
 */
export const PERSISTENT_UNITS = { forward: 4, backward: 4 } as const;

/**
 * Invocations per workgroup of a persistent kernel: the smallest power of
 * two from 32 to 256 that covers H / PERSISTENT_UNITS of the direction.
 */
export function persistentWorkgroupSize(
  H: number,
  direction: 'forward' | 'backward',
  maxInvocations = 256,
): number {
  const cap = Math.min(256, maxInvocations);
  const units = Math.ceil(H / PERSISTENT_UNITS[direction]);
  let wg = 32;
  while (wg < units && wg < cap) wg *= 2;
  return Math.min(wg, cap);
}

/** Bytes of workgroup memory the persistent kernel of a direction needs at H. */
export function persistentWorkgroupBytes(H: number, direction: 'forward' | 'backward'): number {
  // forward: h of 4 streams, double-buffered (2·H vec4); backward: dz of 4 streams (4·H vec4).
  return (direction === 'forward' ? 2 : 4) * H * 16;
}

/** Whether the persistent kernel of a direction fits the device's limits at H. */
export function persistentFits(
  H: number,
  limits: GPUSupportedLimits,
  direction: 'forward' | 'backward',
): boolean {
  return (
    persistentWorkgroupBytes(H, direction) <= limits.maxComputeWorkgroupStorageSize &&
    limits.maxComputeInvocationsPerWorkgroup >= 64
  );
}

export class KernelPlan {
  /** Per GEMM shape key (gemm.ts gemmShapeKey), when the variant is 'auto'. */
  readonly gemmChoices = new Map<string, GemmChoice>();
  recurrent: RecurrentPlan;
  /** Set while the autotune collects the model's products: sees every GEMM recorded. */
  observer: ((args: GemmArgs) => void) | null = null;

  constructor(
    readonly gemmVariant: GemmVariant,
    recurrent: RecurrentPlan,
  ) {
    this.recurrent = { ...recurrent };
  }

  gemm(args: GemmArgs): GemmChoice {
    this.observer?.(args);
    if (this.gemmVariant !== 'auto') return choiceFor(args, this.gemmVariant);
    return this.gemmChoices.get(gemmShapeKey(args)) ?? defaultChoice(args);
  }
}

/** The recurrent mode before (or without) the autotune; throws when 'persistent' cannot fit. */
export function initialRecurrentMode(
  variant: RecurrentVariant | undefined,
  H: number,
  device: GPUDevice,
  direction: 'forward' | 'backward',
): RecurrentMode {
  const fits = persistentFits(H, device.limits, direction);
  if (variant === 'persistent' && !fits) {
    throw new GpuCapacityError(
      `the persistent ${direction} kernel needs ${persistentWorkgroupBytes(H, direction)} bytes ` +
        `of workgroup memory at H=${H}; this GPU has ${device.limits.maxComputeWorkgroupStorageSize}`,
    );
  }
  if (variant === 'step') return 'step';
  if (variant === 'persistent') return 'persistent';
  // Unmeasured, the persistent kernels run wherever they fit: the adapters whose autotune
  // cannot measure in time are the slow (software) ones, and there they win at every H
  // measured (64 to 512: forward 1.3–2.2×, backward 1.8–3.7× per window, gpu-engine.md).
  return fits ? 'persistent' : 'step';
}
