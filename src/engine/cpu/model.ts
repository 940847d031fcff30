// The whole model on the CPU: embedding (or a forecast's values) → L recurrent
// layers, each in one or two directions → head, forward and backward over one
// window. Generic over Float32Array and Float64Array so the same code is the
// float32 reference and the float64 gradient-check oracle.
//
// Dimension legend: T window, B batch, E embedding, H hidden, V vocabulary,
// L layers, D directions (task.ts), O head outputs (task.ts outputSize: V, the
// tagging classes, or Co), Ci values read per timestep (forecast), X layer
// input size (E or Ci for layer 0, D·H above: config.ts layerInputSize), G
// gate columns of a layer (cells.ts: 4H LSTM, 3H GRU, H RNN). Time-major (T, B, ·).
//
// Layer 0 reads x0 (T, B, X0): the embedded tokens, or a forecast's values
// copied as they are (no embedding). A bidirectional layer (D = 2) runs its
// forward direction over its input and its reverse direction over the same
// input read backwards (layerRun.ts), from zero state; its output (T, B, 2H)
// holds [h_fwd_t | h_rev_t] per position (PyTorch's order), which the layer
// above and the head read. In backward the gradient of that output splits
// into both directions, and the layer's input gradient is the sum of theirs.
// For D = 1 a layer's output is its trace's h itself.
//
// Dropout (dropout.ts) on a training window: masks[s] (T, B, X) per site s in
// 0..L (X0 at site 0, D·H above). Site 0 scales x0 in place (nothing else
// reads it); sites 1..L write a dropped copy of the layer below's output
// (Workspace.dropout), which layer s (or the head, s = L) reads, while the
// undropped output stays for that layer's backward pass and the carry.
// Backward multiplies the gradient reaching a site by the same mask.

import type { Batch } from '../backend';
import { CELLS } from '../cells';
import { headInputSize, layerInputSize, type ModelConfig } from '../config';
import { fillMask, type DropoutSpec } from '../dropout';
import type { ParamLayout, TensorSpec } from '../params';
import type { RecurrentState } from '../state';
import { directionCount, lossKind, outputSize, readsTokens } from '../task';
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
  crossEntropySum,
  softmaxCrossEntropyBackward,
  squaredErrorBackward,
  squaredErrorSum,
} from './head';
import {
  joinDirections,
  layerBackward,
  layerForward,
  reverseTime,
  splitDirection,
  type LayerShape,
} from './layerRun';
import type { LayerTrace, LayerWeights } from './layerTypes';

/** Views of the tensors of a parameter (or gradient) arena. */
export interface ModelView {
  embedding: Arr; // (V, E); empty for a forecast
  layers: LayerWeights[]; // forward direction: wx (X, G), wh (H, G), b (G), GRU bhn (H)
  reverse: LayerWeights[]; // D = 2: the reverse direction's, same shapes; else empty
  headW: Arr; // (D·H, O)
  headB: Arr; // (O)
}

export function viewArena(layout: ParamLayout, arena: Arr): ModelView {
  const v = (t: TensorSpec): Arr => arena.subarray(t.offset, t.offset + t.size);
  const layer = (l: ParamLayout['layers'][number]): LayerWeights => ({
    wx: v(l.wx),
    wh: v(l.wh),
    b: v(l.b),
    ...(l.bhn ? { bhn: v(l.bhn) } : {}),
  });
  return {
    embedding: v(layout.embedding),
    layers: layout.layers.map(layer),
    reverse: layout.reverse.map(layer),
    headW: v(layout.headW),
    headB: v(layout.headB),
  };
}

/** (L, B, H) zeros: the forward direction's state (the reverse one always starts from zero). */
export function zeroState(ctor: ArrCtor, m: ModelConfig, B: number): RecurrentState<Arr> {
  const n = m.layers * B * m.hiddenSize;
  return { h: new ctor(n), c: new ctor(n) };
}

/**
 * What a window reads: token ids (T, B) through the embedding, or a
 * forecast's values (T, B, Ci). What it is scored against: class ids (T, B)
 * or target values (T, B, Co).
 */
export type WindowInput = Int32Array | Arr;
export type WindowTargets = Int32Array | Arr;

/** What a batch's window reads, as the model reads it (tokens or values). */
export function batchInput(m: ModelConfig, batch: Batch): WindowInput {
  if (readsTokens(m)) return batch.inputs;
  if (!batch.values) throw new Error('a forecast batch needs values');
  return batch.values;
}

/** What a batch's window is scored against (class ids or target values). */
export function batchTargets(m: ModelConfig, batch: Batch): WindowTargets {
  if (lossKind(m) === 'crossEntropy') return batch.targets;
  if (!batch.targetValues) throw new Error('a forecast batch needs targetValues');
  return batch.targetValues;
}

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
function applyMask(out: Arr, x: Arr, mask: Arr, n: number): void {
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
  return [...Object.values(rest), dh, ...traces.flat(), ...outputs, ...dropped];
}

