// The buffers of one window shape on the CPU (Workspace), allocated once and
// reused every step, what they add up to (for the thread pool's shared memory
// and the memory estimate), and the dropout masks of a window.
//
// Dimension legend: T window, B batch, H hidden, L layers, D directions
// (task.ts), O head outputs (task.ts outputSize), X layer input size (X0 = E
// or a forecast's Ci for layer 0, D·H above: config.ts layerInputSize), G gate
// columns of a layer (cells.ts: 4H LSTM, 3H GRU, H RNN). Time-major (T, B, ·).
//
// Dropout (dropout.ts): site s in 0..L has layerInputSize(m, s) units (the
// head's input, D·H, at s = L); see model.ts for where each site applies.

import { CELLS } from '../cells';
import { headInputSize, layerInputSize, type ModelConfig } from '../config';
import { fillMask, type DropoutSpec } from '../dropout';
import { directionCount, outputSize } from '../task';
import { serialGemm, type Arr, type ArrCtor, type GemmOps } from './gemm';
import type { LayerTrace } from './layerTypes';

/** Allocates a zeroed array; a thread pool hands out views of shared memory instead. */
export type Allocate = (length: number) => Arr;

/** Buffers for one window shape, allocated once and reused every step. */
export class Workspace {
  readonly x0: Arr; // (T, B, X0) embedded inputs or a forecast's values
  readonly traces: LayerTrace[]; // forward direction per layer: gates (T, B, G); c, hn, h (T, B, H)
  /** D = 2: the reverse direction per layer, the same arrays in reversed time; else empty. */
  readonly reverseTraces: LayerTrace[];
  /** Per layer (T, B, D·H): what the layer above and the head read (D = 1: traces[l].h). */
  readonly outputs: Arr[];
  readonly logits: Arr; // (T, B, O), becomes dlogits in backward
  readonly dh: Arr; // (T, B, H) gradient w.r.t. one direction's outputs
  /** (T, B, D·H) gradient w.r.t. the current layer's output (D = 1: dh itself). */
  readonly dOut: Arr;
  readonly dGates: Arr; // (T, B, G)
  readonly dGatesH: Arr; // GRU: (T, B, G) gradient of h·Wh's pre-activations; else empty
  readonly dx: Arr; // (T, B, max X) gradient w.r.t. the current layer's inputs
  readonly dxRev: Arr; // D = 2: (T, B, max X) the reverse direction's, in reversed time
  readonly xRev: Arr; // D = 2: (T, B, max X) the current layer's input in reversed time
  readonly zeroH: Arr; // D = 2: (B, H) zeros, the reverse direction's h0 and c0
  readonly dc: Arr; // LSTM: (B, H) cell gradient carried back through time
  private dropoutBuffers: DropoutBuffers | null = null;

  constructor(
    readonly ctor: ArrCtor,
    readonly model: ModelConfig,
    readonly T: number,
    readonly B: number,
    /** The matrix products: serial, or split over a pool of workers. */
    readonly gemm: GemmOps = serialGemm,
    private readonly allocate: Allocate = (n) => new ctor(n),
  ) {
    const sizes = workspaceSizes(model, T, B);
    const trace = (): LayerTrace => ({
      gates: allocate(sizes.trace.gates),
      c: allocate(sizes.trace.c),
      hn: allocate(sizes.trace.hn),
      h: allocate(sizes.trace.h),
    });
    const bi = directionCount(model) === 2;
    this.x0 = allocate(sizes.x0);
    this.traces = Array.from({ length: model.layers }, trace);
    this.reverseTraces = bi ? Array.from({ length: model.layers }, trace) : [];
    this.outputs = this.traces.map((t) => (bi ? allocate(sizes.output) : t.h));
    this.logits = allocate(sizes.logits);
    this.dh = allocate(sizes.dh);
    this.dOut = bi ? allocate(sizes.output) : this.dh;
    this.dGates = allocate(sizes.dGates);
    this.dGatesH = allocate(sizes.dGatesH);
    this.dx = allocate(sizes.dx);
    this.dxRev = allocate(sizes.dxRev);
    this.xRev = allocate(sizes.xRev);
    this.zeroH = allocate(sizes.zeroH);
    // In the engine's memory, where the wasm kernel's backward cell update reads it.
    const { hiddenSize: H, cell } = model;
    this.dc = cell === 'lstm' ? allocate(H * B) : new ctor(0);
  }

