// How much memory a model takes to train, from its configuration alone, and
// whether that fits the backend that would run it: so a model too large is
// refused before anything is allocated (and before the model in use is
// given up), with a message naming the limit and the largest H, B or T that
// fits. The counts follow what the engines allocate, array by array:
// cpu/backend.ts and cpu/model.ts (Workspace) on the CPU, gpu/arena.ts
// (arenaSizes), the staging pool and the programs' uniforms on the GPU
// (tests/unit/engine/memory.test.ts and tests/gpu/memory.test.ts hold the
// estimate to at least the real allocation, within a small factor).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; N = T·B positions; P floats of the parameter arena; Vs = V padded
// to a multiple of 4 (the GPU head's row stride).

import { CELLS } from './cells';
import { validationShape } from './batcher';
import { MAX_PROBE_CHARS, RANGES, type ModelConfig } from './config';
import { SCHEMA } from './configSchema';
import {
  arenaSizes,
  deviceParamLayout,
  LOSS_LOG_SLOTS,
  LOSS_LOG_WORDS,
  NORM_PARTIALS,
} from './gpu/arena';
import { workspaceArrays } from './cpu/workspace';
import { kernelBytes } from './cpu/wasm/footprint';
import { headColumns, paramLayout } from './params';
import { directionCount, outputSize } from './task';
import { MAX_PRIME_CHARS } from './sampleRequest';
import { DEFAULT_TRAINER_OPTIONS } from './training/options';

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/** Bytes of a float32 or int32 element. */
const F = 4;

/** Validation windows per stream, as many as the training loop measures. */
const VALIDATION_WINDOWS = DEFAULT_TRAINER_OPTIONS.maxValidationWindows;

/** What decides a training run's memory. */
export interface RunShape {
  /** V is the corpus' vocabulary size. */
  model: ModelConfig;
  /** T */
  seqLen: number;
  /** B */
  batchSize: number;
  /**
   * Tokens of the validation split, which decide the evaluation windows'
   * (T, B); omitted: validation windows as large as training's.
   */
  validationTokens?: number;
}

export interface Footprint {
  /** Everything the engine holds for this run at its peak. */
  totalBytes: number;
  /** The largest single allocation (a GPU buffer or a typed array). */
  largest: { name: string; bytes: number };
}

/** What a backend can hold: a total, and on WebGPU a size per buffer. */
export interface MemoryLimit {
  backend: 'cpu' | 'webgpu';
  totalBytes: number;
  /** WebGPU: min(maxBufferSize, maxStorageBufferBindingSize) of the adapter. */
  maxBufferBytes?: number;
}

/**
 * The CPU engine's budget for its arrays. A page cannot ask how much memory
 * it may use; allocations past about 1 GiB fail in practice ("Array buffer
 * allocation failed", after seconds of filling memory) and a tab that large
 * is at risk of being discarded. So 1 GiB, or a quarter of the device's
 * memory when the browser reports less than 4 GiB (navigator.deviceMemory,
 * rounded by the browser), and never under 256 MiB.
 */
export function cpuMemoryBudget(deviceMemoryGiB?: number): number {
  const fromDevice =
    deviceMemoryGiB !== undefined && deviceMemoryGiB > 0 ? (deviceMemoryGiB * GIB) / 4 : GIB;
  return Math.max(256 * MIB, Math.min(GIB, fromDevice));
}

/**
 * The WebGPU engine's budget for all its buffers together. WebGPU does not
 * say how much memory a device has; 2 GiB is what integrated GPUs (which
 * share the system's memory, like most laptops) and software adapters give a
 * tab without trouble. Single buffers are held to the adapter's own limits.
 */
export const GPU_MEMORY_BUDGET = 2 * GIB;

/**
 * Floats of a cpu/workspace.ts Workspace of (T, B) with its dropout buffers
 * (workspaceArrays), plus the GRU's (B, G) scratch its layers allocate, and
 * its largest array.
 */
function cpuWorkspace(m: ModelConfig, T: number, B: number) {
  const arrays = workspaceArrays(m, T, B);
  const scratch = m.cell === 'gru' ? B * CELLS.gru.gates * m.hiddenSize : 0;
  return { floats: arrays.reduce((a, b) => a + b, 0) + scratch, largest: Math.max(...arrays) };
}

function validation(shape: RunShape) {
  const { seqLen: T, batchSize: B } = shape;
  if (shape.validationTokens === undefined) {
    return { seqLen: T, batchSize: B, windows: VALIDATION_WINDOWS };
  }
  return validationShape(shape.validationTokens, B, T, VALIDATION_WINDOWS);
}