/** Layer `layer`'s (B, H) slice of a carried (L, B, H) state array. */
function layerSlice(state: Arr, layer: number, B: number, H: number): Arr {
  return slice(state, layer * B * H, (layer + 1) * B * H);
}

/** What layer l reads (site l): x0, the layer below's output, or its dropped copy. */
function layerInput(ws: Workspace, l: number, masks: readonly Arr[] | undefined): Arr {
  if (l === 0) return ws.x0;
  return masks ? ws.dropout().dropped[l - 1] : ws.outputs[l - 1];
}

/** What the head reads: the top layer's output, or its dropped copy (site L). */
function headInput(ws: Workspace, masks: readonly Arr[] | undefined): Arr {
  const L = ws.model.layers;
  return masks ? ws.dropout().dropped[L - 1] : ws.outputs[L - 1];
}

function shapeOf(ws: Workspace, l: number): LayerShape {
  const { model: m, T, B } = ws;
  return { cell: m.cell, T, B, X: layerInputSize(m, l), H: m.hiddenSize };
}

/** Fills x0 (T, B, X0): embedding rows of the tokens, or the values as they are. */
function readInputs(ws: Workspace, w: ModelView, inputs: WindowInput): void {
  const { model: m, T, B } = ws;
  const N = T * B;
  const X0 = layerInputSize(m, 0);
  if (readsTokens(m) !== inputs instanceof Int32Array) {
    throw new Error(readsTokens(m) ? 'this model reads token ids' : 'a forecast reads values');
  }
  if (inputs.length !== N * (readsTokens(m) ? 1 : X0)) {
    throw new Error(
      `window input has ${inputs.length} entries, not T·B${readsTokens(m) ? '' : '·Ci'}`,
    );
  }
  if (!readsTokens(m)) {
    for (let i = 0; i < N * X0; i++) ws.x0[i] = inputs[i];
    return;
  }
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * X0;
    for (let e = 0; e < X0; e++) ws.x0[n * X0 + e] = w.embedding[row + e];
  }
}

/**
 * Forward over a window of T·B positions from `state` (the forward
 * direction's; the reverse one starts from zero); fills the workspace, the
 * head's outputs included. With `masks` (one per site, see windowMasks), dropout.
 */
export function modelForward(
  ws: Workspace,
  w: ModelView,
  inputs: WindowInput,
  state: RecurrentState<Arr>,
  masks?: readonly Arr[],
): void {
  const { model: m, T, B } = ws;
  const { hiddenSize: H, layers: L } = m;
  const D = directionCount(m);
  const O = outputSize(m);
  const N = T * B;
  readInputs(ws, w, inputs);
  if (masks) applyMask(ws.x0, ws.x0, masks[0], N * layerInputSize(m, 0));
  for (let l = 0; l < L; l++) {
    if (masks && l > 0) {
      applyMask(ws.dropout().dropped[l - 1], ws.outputs[l - 1], masks[l], N * D * H);
    }
    const x = layerInput(ws, l, masks);
    const s = shapeOf(ws, l);
    const [h0, c0] = [layerSlice(state.h, l, B, H), layerSlice(state.c, l, B, H)];
    layerForward(s, ws.traces[l], x, h0, c0, w.layers[l], ws.gemm);
    if (D === 2) {
      reverseTime(ws.xRev, x, T, B * s.X);
      const rev = ws.reverseTraces[l];
      layerForward(s, rev, ws.xRev, ws.zeroH, ws.zeroH, w.reverse[l], ws.gemm);
      joinDirections(ws.outputs[l], ws.traces[l].h, rev.h, T, B, H);
    }
  }
  const top = headInput(ws, masks);
  if (masks) applyMask(top, ws.outputs[L - 1], masks[L], N * D * H);
  ws.logits.fill(0, 0, N * O);
  ws.gemm.nn(ws.logits, top, w.headW, N, O, D * H);
  addRowBias(ws.logits, w.headB, N, O);
}

/** How many terms a window's mean loss averages: T·B predictions, or T·B·Co values. */
export function lossTerms(m: ModelConfig, T: number, B: number): number {
  return lossKind(m) === 'meanSquaredError' ? T * B * outputSize(m) : T * B;
}

