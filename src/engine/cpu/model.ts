// The whole model on the CPU: embedding → L LSTM layers → head, forward and
// backward over one window. Generic over Float32Array and Float64Array so the
// same code is the float32 reference and the float64 gradient-check oracle.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers, X layer input size (E for layer 0, H above). Time-major (T, B, ·).

import { layerInputSize, type ModelConfig } from '../config';
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
import {
  lstmLayerBackward,
  lstmLayerForward,
  type LayerTrace,
  type LayerWeights,
} from './lstmLayer';
import { crossEntropySum, softmaxCrossEntropyBackward } from './head';

/** Views of the tensors of a parameter (or gradient) arena. */
export interface ModelView {
  embedding: Arr; // (V, E)
  layers: LayerWeights[]; // wx (X, 4H), wh (H, 4H), b (4H)
  headW: Arr; // (H, V)
  headB: Arr; // (V)
}

export function viewArena(layout: ParamLayout, arena: Arr): ModelView {
  const v = (t: TensorSpec): Arr => arena.subarray(t.offset, t.offset + t.size);
  return {
    embedding: v(layout.embedding),
    layers: layout.layers.map((l) => ({ wx: v(l.wx), wh: v(l.wh), b: v(l.b) })),
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
  readonly traces: LayerTrace[]; // per layer: gates (T, B, 4H), c and h (T, B, H)
  readonly logits: Arr; // (T, B, V), becomes dlogits in backward
  readonly dh: Arr; // (T, B, H) gradient w.r.t. the current layer's outputs
  readonly dGates: Arr; // (T, B, 4H)
  readonly dx: Arr; // (T, B, max(E, H)) gradient w.r.t. the current layer's inputs
  readonly dc: Arr; // (B, H) cell gradient carried back through time

  constructor(
    readonly ctor: ArrCtor,
    readonly model: ModelConfig,
    readonly T: number,
    readonly B: number,
    /** The matrix products: serial, or split over a pool of workers. */
    readonly gemm: GemmOps = serialGemm,
    allocate: Allocate = (n) => new ctor(n),
  ) {
    const sizes = workspaceSizes(model, T, B);
    this.x0 = allocate(sizes.x0);
    this.traces = Array.from({ length: model.layers }, () => ({
      gates: allocate(sizes.trace.gates),
      c: allocate(sizes.trace.c),
      h: allocate(sizes.trace.h),
    }));
    this.logits = allocate(sizes.logits);
    this.dh = allocate(sizes.dh);
    this.dGates = allocate(sizes.dGates);
    this.dx = allocate(sizes.dx);
    // Only the calling thread touches it: no need for shared memory.
    this.dc = new ctor(model.hiddenSize * B);
  }
}

/** Lengths of the arrays a Workspace of (T, B) allocates, each layer's trace once. */
function workspaceSizes(m: ModelConfig, T: number, B: number) {
  const { embedSize: E, hiddenSize: H, vocabSize: V } = m;
  const N = T * B;
  return {
    x0: N * E,
    trace: { gates: N * 4 * H, c: N * H, h: N * H },
    logits: N * V,
    dh: N * H,
    dGates: N * 4 * H,
    dx: N * Math.max(E, H),
  };
}

/** Lengths of every array a Workspace of (T, B) takes from `allocate` (sizing shared memory). */
export function workspaceAllocations(m: ModelConfig, T: number, B: number): number[] {
  const { trace, ...rest } = workspaceSizes(m, T, B);
  const traces = Array.from({ length: m.layers }, () => Object.values(trace));
  return [...Object.values(rest), ...traces.flat()];
}

/** Layer `layer`'s (B, H) slice of a carried (L, B, H) state array. */
function layerSlice(state: Arr, layer: number, B: number, H: number): Arr {
  return slice(state, layer * B * H, (layer + 1) * B * H);
}

/** Forward over a window of T·B inputs from `state`; fills the workspace, logits included. */
export function modelForward(
  ws: Workspace,
  w: ModelView,
  inputs: Int32Array,
  state: RecurrentState<Arr>,
): void {
  const { model: m, T, B } = ws;
  const { embedSize: E, hiddenSize: H, vocabSize: V } = m;
  const N = T * B;
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * E;
    for (let e = 0; e < E; e++) ws.x0[n * E + e] = w.embedding[row + e];
  }
  for (let l = 0; l < m.layers; l++) {
    const x = l === 0 ? ws.x0 : ws.traces[l - 1].h;
    lstmLayerForward(
      ws.traces[l],
      x,
      layerSlice(state.h, l, B, H),
      layerSlice(state.c, l, B, H),
      w.layers[l],
      T,
      B,
      layerInputSize(m, l),
      H,
      ws.gemm,
    );
  }
  ws.logits.fill(0, 0, N * V);
  ws.gemm.nn(ws.logits, ws.traces[m.layers - 1].h, w.headW, N, V, H);
  addRowBias(ws.logits, w.headB, N, V);
}

/** Summed cross-entropy of the logits in the workspace (after modelForward). */
export function windowLossSum(ws: Workspace, targets: Int32Array): number {
  return crossEntropySum(ws.logits, targets, ws.T * ws.B, ws.model.vocabSize);
}

/**
 * Forward and full BPTT over the window; accumulates the gradient of the MEAN
 * loss into `grads` (zero it first) and returns that mean loss.
 */
export function modelForwardBackward(
  ws: Workspace,
  w: ModelView,
  grads: ModelView,
  inputs: Int32Array,
  targets: Int32Array,
  state: RecurrentState<Arr>,
): number {
  modelForward(ws, w, inputs, state);
  const { model: m, T, B } = ws;
  const { embedSize: E, hiddenSize: H, vocabSize: V, layers: L } = m;
  const N = T * B;
  const loss = softmaxCrossEntropyBackward(ws.logits, targets, N, V, 1 / N) / N;
  const top = ws.traces[L - 1].h;
  ws.gemm.tn(grads.headW, top, ws.logits, H, V, N);
  sumRowsInto(grads.headB, ws.logits, N, V);
  ws.dh.fill(0, 0, N * H);
  ws.gemm.nt(ws.dh, ws.logits, w.headW, N, H, V);
  for (let l = L - 1; l >= 0; l--) {
    const X = layerInputSize(m, l);
    const x = l === 0 ? ws.x0 : ws.traces[l - 1].h;
    lstmLayerBackward(
      grads.layers[l],
      ws.dx,
      ws.dGates,
      ws.dh,
      ws.traces[l],
      x,
      layerSlice(state.h, l, B, H),
      layerSlice(state.c, l, B, H),
      w.layers[l],
      T,
      B,
      X,
      H,
      ws.gemm,
      ws.dc,
    );
    // The input gradient of this layer is the output gradient of the one below.
    if (l > 0) ws.dh.set(slice(ws.dx, 0, N * H));
  }
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * E;
    for (let e = 0; e < E; e++) grads.embedding[row + e] += ws.dx[n * E + e];
  }
  return loss;
}

/** Copies the window's final (h, c) of every layer into `state`: the carry into the next window. */
export function carryState(ws: Workspace, state: RecurrentState<Arr>): void {
  const { T, B } = ws;
  const H = ws.model.hiddenSize;
  for (let l = 0; l < ws.model.layers; l++) {
    const last = (T - 1) * B * H;
    state.h.set(slice(ws.traces[l].h, last, last + B * H), l * B * H);
    state.c.set(slice(ws.traces[l].c, last, last + B * H), l * B * H);
  }
}