/** What the CPU engine allocates to train `shape` (cpu/backend.ts, cpu/model.ts). */
function cpuFootprint(shape: RunShape): Footprint {
  const { model: m, seqLen: T, batchSize: B } = shape;
  const { hiddenSize: H, layers: L } = m;
  const P = paramLayout(m).total;
  const training = cpuWorkspace(m, T, B);
  const val = validation(shape);
  // evaluate() reuses the training workspace when its windows have the same (T, B).
  const valWorkspace =
    val && (val.seqLen !== T || val.batchSize !== B)
      ? cpuWorkspace(m, val.seqLen, val.batchSize)
      : null;
  // A probe's or a prime's workspace (P, 1), while it runs; never both at once.
  const probe = cpuWorkspace(m, Math.max(MAX_PROBE_CHARS, MAX_PRIME_CHARS), 1);
  // Each workspace counts dropout's masks and dropped copies (Workspace.dropout): always,
  // because dropout can be switched on mid-run, and a pool reserves shared memory for the
  // copies from the start.
  const D = directionCount(m);
  const floats =
    // weights, gradients, Adam m and v, the decay mask; the initial weights the session
    // hands over, and a copy read out for a checkpoint or an export
    7 * P +
    // carried (h, c) of training and of evaluation, (L, B, H) each
    2 * L * B * H +
    // two in-memory snapshots for rolling back a divergence: weights, m, v, (h, c)
    2 * (3 * P + 2 * L * B * H) +
    // the best weights so far (early stopping)
    P +
    2 * L * (val?.batchSize ?? 0) * H +
    training.floats +
    (valWorkspace?.floats ?? 0) +
    // a gate snapshot: its workspace, the six (P, H) arrays per layer and the (P, V) logits
    // it hands back, and what it sends (snapshot.ts: the same arrays and (P) probabilities)
    probe.floats +
    2 * (6 * L * D * MAX_PROBE_CHARS * H) +
    MAX_PROBE_CHARS * outputSize(m) +
    MAX_PROBE_CHARS +
    // token windows (int32): a training window's inputs and targets, the validation windows
    2 * T * B +
    2 * (val ? val.seqLen * val.batchSize * val.windows : 0);
  const largest = Math.max(P, training.largest, valWorkspace?.largest ?? 0);
  return {
    // The wasm kernel's scratch on every GEMM thread the engine may start (at most 8) and
    // the recurrent weights' panels packed once per step (cpu/wasm/footprint.ts).
    totalBytes: floats * F + kernelBytes(m, 8),
    largest: {
      name: largest === P ? 'parameter arena (P floats)' : 'largest activation array',
      bytes: largest * F,
    },
  };
}