/** Summed loss (cross-entropy, or squared error) of the head's outputs in the workspace. */
export function windowLossSum(ws: Workspace, targets: WindowTargets): number {
  const { model: m, T, B } = ws;
  if (lossKind(m) === 'meanSquaredError') {
    return squaredErrorSum(ws.logits, targets, T * B * outputSize(m));
  }
  return crossEntropySum(ws.logits, targets as Int32Array, T * B, outputSize(m));
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
  inputs: WindowInput,
  targets: WindowTargets,
  state: RecurrentState<Arr>,
  masks?: readonly Arr[],
): number {
  modelForward(ws, w, inputs, state, masks);
  const { model: m, T, B } = ws;
  const N = T * B;
  const terms = lossTerms(m, T, B);
  const sum =
    lossKind(m) === 'meanSquaredError'
      ? squaredErrorBackward(ws.logits, targets, terms, 1 / terms)
      : softmaxCrossEntropyBackward(ws.logits, targets as Int32Array, N, outputSize(m), 1 / N);
  modelBackward(ws, w, grads, inputs, state, undefined, masks);
  return sum / terms;
}

/** What a backward pass can report of its layers on the way down (the gradient-flow view). */
export interface BackwardTap {
  /**
   * Called after layer `layer`'s BPTT, while `ws.dh` (T, B, H) holds the full
   * gradient w.r.t. each of its outputs h_t (from above and through time).
   * Left-to-right models only.
   */
  layerDone(layer: number): void;
  /** LSTM only: (T, B, H) receiving each step's full cell gradient ∂/∂c_t of the layer being done. */
  dc?: Arr;
}

/**
 * Backpropagation from the gradient of the head's outputs (T, B, O) in
 * `ws.logits` (after modelForward with the same `masks`), through the head,
 * every layer and direction and the embedding; accumulates into `grads`.
 */
export function modelBackward(
  ws: Workspace,
  w: ModelView,
  grads: ModelView,
  inputs: WindowInput,
  state: RecurrentState<Arr>,
  tap?: BackwardTap,
  masks?: readonly Arr[],
): void {
  const { model: m, T, B } = ws;
  const { hiddenSize: H, layers: L } = m;
  const D = directionCount(m);
  if (tap && D === 2) throw new Error('the backward tap follows a left-to-right model only');
  const O = outputSize(m);
  const N = T * B;
  const top = headInput(ws, masks);
  ws.gemm.tn(grads.headW, top, ws.logits, D * H, O, N);
  sumRowsInto(grads.headB, ws.logits, N, O);
  ws.dOut.fill(0, 0, N * D * H);
  ws.gemm.nt(ws.dOut, ws.logits, w.headW, N, D * H, O);
  if (masks) applyMask(ws.dOut, ws.dOut, masks[L], N * D * H);
  const scratch = { dGates: ws.dGates, dGatesH: ws.dGatesH, dc: ws.dc };
  for (let l = L - 1; l >= 0; l--) {
    const s = shapeOf(ws, l);
    const X = s.X;
    const x = layerInput(ws, l, masks);
    const [h0, c0] = [layerSlice(state.h, l, B, H), layerSlice(state.c, l, B, H)];
    // D = 1: dOut is dh already.
    if (D === 2) splitDirection(ws.dh, ws.dOut, T, B, H, false);
    const [g, trace, weights] = [grads.layers[l], ws.traces[l], w.layers[l]];
    layerBackward(s, g, ws.dx, scratch, ws.dh, trace, x, h0, c0, weights, ws.gemm, tap?.dc);
    tap?.layerDone(l);
    if (D === 2) {
      splitDirection(ws.dh, ws.dOut, T, B, H, true);
      reverseTime(ws.xRev, x, T, B * X);
      const [gr, rev, wr] = [grads.reverse[l], ws.reverseTraces[l], w.reverse[l]];
      layerBackward(s, gr, ws.dxRev, scratch, ws.dh, rev, ws.xRev, ws.zeroH, ws.zeroH, wr, ws.gemm);
      // Both directions read the same input: its gradient is the sum of theirs.
      for (let t = 0; t < T; t++) {
        const [at, from] = [t * B * X, (T - 1 - t) * B * X];
        for (let i = 0; i < B * X; i++) ws.dx[at + i] += ws.dxRev[from + i];
      }
    }
    // The input gradient of this layer is the output gradient of the one below
    // (through site l's mask: a dropped unit passed nothing up, gets nothing back).
    if (l > 0) {
      if (masks) applyMask(ws.dOut, ws.dx, masks[l], N * X);
      else ws.dOut.set(slice(ws.dx, 0, N * X));
    }
  }
  if (!readsTokens(m)) return; // a forecast's values have no parameters to train
  const E = layerInputSize(m, 0);
  if (masks) applyMask(ws.dx, ws.dx, masks[0], N * E);
  for (let n = 0; n < N; n++) {
    const row = inputs[n] * E;
    for (let e = 0; e < E; e++) grads.embedding[row + e] += ws.dx[n * E + e];
  }
}

/**
 * Copies the window's final h (and the LSTM's c) of every layer into `state`:
 * the carry into the next window (left-to-right models only: task.ts
 * carriesState). The other cells leave `state.c` at zero.
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
