// The whole model on the CPU: embedding → L recurrent layers → head, forward and
// backward over one window. Generic over Float32Array and Float64Array so the
// same code is the float32 reference and the float64 gradient-check oracle.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers, X layer input size (E for layer 0, H above), G gate columns of a
// layer (cells.ts: 4H LSTM, 3H GRU, H RNN). Time-major (T, B, ·).
//
// Dropout (dropout.ts) on a training window: masks[s] (T, B, X) per site s in
// 0..L. Site 0 scales the embedded inputs in place (nothing else reads them);
// sites 1..L write a dropped copy of the layer below's h (Workspace.dropout),
// which layer s (or the head, s = L) reads, while the undropped h stays in the
// trace for that layer's own recurrence, its backward pass and the carry.
// Backward multiplies the gradient reaching a site by the same mask.

import { CELLS } from '../cells';
import { layerInputSize, type ModelConfig } from '../config';
import { fillMask, type DropoutSpec } from '../dropout';
import { outputSize } from '../task';
import type { ParamLayout, TensorSpec } from '../params';
import type { RecurrentState } from '../state';
import {
  addRowBias,
  serialGemm,
  slice,
  sumRowsInto,
  type Arr,
  type ArrCtor,
  type GemmOps,
} from './gemm';
import { gruLayerBackward, gruLayerForward } from './gruLayer';
import type { LayerTrace, LayerWeights } from './layerTypes';
import { lstmLayerBackward, lstmLayerForward } from './lstmLayer';
import { rnnLayerBackward, rnnLayerForward } from './rnnLayer';
import { crossEntropySum, softmaxCrossEntropyBackward } from './head';

/** Views of the tensors of a parameter (or gradient) arena. */
export interface ModelView {
  embedding: Arr; // (V, E)
  layers: LayerWeights[]; // wx (X, G), wh (H, G), b (G), GRU bhn (H)
  headW: Arr; // (H, V)
  headB: Arr; // (V)
}

export function viewArena(layout: ParamLayout, arena: Arr): ModelView {
  const v = (t: TensorSpec): Arr => arena.subarray(t.offset, t.offset + t.size);
  return {
    embedding: v(layout.embedding),
    layers: layout.layers.map((l) => ({
      wx: v(l.wx),
      wh: v(l.wh),
      b: v(l.b),
      ...(l.bhn ? { bhn: v(l.bhn) } : {}),
    })),
    headW: v(layout.headW),
    headB: v(layout.headB),
  };
}

export function zeroState(ctor: ArrCtor, m: ModelConfig, B: number): RecurrentState<Arr> {
  const n = m.layers * B * m.hiddenSize;
  return { h: new ctor(n), c: new ctor(n) };
}

/** Allocates a zeroed array; a thread pool hands out views of shared memory instead. */
export type Allocate = (length: number) => Arr;

/** Buffers for one window shape, allocated once and reused every step. */
export class Workspace {
  readonly x0: Arr; // (T, B, E) embedded inputs
  readonly traces: LayerTrace[]; // per layer: gates (T, B, G); c (LSTM), hn (GRU), h (T, B, H)
  readonly logits: Arr; // (T, B, V), becomes dlogits in backward
  readonly dh: Arr; // (T, B, H) gradient w.r.t. the current layer's outputs
  readonly dGates: Arr; // (T, B, G)
  readonly dGatesH: Arr; // GRU: (T, B, G) gradient of h·Wh's pre-activations; else empty
  readonly dx: Arr; // (T, B, max(E, H)) gradient w.r.t. the current layer's inputs
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
    this.x0 = allocate(sizes.x0);
    this.traces = Array.from({ length: model.layers }, () => ({
      gates: allocate(sizes.trace.gates),
      c: allocate(sizes.trace.c),
      hn: allocate(sizes.trace.hn),
      h: allocate(sizes.trace.h),
    }));
    this.logits = allocate(sizes.logits);
    this.dh = allocate(sizes.dh);
    this.dGates = allocate(sizes.dGates);
    this.dGatesH = allocate(sizes.dGatesH);
    this.dx = allocate(sizes.dx);
    // Only the calling thread touches these: no need for shared memory.
    const { hiddenSize: H, cell } = model;
    this.dc = new ctor(cell === 'lstm' ? H * B : 0);
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
        dropped: Array.from({ length: m.layers }, () => this.allocate(N * m.hiddenSize)),
      };
    }
    return this.dropoutBuffers;
  }
}