  /**
   * The dropout buffers, allocated the first time a window is dropped: most
   * workspaces (evaluation, sampling, probes) never are. The dropped copies
   * are operands of the products, so they come from `allocate` (shared memory
   * under a pool, which reserves room for them: workspaceAllocations); the
   * masks only the calling thread reads.
   */
  dropout(): DropoutBuffers {
    if (!this.dropoutBuffers) {
      const { model: m, T, B, ctor } = this;
      const N = T * B;
      this.dropoutBuffers = {
        masks: Array.from({ length: m.layers + 1 }, (_, s) => new ctor(N * siteSize(m, s))),
        dropped: Array.from({ length: m.layers }, () => this.allocate(N * headInputSize(m))),
      };
    }
    return this.dropoutBuffers;
  }
}

/** A workspace's dropout buffers (see Workspace.dropout). */
export interface DropoutBuffers {
  /** Per site s in 0..L: (T, B, X) of 0 or the scale; X is X0 at site 0, D·H above. */
  masks: Arr[];
  /** Per site s in 1..L, at [s − 1]: (T, B, D·H) the layer below's output times masks[s]. */
  dropped: Arr[];
}

/** Units X of dropout site s: layer s's input (X0 at site 0, D·H above), the head's at s = L. */
function siteSize(m: ModelConfig, s: number): number {
  return s < m.layers ? layerInputSize(m, s) : headInputSize(m);
}

/**
 * Fills the workspace's masks with every site's mask of step `step` (the
 * 1-based step being taken) and returns them, for modelForwardBackward.
 */
export function windowMasks(ws: Workspace, spec: DropoutSpec, step: number): Arr[] {
  const { model: m, T, B } = ws;
  const { masks } = ws.dropout();
  masks.forEach((mask, s) => {
    const X = siteSize(m, s);
    if (spec.variational) {
      // One draw per stream and unit: fill t = 0 (its index is b·X + u either way), repeat it.
      fillMask(mask, spec, step, s, 1, B, X);
      for (let t = 1; t < T; t++) mask.copyWithin(t * B * X, 0, B * X);
    } else {
      fillMask(mask, spec, step, s, T, B, X);
    }
  });
  return masks;
}

/** out[i] = x[i]·mask[i] for i < n (in place when out is x). */
export function applyMask(out: Arr, x: Arr, mask: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

/** Lengths of the arrays a Workspace of (T, B) allocates, each layer's trace once. */
function workspaceSizes(m: ModelConfig, T: number, B: number) {
  const { hiddenSize: H, cell } = m;
  const D = directionCount(m);
  const N = T * B;
  const G = CELLS[cell].gates * H;
  const maxX = Math.max(layerInputSize(m, 0), D * H);
  const bi = D === 2;
  return {
    x0: N * layerInputSize(m, 0),
    trace: {
      gates: N * G,
      c: cell === 'lstm' ? N * H : 0,
      hn: cell === 'gru' ? N * H : 0,
      h: N * H,
    },
    output: bi ? N * D * H : 0,
    logits: N * outputSize(m),
    dh: N * H,
    dGates: N * G,
    dGatesH: cell === 'gru' ? N * G : 0,
    dx: N * maxX,
    dxRev: bi ? N * maxX : 0,
    xRev: bi ? N * maxX : 0,
    zeroH: bi ? B * H : 0,
  };
}

/** Lengths of every array a Workspace of (T, B) takes from `allocate` (sizing shared memory). */
export function workspaceAllocations(m: ModelConfig, T: number, B: number): number[] {
  const { trace, output, dh, ...rest } = workspaceSizes(m, T, B);
  const D = directionCount(m);
  const traces = Array.from({ length: m.layers * D }, () => Object.values(trace));
  // Per layer the (T, B, 2H) output of D = 2, and dOut; D = 1 uses the trace's h and dh.
  const outputs = D === 2 ? Array.from({ length: m.layers + 1 }, () => output) : [];
  // The dropped copies (Workspace.dropout), allocated later if dropout is ever on.
  const dropped = Array.from({ length: m.layers }, () => T * B * headInputSize(m));
  // The LSTM's (B, H) cell gradient carried back through time.
  const dc = m.cell === 'lstm' ? [B * m.hiddenSize] : [];
  return [...Object.values(rest), dh, ...traces.flat(), ...outputs, ...dropped, ...dc];
}

/**
 * Lengths of every array a Workspace of (T, B) holds once it has trained
 * with dropout: what it takes from `allocate` (the LSTM cell gradient included)
 * and the dropout masks (memory.ts counts these).
 */
export function workspaceArrays(m: ModelConfig, T: number, B: number): number[] {
  const masks = Array.from({ length: m.layers + 1 }, (_, s) => T * B * siteSize(m, s));
  return [...workspaceAllocations(m, T, B), ...masks];
}
