// The kernel plan of one backend: which GEMM kernel configuration each
// product runs with, and whether the recurrence runs as one dispatch per
// timestep ('step') or one dispatch per layer and direction ('persistent').
// passes.ts consults it while recording (the sampler records through it); autotune.ts fills it
// in at model build, before any program is recorded.
//
// Dimension legend: B batch, T window, H hidden, L layers; the workgroup
// memory of the persistent kernels is 32·H bytes forward (every cell) and
// 64·H (LSTM), 48·H (GRU), 16·H (RNN) backward.

import {
  choiceFor,
  defaultChoice,
  gemmShapeKey,
  type GemmArgs,
  type GemmChoice,
  type GemmVariant,
} from './gemm';
import { GpuCapacityError } from './device';
import type { CellType } from '../cells';

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

export type Direction = 'forward' | 'backward';

/**
 * Units of the hidden state one invocation owns at a time in the persistent
 * kernels (`${cell}_seq_forward.wgsl`, `${cell}_seq_backward.wgsl`), each over
 * four streams: every cell's kernels are register-tiled over four units (the
 * GRU's and RNN's with scalar Wh loads: rows of 3H or H floats are not
 * vec4-aligned).
 */
export const PERSISTENT_UNITS: Record<CellType, Record<Direction, number>> = {
  lstm: { forward: 4, backward: 4 },
  gru: { forward: 4, backward: 4 },
  rnn: { forward: 4, backward: 4 },
};

/**
 * Invocations per workgroup of a persistent kernel: the smallest power of
 * two from 32 to 256 that covers H / PERSISTENT_UNITS of the cell and direction.
 */
export function persistentWorkgroupSize(
  H: number,
  direction: Direction,
  maxInvocations = 256,
  cell: CellType = 'lstm',
): number {
  const cap = Math.min(256, maxInvocations);
  const units = Math.ceil(H / PERSISTENT_UNITS[cell][direction]);
  let wg = 32;
  while (wg < units && wg < cap) wg *= 2;
  return Math.min(wg, cap);
}

/** vec4s (one per column of the four streams) of workgroup memory per unit of H. */
const PERSISTENT_VEC4S: Record<CellType, Record<Direction, number>> = {
  // forward: h of 4 streams, double-buffered (2 per unit) for every cell;
  // backward: the gate gradient of step t + 1 of 4 streams, G per unit.
  lstm: { forward: 2, backward: 4 },
  gru: { forward: 2, backward: 3 },
  rnn: { forward: 2, backward: 1 },
};

/** Bytes of workgroup memory the persistent kernel of a cell and direction needs at H. */
export function persistentWorkgroupBytes(
  H: number,
  direction: Direction,
  cell: CellType = 'lstm',
): number {
  return PERSISTENT_VEC4S[cell][direction] * H * 16;
}

/** Whether the persistent kernel of a cell and direction fits the device's limits at H. */
export function persistentFits(
  H: number,
  limits: GPUSupportedLimits,
  direction: Direction,
  cell: CellType = 'lstm',
): boolean {
  return (
    persistentWorkgroupBytes(H, direction, cell) <= limits.maxComputeWorkgroupStorageSize &&
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
  direction: Direction,
  cell: CellType = 'lstm',
): RecurrentMode {
  const fits = persistentFits(H, device.limits, direction, cell);
  if (variant === 'persistent' && !fits) {
    throw new GpuCapacityError(
      `the persistent ${cell} ${direction} kernel needs ` +
        `${persistentWorkgroupBytes(H, direction, cell)} bytes ` +
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