/** A workspace's dropout buffers (see Workspace.dropout). */
export interface DropoutBuffers {
  /** Per site s in 0..L: (T, B, X) of 0 or the scale; X is E at site 0, H above. */
  masks: Arr[];
  /** Per site s in 1..L, at [s − 1]: (T, B, H) the layer below's h times masks[s]. */
  dropped: Arr[];
}

/** Units X of dropout site s: the embedding at site 0, a layer's h above. */
function siteSize(m: ModelConfig, s: number): number {
  return s === 0 ? m.embedSize : m.hiddenSize;
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
function applyMask(out: Arr, x: Arr, mask: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

/** Lengths of the arrays a Workspace of (T, B) allocates, each layer's trace once. */
function workspaceSizes(m: ModelConfig, T: number, B: number) {
  const { embedSize: E, hiddenSize: H, cell } = m;
  const O = outputSize(m);
  const N = T * B;
  const G = CELLS[cell].gates * H;
  return {
    x0: N * E,
    trace: {
      gates: N * G,
      c: cell === 'lstm' ? N * H : 0,
      hn: cell === 'gru' ? N * H : 0,
      h: N * H,
    },
    logits: N * O,
    dh: N * H,
    dGates: N * G,
    dGatesH: cell === 'gru' ? N * G : 0,
    dx: N * Math.max(E, H),
  };
}

/** Lengths of every array a Workspace of (T, B) takes from `allocate` (sizing shared memory). */
export function workspaceAllocations(m: ModelConfig, T: number, B: number): number[] {
  const { trace, ...rest } = workspaceSizes(m, T, B);
  const traces = Array.from({ length: m.layers }, () => Object.values(trace));
  // The dropped copies (Workspace.dropout), allocated later if dropout is ever on.
  const dropped = Array.from({ length: m.layers }, () => T * B * m.hiddenSize);
  return [...Object.values(rest), ...traces.flat(), ...dropped];
}

/** Layer `layer`'s (B, H) slice of a carried (L, B, H) state array. */
function layerSlice(state: Arr, layer: number, B: number, H: number): Arr {
  return slice(state, layer * B * H, (layer + 1) * B * H);
}

/** What layer l reads (site l): x0, the layer below's h, or its dropped copy. */
function layerInput(ws: Workspace, l: number, masks: readonly Arr[] | undefined): Arr {
  if (l === 0) return ws.x0;
  return masks ? ws.dropout().dropped[l - 1] : ws.traces[l - 1].h;
}

/**
 * Forward over a window of T·B inputs from `state`; fills the workspace,
 * logits included. With `masks` (one per site, see windowMasks), dropout.
 */
export function modelForward(
  ws: Workspace,
  w: ModelView,
  inputs: Int32Array,
  state: RecurrentState<Arr>,
  masks?: readonly Arr[],
): void {
  const { model: m, T, B } = ws;
  const { embedSize: E, hiddenSize: H, layers: L } = m;
  const O = outputSize(m);
  const N = T * B;
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * E;
    for (let e = 0; e < E; e++) ws.x0[n * E + e] = w.embedding[row + e];
  }
  if (masks) applyMask(ws.x0, ws.x0, masks[0], N * E);
  for (let l = 0; l < L; l++) {
    if (masks && l > 0) applyMask(ws.dropout().dropped[l - 1], ws.traces[l - 1].h, masks[l], N * H);
    const x = layerInput(ws, l, masks);
    const [trace, h0, weights, X] = [
      ws.traces[l],
      layerSlice(state.h, l, B, H),
      w.layers[l],
      layerInputSize(m, l),
    ];
    if (m.cell === 'lstm') {
      lstmLayerForward(trace, x, h0, layerSlice(state.c, l, B, H), weights, T, B, X, H, ws.gemm);
    } else if (m.cell === 'gru') {
      gruLayerForward(trace, x, h0, weights, T, B, X, H, ws.gemm);
    } else {
      rnnLayerForward(trace, x, h0, weights, T, B, X, H, ws.gemm);
    }
  }
  const top = masks ? ws.dropout().dropped[L - 1] : ws.traces[L - 1].h;
  if (masks) applyMask(top, ws.traces[L - 1].h, masks[L], N * H);
  ws.logits.fill(0, 0, N * O);
  ws.gemm.nn(ws.logits, top, w.headW, N, O, H);
  addRowBias(ws.logits, w.headB, N, O);
}

/** Summed cross-entropy of the logits in the workspace (after modelForward). */
export function windowLossSum(ws: Workspace, targets: Int32Array): number {
  return crossEntropySum(ws.logits, targets, ws.T * ws.B, outputSize(ws.model));
}

/**
 * Forward and full BPTT over the window; accumulates the gradient of the MEAN
 * loss into `grads` (zero it first) and returns that mean loss. With `masks`
 * (one per site, see windowMasks), dropout in both directions.
 */
export function modelForwardBackward(
  ws: Workspace,
  w: ModelView,
  grads: ModelView,
  inputs: Int32Array,
  targets: Int32Array,
  state: RecurrentState<Arr>,
  masks?: readonly Arr[],
): number {
  modelForward(ws, w, inputs, state, masks);
  const { T, B } = ws;
  const N = T * B;
  const loss = softmaxCrossEntropyBackward(ws.logits, targets, N, outputSize(ws.model), 1 / N) / N;
  modelBackward(ws, w, grads, inputs, state, undefined, masks);
  return loss;
}

/** What a backward pass can report of its layers on the way down (the gradient-flow view). */
export interface BackwardTap {
  /**
   * Called after layer `layer`'s BPTT, while `ws.dh` (T, B, H) holds the full
   * gradient w.r.t. each of its outputs h_t (from above and through time).
   */
  layerDone(layer: number): void;
  /** LSTM only: (T, B, H) receiving each step's full cell gradient ∂/∂c_t of the layer being done. */
  dc?: Arr;
}

/**
 * Backpropagation from the dlogits (T, B, V) in `ws.logits` (after
 * modelForward with the same `masks`), through the head, every layer and the
 * embedding; accumulates into `grads`.
 */
export function modelBackward(
  ws: Workspace,
  w: ModelView,
  grads: ModelView,
  inputs: Int32Array,
  state: RecurrentState<Arr>,
  tap?: BackwardTap,
  masks?: readonly Arr[],
): void {
  const { model: m, T, B } = ws;
  const { embedSize: E, hiddenSize: H, layers: L } = m;
  const O = outputSize(m);
  const N = T * B;
  const top = masks ? ws.dropout().dropped[L - 1] : ws.traces[L - 1].h;
  ws.gemm.tn(grads.headW, top, ws.logits, H, O, N);
  sumRowsInto(grads.headB, ws.logits, N, O);
  ws.dh.fill(0, 0, N * H);
  ws.gemm.nt(ws.dh, ws.logits, w.headW, N, H, O);
  if (masks) applyMask(ws.dh, ws.dh, masks[L], N * H);
  for (let l = L - 1; l >= 0; l--) {
    const X = layerInputSize(m, l);
    const x = layerInput(ws, l, masks);
    const [g, trace, h0, weights] = [
      grads.layers[l],
      ws.traces[l],
      layerSlice(state.h, l, B, H),
      w.layers[l],
    ];
    if (m.cell === 'lstm') {
      const c0 = layerSlice(state.c, l, B, H);
      lstmLayerBackward(
        g,
        ws.dx,
        ws.dGates,
        ws.dh,
        trace,
        x,
        h0,
        c0,
        weights,
        T,
        B,
        X,
        H,
        ws.gemm,
        ws.dc,
        tap?.dc,
      );
    } else if (m.cell === 'gru') {
      gruLayerBackward(
        g,
        ws.dx,
        ws.dGates,
        ws.dGatesH,
        ws.dh,
        trace,
        x,
        h0,
        weights,
        T,
        B,
        X,
        H,
        ws.gemm,
      );
    } else {
      rnnLayerBackward(g, ws.dx, ws.dGates, ws.dh, trace, x, h0, weights, T, B, X, H, ws.gemm);
    }
    tap?.layerDone(l);
    // The input gradient of this layer is the output gradient of the one below
    // (through site l's mask: a dropped unit passed nothing up, gets nothing back).
    if (l > 0) {
      if (masks) applyMask(ws.dh, ws.dx, masks[l], N * H);
      else ws.dh.set(slice(ws.dx, 0, N * H));
    }
  }
  if (masks) applyMask(ws.dx, ws.dx, masks[0], N * E);
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * E;
    for (let e = 0; e < E; e++) grads.embedding[row + e] += ws.dx[n * E + e];
  }
}

/**
 * Copies the window's final h (and the LSTM's c) of every layer into `state`:
 * the carry into the next window. The other cells leave `state.c` at zero.
 */
export function carryState(ws: Workspace, state: RecurrentState<Arr>): void {
  const { T, B } = ws;
  const H = ws.model.hiddenSize;
  for (let l = 0; l < ws.model.layers; l++) {
    const last = (T - 1) * B * H;
    state.h.set(slice(ws.traces[l].h, last, last + B * H), l * B * H);
    if (ws.model.cell === 'lstm') state.c.set(slice(ws.traces[l].c, last, last + B * H), l * B * H);
  }
}