/** A GPU buffer's size as gpu/resources.ts allocates it: a multiple of 16 bytes, at least 16. */
function gpuBuffer(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/**
 * Uniform bytes of one recorded program over T positions (program.ts: one
 * 256-byte slot per dispatch). Twice the dispatches measured per layer and
 * timestep with the per-step recurrent kernels (about 2·L·T + 12 per
 * training step; the persistent kernels take fewer).
 */
function programUniformBytes(L: number, T: number): number {
  return 256 * (4 * L * T + 32);
}

/** Floats per unit, layer and token the GPU probe reads back: gates, then c (LSTM), then h. */
const PROBE_FLOATS_PER_UNIT = { lstm: 6, gru: 4, rnn: 1 } as const;

/** Positions the GPU sampler records programs for: lengths 1, 2, 4 … 64, feed and draw, two slots. */
const SAMPLER_PROGRAM_POSITIONS = 2 * 2 * (2 * 64 - 1);

/** What the WebGPU engine allocates to train `shape` (gpu/arena.ts and its helpers). */
function gpuFootprint(shape: RunShape): Footprint {
  const { model: m, seqLen: T, batchSize: B } = shape;
  const { hiddenSize: H, layers: L, embedSize: E } = m;
  const layout = deviceParamLayout(m);
  const s = arenaSizes(m, layout, T, B);
  const Vs = headColumns(layout);
  const floatBuffers = [
    ...Array<number>(5).fill(s.params), // params, grads, Adam m and v, decay mask
    s.tokens, // inputs
    s.tokens, // targets
    s.tokens, // rowLoss
    s.x0,
    s.values, // a forecast's (T, B, Ci) inputs and (T, B, Co) targets (4 floats otherwise)
    s.targetValues,
    s.dxReverse, // bidirectional: the reverse direction's input gradient (4 floats otherwise)
    s.logits,
    s.dH,
    s.dX0,
    B * H, // dc
    s.gatesH, // the GRU's dGatesH (4 floats otherwise)
    NORM_PARTIALS,
    LOSS_LOG_SLOTS * LOSS_LOG_WORDS, // [loss, norm, finite flag, 0] per step
    4, // loss accumulator
    s.flow, // gradientFlow's norms
    4, // placeholder
    s.state, // training h, c and evaluation h, c
    s.state,
    s.state,
    s.state,
    ...Array.from({ length: L }, () => [s.gates, s.states, s.cellStates]).flat(),
    // bidirectional: the reverse direction's own gates and cAll per layer
    ...Array.from({ length: directionCount(m) === 2 ? L : 0 }, () => [
      s.gates,
      s.cellStates,
    ]).flat(),
    // two snapshot slots for rolling back a divergence: params, m, v, h, c each
    ...Array.from({ length: 2 }, () => [s.params, s.params, s.params, s.state, s.state]).flat(),
    s.params, // the best weights so far (early stopping)
    // dropout: each site 1..L's dropped copy of h (N, H), allocated with or without dropout
    ...Array<number>(L).fill(s.dropped),
    // a sampler: x0 (E), per layer gates (G·H) and h, c rings (2H each), logits (Vs), tokens
    E + L * (CELLS[m.cell].gates + 4) * H + Vs + 2 * 64,
  ];
  const arena = floatBuffers.reduce((sum, floats) => sum + gpuBuffer(floats * F), 0);
  // Staging (MAP_READ) buffers, pooled by size: the weights (P) and Adam's m and v (2P) read
  // for a checkpoint, probe chunks; the loss readback ring (4 × R × 8 bytes).
  const moments = gpuBuffer(2 * s.params * F);
  // A bidirectional probe reads its whole text at once, both directions' signals.
  const D = directionCount(m);
  const probeChunk = D === 2 ? MAX_PROBE_CHARS : Math.min(256, MAX_PROBE_CHARS);
  const staging =
    gpuBuffer(s.params * F) +
    moments +
    gpuBuffer(probeChunk * (PROBE_FLOATS_PER_UNIT[m.cell] * L * D * H + Vs) * F) +
    4 * gpuBuffer(LOSS_LOG_SLOTS * LOSS_LOG_WORDS * 4);
  // Training, evaluation and gradient programs over T, and gradientFlow's (two passes: two
  // programs' worth); the training program with dropout, per mask mode (2L more dispatches,
  // within the estimate's slack); two probe programs (a full chunk and the rest); a sampler's
  // programs (per position: embedding, 2 per layer, head and draw); Adam's and dropout's
  // per-step blocks.
  const uniforms =
    7 * programUniformBytes(L, T) +
    2 * programUniformBytes(L, probeChunk) +
    256 * SAMPLER_PROGRAM_POSITIONS * (2 * L + 3) +
    2 * 64;
  const candidates: [string, number][] = [
    ['parameter arena (P floats)', s.params * F],
    ['gates (T·B·G·H floats)', s.gates * F],
    ['logits (T·B·V floats)', s.logits * F],
    ['hidden states ((T+1)·B·H floats)', s.states * F],
    ['embedded inputs (T·B·E floats)', s.x0 * F],
    ['read-back of the Adam moments (2P floats)', 2 * s.params * F],
  ];
  const [name, bytes] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { totalBytes: arena + staging + uniforms, largest: { name, bytes } };
}

export function footprint(shape: RunShape, backend: MemoryLimit['backend']): Footprint {
  return backend === 'cpu' ? cpuFootprint(shape) : gpuFootprint(shape);
}

/** Why `shape` does not fit `limit` (naming the limit), or null when it fits. */
export function excess(shape: RunShape, limit: MemoryLimit): string | null {
  const need = footprint(shape, limit.backend);
  const engine = limit.backend === 'cpu' ? 'the CPU engine' : 'WebGPU';
  if (limit.maxBufferBytes !== undefined && need.largest.bytes > limit.maxBufferBytes) {
    return (
      `its largest buffer, the ${need.largest.name}, needs ${bytesText(need.largest.bytes)}, ` +
      `and this GPU allows ${bytesText(limit.maxBufferBytes)} per buffer`
    );
  }
  if (need.totalBytes > limit.totalBytes) {
    return (
      `it needs ${bytesText(need.totalBytes)} (weights, Adam moments, gradients and the ` +
      `activations backpropagation keeps), over ${engine}'s memory budget of ` +
      `${bytesText(limit.totalBytes)}`
    );
  }
  return null;
}

/** The settings the largest-fit search may vary: memory grows with each. */
export const SIZE_SETTINGS = ['hiddenSize', 'batchSize', 'seqLen'] as const;

export type SizeSetting = (typeof SIZE_SETTINGS)[number];

/** The letter the page names a size setting by: its key in the shared link (H, B, T). */
export function sizeLetter(setting: SizeSetting): string {
  return SCHEMA[setting].urlKey ?? setting;
}

/** `shape` with one size setting changed, in the place its schema group gives it. */
export function withSetting(shape: RunShape, setting: SizeSetting, value: number): RunShape {
  if (SCHEMA[setting].group === 'model') {
    return { ...shape, model: { ...shape.model, [setting]: value } };
  }
  return { ...shape, [setting]: value };
}

/**
 * The largest value of `setting` (within its RANGES) for which `fits` holds,
 * the others unchanged, or null when even the smallest does not fit. Memory
 * grows with each of H, B and T, so a binary search finds it.
 */
export function largestFitting(
  shape: RunShape,
  setting: SizeSetting,
  fits: (shape: RunShape) => boolean,
): number | null {
  let [lo, hi] = RANGES[setting] as readonly [number, number];
  if (!fits(withSetting(shape, setting, lo))) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(withSetting(shape, setting, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function bytesText(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
