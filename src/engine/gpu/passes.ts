// The model's passes as sequences of dispatches recorded into a Program:
// forward, loss, backward (BPTT) and the optimizer. Per training step that is
//   forward  1 (embedding) + L·(1 GEMM + R) + 1 (head GEMM)
//   loss     1 (softmax + cross-entropy + gradient)
//   backward 2 (head dW with db, dH) + L·(R + 3 GEMMs + Z) + 1 (embedding)
//   update   2 (norm partials, clip + Adam)
// where R, the recurrence of one layer in one direction, is T dispatches of
// the step kernel or 1 of the persistent kernel (plan.ts), and Z is the GRU's
// dbhn reduction (gru_bhn_grad.wgsl: 1; 0 for the other cells):
// L·(2T + 4 + Z) + 8 dispatches with step kernels, L·(6 + Z) + 8 with
// persistent ones (LSTM and RNN L·6 + 8, GRU L·7 + 8).
// A step that drops (dropout.ts sites 0..L) adds one dropout_apply per site
// 1..L in each direction, site 0 riding in the embedding kernels: 2L more,
// L·(2T + 6 + Z) + 8 and L·(8 + Z) + 8 (LSTM and RNN L·8 + 8, GRU L·9 + 8).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H), G gate columns per unit (cells.ts: LSTM
// 4, GRU 3, RNN 1); N = T·B positions, time-major; Vs = V padded to a
// multiple of 4, the head's row stride (params.ts).

import { CELLS, type CellType } from '../cells';
import { headInputSize, layerInputSize, type DropoutMode, type ModelConfig } from '../config';
import { directionCount, lossKind, outputSize, readsTokens } from '../task';
import { headColumns, type LayerViews, type ParamLayout } from '../params';
import {
  NORM_PARTIALS,
  type DirectionBuffers,
  type GpuArena,
  type LayerBuffers,
  type StateBuffers,
} from './arena';
import { gemmDispatch, type GemmArgs, type MatrixView } from './gemm';
import type { KernelLibrary } from './kernels';
import type { KernelName } from './kernels';
import {
  persistentWorkgroupSize,
  type Direction,
  type KernelPlan,
  type RecurrentMode,
} from './plan';
import { grid, rowsGrid, type DispatchSpec, type Recorder } from './program';

export interface PassContext {
  kernels: KernelLibrary;
  arena: GpuArena;
  model: ModelConfig;
  layout: ParamLayout;
  /** Which GEMM configuration and recurrent kernels to record (plan.ts). */
  plan: KernelPlan;
}

/** A GEMM dispatch in the configuration the plan picks for its shape. */
export function gemm(ctx: PassContext, args: GemmArgs): DispatchSpec {
  return gemmDispatch(args, ctx.plan.gemm(args));
}

export interface WindowShape {
  T: number;
  B: number;
}

const STEP_UNITS = 64; // units per workgroup of the step kernels
const STEP_ROWS = 4; // streams per workgroup of the step kernels
const ADAM_WORKGROUPS = 256; // grid-stride beyond: each workgroup re-reduces the norm partials

/**
 * Where a forward pass reads and writes: the arena's window (windowTarget) or
 * the sampler's own buffers (B = 1, one position at a time). Each layer's
 * hAll and cAll are a ring of S slots of (B, D·H) and (B, H): step t reads slot
 * (start + t) mod S and writes the next, and the T slots written must not
 * wrap (the layer above and the head read them as one (N, D·H) matrix). A
 * bidirectional window (arena only) has S = T + 2: the reverse direction reads
 * its zero state from slot T + 1 and writes h_t into slot t + 1 like the forward.
 */
export interface ForwardTarget {
  /** (N) i32 input tokens, from tokenOffset. */
  tokens: GPUBuffer;
  tokenOffset: number;
  /** (N, E) embedded inputs. */
  x0: GPUBuffer;
  /** Per layer: gates (N, 4H); hAll, cAll (S, B, H). */
  layers: readonly LayerBuffers[];
  /** (N, Vs) head output, or null to stop after the last layer. */
  logits: GPUBuffer | null;
  /** Ring slot of the state in, and S. */
  start: number;
  slots: number;
  recurrence: RecurrentMode;
  /** Dropout masks to draw (training windows of the arena only), or none. */
  dropout?: DropoutMode | null;
}

/** The training window of the arena: slot 0 holds the state in, slot t + 1 step t's. */
export function windowTarget(
  ctx: PassContext,
  T: number,
  dropout: DropoutMode | null = null,
): ForwardTarget {
  const { arena } = ctx;
  return {
    tokens: arena.inputs,
    tokenOffset: 0,
    x0: arena.x0,
    layers: arena.layers,
    logits: arena.logits,
    start: 0,
    slots: T + directionCount(ctx.model),
    recurrence: ctx.plan.recurrent.forward,
    dropout,
  };
}

/** Slot of the ring that step 0 writes (steps 1..T−1 follow it). */
function firstOutputSlot(target: ForwardTarget): number {
  return (target.start + 1) % target.slots;
}

/**
 * The input of layer l as a (N, X) matrix: x0, or h_1..h_T of the layer below
 * (l = L: the head's), or its dropped copy when the target drops (x0 is
 * dropped in place as it is gathered).
 */
function layerInput(ctx: PassContext, l: number, B: number, target: ForwardTarget): MatrixView {
  const { model } = ctx;
  if (l === 0) {
    if (readsTokens(model)) return { buffer: target.x0, offset: 0, ld: model.embedSize };
    // A forecast's layer 0 reads the Ci values (site 0 drops them into x0).
    const buffer = target.dropout ? target.x0 : ctx.arena.values;
    return { buffer, offset: 0, ld: layerInputSize(model, 0) };
  }
  const DH = headInputSize(model);
  if (target.dropout) return { buffer: ctx.arena.dropped[l - 1], offset: 0, ld: DH };
  return { buffer: target.layers[l - 1].hAll, offset: firstOutputSlot(target) * B * DH, ld: DH };
}

/** The directions of every layer: 0 (forward), and 1 (reverse) in a bidirectional model. */
export function directionsOf(model: ModelConfig): number[] {
  return directionCount(model) === 2 ? [0, 1] : [0];
}

/** Layer l's weights of direction d (params.ts: layout.reverse holds the reverse's). */
function weightsOf(ctx: PassContext, l: number, d: number): LayerViews {
  return d === 0 ? ctx.layout.layers[l] : ctx.layout.reverse[l];
}

/** Direction d's own buffers of a layer (gates, cAll); hAll is shared, half each. */
export function directionBuffers(layer: LayerBuffers, d: number): DirectionBuffers {
  if (d === 0) return layer;
  if (!layer.reverse) throw new Error('this layer has no reverse direction');
  return layer.reverse;
}

/** Where direction d's h sits in hAll and dH (recurrent_columns.wgsl): row stride D·H, column d·H. */
function hColumns(model: ModelConfig, d: number): { hLd: number; hCol: number } {
  return { hLd: headInputSize(model), hCol: d * model.hiddenSize };
}

/** X of dropout site s: the input of layer s (E, Ci or D·H), or the head's (D·H) for s = L. */
function siteWidth(model: ModelConfig, site: number): number {
  return site < model.layers ? layerInputSize(model, site) : headInputSize(model);
}

/** Dropout's Params fields every dropping kernel shares (dropout.wgsl). */
function dropoutUniforms(B: number, mode: DropoutMode): Record<string, number> {
  return { B, variational: mode === 'variational' ? 1 : 0 };
}

/**
 * dst (N, H) = src (N, H) · the mask of dropout site `site` (1..L), drawn for
 * the step in arena.dropoutStep: a layer's dropped input forward, the
 * gradient reaching the site backward.
 */
function recordDropSite(
  rec: Recorder,
  ctx: PassContext,
  site: number,
  { T, B }: WindowShape,
  mode: DropoutMode,
  src: MatrixView,
  dst: MatrixView,
): void {
  const X = siteWidth(ctx.model, site);
  const count = T * B * X;
  rec.dispatch({
    kernel: 'dropout_apply',
    uniforms: {
      count,
      X,
      srcOffset: src.offset,
      dstOffset: dst.offset,
      site,
      ...dropoutUniforms(B, mode),
    },
    buffers: [src.buffer, dst.buffer, ctx.arena.dropoutStep],
    workgroups: grid(Math.ceil(count / 64)),
  });
}

/** Loads a carried (L, B, H) state into slot 0 of every layer's h and c. */
export function recordStateIn(
  rec: Recorder,
  ctx: PassContext,
  state: StateBuffers,
  B: number,
): void {
  const bytes = B * ctx.model.hiddenSize * 4;
  const carriesCell = CELLS[ctx.model.cell].carriesCell;
  ctx.arena.layers.forEach((layer, l) => {
    rec.copy(state.h, l * bytes, layer.hAll, 0, bytes);
    // The GRU's cAll holds hn and the RNN has none: their carried c stays zero.
    if (carriesCell) rec.copy(state.c, l * bytes, layer.cAll, 0, bytes);
  });
}

/** Zero state in: clears slot 0 of every layer's h and c (models that carry no state). */
export function recordZeroState(rec: Recorder, ctx: PassContext, { T, B }: WindowShape): void {
  const { model } = ctx;
  const bytes = B * model.hiddenSize * 4;
  const carriesCell = CELLS[model.cell].carriesCell;
  const D = directionCount(model);
  ctx.arena.layers.forEach((layer) => {
    // Slot 0 (both halves: the reverse's is unused) and, bidirectional, slot T + 1.
    rec.clear(layer.hAll, 0, D * bytes);
    if (D === 2) rec.clear(layer.hAll, (T + 1) * D * bytes, D * bytes);
    if (carriesCell) rec.clear(layer.cAll, 0, bytes);
    if (carriesCell && layer.reverse) rec.clear(layer.reverse.cAll, (T + 1) * bytes, bytes);
  });
}

/** Stores slot T (the window's last step) of every layer into a carried state. */
export function recordStateOut(
  rec: Recorder,
  ctx: PassContext,
  state: StateBuffers,
  shape: WindowShape,
): void {
  const bytes = shape.B * ctx.model.hiddenSize * 4;
  const carriesCell = CELLS[ctx.model.cell].carriesCell;
  ctx.arena.layers.forEach((layer, l) => {
    rec.copy(layer.hAll, shape.T * bytes, state.h, l * bytes, bytes);
    if (carriesCell) rec.copy(layer.cAll, shape.T * bytes, state.c, l * bytes, bytes);
  });
}

/** The recurrent kernels of each cell: per timestep and persistent, each direction. */
export const RECURRENT_KERNELS = {
  lstm: {
    forward: { step: 'lstm_step_forward', persistent: 'lstm_seq_forward' },
    backward: { step: 'lstm_step_backward', persistent: 'lstm_seq_backward' },
  },
  gru: {
    forward: { step: 'gru_step_forward', persistent: 'gru_seq_forward' },
    backward: { step: 'gru_step_backward', persistent: 'gru_seq_backward' },
  },
  rnn: {
    forward: { step: 'rnn_step_forward', persistent: 'rnn_seq_forward' },
    backward: { step: 'rnn_step_backward', persistent: 'rnn_seq_backward' },
  },
} as const satisfies Record<CellType, Record<Direction, Record<RecurrentMode, KernelName>>>;

/**
 * Where layer l's Wh (and the GRU's bhn) sit, in the units its kernels read:
 * the LSTM's in vec4s (rows of 4H), the GRU's and RNN's in floats (rows of 3H
 * or H are not vec4-aligned).
 */
function recurrentWeights(
  ctx: PassContext,
  l: number,
  direction: Direction,
  d: number,
): Record<string, number> {
  const w = weightsOf(ctx, l, d);
  if (ctx.model.cell === 'lstm') return { whOffset4: w.wh.offset / 4 };
  // Only the GRU's forward reads bhn (backward's dbhn is gru_bhn_grad's).
  if (ctx.model.cell === 'gru' && direction === 'forward') {
    return { whOffset: w.wh.offset, bhnOffset: w.bhn!.offset };
  }
  return { whOffset: w.wh.offset };
}

/**
 * The recurrence of layer l forward over the window: gates (T, B, G·H) from
 * Gx to activated gates, hAll (and the LSTM's c / the GRU's hn in cAll) slots
 * 1..T from slot 0 (of the ring of `target`, the arena's window unless
 * given). 'step' is one dispatch per timestep (4 streams per workgroup);
 * 'persistent' is one dispatch in which each workgroup walks all T steps for
 * 4 streams.
 */
export function recordRecurrenceForward(
  rec: Recorder,
  ctx: PassContext,
  l: number,
  { T, B }: WindowShape,
  mode: RecurrentMode,
  target: ForwardTarget = windowTarget(ctx, T),
  /** 0 forward; 1 the reverse direction, over reversed time by index mapping. */
  d = 0,
): void {
  const { model } = ctx;
  const { cell, hiddenSize: H } = model;
  const layer = target.layers[l];
  const own = directionBuffers(layer, d);
  const kernels = RECURRENT_KERNELS[cell].forward;
  const weights = { ...recurrentWeights(ctx, l, 'forward', d), ...hColumns(model, d) };
  const buffers =
    cell === 'rnn'
      ? [ctx.arena.params, own.gates, layer.hAll]
      : [ctx.arena.params, own.gates, layer.hAll, own.cAll];
  const window = target.start === 0 && target.slots === T + directionCount(model);
  if (d === 1 && !window) throw new Error('the reverse direction runs on the arena window only');
  if (mode === 'persistent') {
    // The persistent kernel reads slot 0 (reverse: T + 1) and writes slots 1..T: windows only.
    if (!window) {
      throw new Error('the persistent kernel needs a window ring (slot 0 in, slots 1..T out)');
    }
    rec.dispatch({
      kernel: kernels.persistent,
      constants: persistentConstants(ctx, H, 'forward'),
      uniforms: { B, H, T, reverse: d, ...weights },
      buffers,
      workgroups: [Math.ceil(B / STEP_ROWS)],
    });
    return;
  }
  for (let s = 0; s < T; s++) {
    // Step s reads time T − 1 − s in reverse; its state in is slot t + 2 (recurrent_time.wgsl).
    const row = d === 1 ? T - 1 - s : s;
    const prevSlot = d === 1 ? row + 2 : (target.start + s) % target.slots;
    const nextSlot = d === 1 ? row + 1 : (prevSlot + 1) % target.slots;
    rec.dispatch({
      kernel: kernels.step,
      uniforms: { B, H, row, prevSlot, nextSlot, ...weights },
      buffers,
      workgroups: [Math.ceil(H / STEP_UNITS), Math.ceil(B / STEP_ROWS)],
    });
  }
}

/**
 * BPTT through layer l's recurrence: gates (T, B, G·H) from activated gates
 * to the gradient w.r.t. the input pre-activations, reading dH (T, B, H) and
 * the layer's states; dc (B, H) is scratch (LSTM: the carried cell gradient,
 * GRU: the direct path dh·z). The GRU also writes dGatesH (gatesH). Modes as above.
 */
export function recordRecurrenceBackward(
  rec: Recorder,
  ctx: PassContext,
  l: number,
  { T, B }: WindowShape,
  mode: RecurrentMode,
  /** 0 forward; 1 the reverse direction, whose BPTT walks original time forwards. */
  d = 0,
): void {
  const { arena, model } = ctx;
  const { cell, hiddenSize: H } = model;
  const layer = arena.layers[l];
  const own = directionBuffers(layer, d);
  const kernels = RECURRENT_KERNELS[cell].backward;
  const weights = { ...recurrentWeights(ctx, l, 'backward', d), ...hColumns(model, d) };
  const buffers = {
    lstm: [arena.params, own.gates, own.cAll, arena.dH, arena.dc],
    gru: [arena.params, own.gates, layer.hAll, own.cAll, arena.dH, arena.dc, arena.gatesH],
    rnn: [arena.params, own.gates, arena.dH],
  }[cell];
  if (mode === 'persistent') {
    rec.dispatch({
      kernel: kernels.persistent,
      constants: persistentConstants(ctx, H, 'backward'),
      uniforms: { B, H, T, reverse: d, ...weights },
      buffers,
      workgroups: [Math.ceil(B / STEP_ROWS)],
    });
    return;
  }
  const timeOf = (s: number) => (d === 1 ? T - 1 - s : s);
  for (let s = T - 1; s >= 0; s--) {
    const row = timeOf(s);
    rec.dispatch({
      kernel: kernels.step,
      uniforms: {
        B,
        H,
        row,
        // The step processed just before (s + 1), whose gate gradient feeds this one.
        nextRow: s < T - 1 ? timeOf(s + 1) : 0,
        slot: row + 1,
        prevSlot: d === 1 ? row + 2 : row,
        last: s === T - 1 ? 1 : 0,
        ...weights,
      },
      buffers,
      workgroups: [Math.ceil(H / STEP_UNITS), Math.ceil(B / STEP_ROWS)],
    });
  }
}

function persistentConstants(
  ctx: PassContext,
  H: number,
  direction: Direction,
): Record<string, number> {
  const limit = ctx.kernels.device.limits.maxComputeInvocationsPerWorkgroup;
  return { WG: persistentWorkgroupSize(H, direction, limit, ctx.model.cell), HMAX: H };
}

/**
 * Embedding → L layers → head logits (N, Vs), from the state in the ring's
 * start slot (the arena's window unless `target` says otherwise; the sampler
 * records one position at a time through here). The head runs over all Vs
 * padded columns (zero weights and bias: zero logits), so its operands stay
 * vec4-aligned; the loss skips the padding.
 */
export function recordForward(
  rec: Recorder,
  ctx: PassContext,
  { T, B }: WindowShape,
  target: ForwardTarget = windowTarget(ctx, T),
): void {
  const { arena, model, layout } = ctx;
  const { embedSize: E, hiddenSize: H } = model;
  const Os = headColumns(layout);
  const N = T * B;
  if (firstOutputSlot(target) + T > target.slots) {
    throw new Error(`a window of ${T} steps wraps around a ring of ${target.slots} slots`);
  }
  const drop = target.dropout ?? null;
  if (drop && target.x0 !== arena.x0) {
    throw new Error("dropout draws into the arena's dropped copies: training windows only");
  }
  const embedding = {
    N,
    E,
    tokenOffset: target.tokenOffset,
    embOffset: layout.embedding.offset,
    outOffset: 0,
  };
  const buffers = [arena.params, target.tokens, target.x0];
  const workgroups = rowsGrid(Math.ceil(E / 64), N);
  if (!readsTokens(model)) {
    // A forecast has no embedding; dropping, site 0 is the Ci values into x0.
    if (drop) {
      recordDropSite(
        rec,
        ctx,
        0,
        { T, B },
        drop,
        layerInput(ctx, 0, B, { ...target, dropout: null }),
        layerInput(ctx, 0, B, target),
      );
    }
  } else
    rec.dispatch(
      drop
        ? {
            // Site 0: x0 is dropped as it is gathered.
            kernel: 'embedding_forward_dropout',
            uniforms: { ...embedding, ...dropoutUniforms(B, drop) },
            buffers: [...buffers, arena.dropoutStep],
            workgroups,
          }
        : { kernel: 'embedding_forward', uniforms: embedding, buffers, workgroups },
    );
  const G = CELLS[model.cell].gates * H;
  // Sites 1..L: h_1..h_T of layer s − 1 into its dropped copy; hAll keeps the undropped h.
  const dropSite = (site: number, mode: DropoutMode) =>
    recordDropSite(
      rec,
      ctx,
      site,
      { T, B },
      mode,
      layerInput(ctx, site, B, { ...target, dropout: null }),
      layerInput(ctx, site, B, target),
    );
  for (let l = 0; l < model.layers; l++) {
    if (drop && l > 0) dropSite(l, drop);
    for (const d of directionsOf(model)) {
      const w = weightsOf(ctx, l, d);
      // Gx (N, G) = x·Wx + b: the input part of every position's gates at once (both
      // directions read the same x in text order; the reverse maps time in its kernel).
      rec.dispatch(
        gemm(ctx, {
          M: N,
          N: G,
          K: layerInputSize(model, l),
          a: layerInput(ctx, l, B, target),
          b: { buffer: arena.params, offset: w.wx.offset, ld: G },
          c: { buffer: directionBuffers(target.layers[l], d).gates, offset: 0, ld: G },
          bias: { buffer: arena.params, offset: w.b.offset },
          placeholder: arena.placeholder,
        }),
      );
      recordRecurrenceForward(rec, ctx, l, { T, B }, target.recurrence, target, d);
    }
  }
  if (!target.logits) return;
  if (drop) dropSite(model.layers, drop);
  rec.dispatch(
    gemm(ctx, {
      M: N,
      N: Os,
      K: headInputSize(model),
      a: layerInput(ctx, model.layers, B, target),
      b: { buffer: arena.params, offset: layout.headW.offset, ld: Os },
      c: { buffer: target.logits, offset: 0, ld: Os },
      bias: { buffer: arena.params, offset: layout.headB.offset },
      placeholder: arena.placeholder,
    }),
  );
}

/**
 * Per-position loss into rowLoss and the mean-loss gradient into logits (in
 * place, the V real columns of each Vs-wide row; the padding stays zero).
 * `scale` multiplies the gradient: 1/N (the mean), or 1 for gradientFlow's per-stream losses.
 */
export function recordLoss(
  rec: Recorder,
  ctx: PassContext,
  { T, B }: WindowShape,
  scale = 1 / (T * B),
): void {
  const N = T * B;
  const { arena, model } = ctx;
  const ld = headColumns(ctx.layout);
  const O = outputSize(model);
  const workgroups = grid(Math.ceil(N / 64));
  if (lossKind(model) === 'meanSquaredError') {
    rec.dispatch({
      kernel: 'mean_squared_error',
      uniforms: { N, Co: O, ld, scale },
      buffers: [arena.logits, arena.targetValues, arena.rowLoss],
      workgroups,
    });
    return;
  }
  rec.dispatch({
    kernel: 'softmax_cross_entropy',
    uniforms: { N, V: O, ld, targetOffset: 0, scale },
    buffers: [arena.logits, arena.targets, arena.rowLoss],
    workgroups,
  });
}

/** Adds Σ rowLoss (N) to lossAccumulator. */
export function recordLossSum(rec: Recorder, ctx: PassContext, N: number): void {
  rec.dispatch({
    kernel: 'loss_sum',
    uniforms: { rows: N },
    buffers: [ctx.arena.rowLoss, ctx.arena.lossAccumulator],
    workgroups: [1],
  });
}

/**
 * BPTT through the window into the gradient arena. Every gradient tensor is
 * written exactly once (no accumulation), so the arena needs no clearing.
 */
export function recordBackward(
  rec: Recorder,
  ctx: PassContext,
  { T, B }: WindowShape,
  /** Records after each layer's recurrence (top layer first): gradientFlow's norms. */
  afterRecurrence?: (l: number) => void,
  /** The forward pass dropped (same step, same masks): so does the way back. */
  dropout: DropoutMode | null = null,
): void {
  const { arena, model, layout } = ctx;
  const { embedSize: E, hiddenSize: H, vocabSize: V, layers: L } = model;
  const Os = headColumns(layout);
  const DH = headInputSize(model);
  const N = T * B;
  const window = windowTarget(ctx, T, dropout);
  // The gradient w.r.t. the input of site s ≥ 1 goes into dH: with dropout, through
  // the site's dropped copy (free once its dW product has read it), then its mask.
  const dHTarget = (site: number): MatrixView =>
    dropout
      ? { buffer: arena.dropped[site - 1], offset: 0, ld: DH }
      : { buffer: arena.dH, offset: 0, ld: DH };
  const maskIntoDH = (site: number) => {
    if (!dropout) return;
    recordDropSite(rec, ctx, site, { T, B }, dropout, dHTarget(site), {
      buffer: arena.dH,
      offset: 0,
      ld: DH,
    });
  };
  const top = layerInput(ctx, L, B, window);
  const dLogits = { buffer: arena.logits, offset: 0, ld: Os };
  const placeholder = arena.placeholder;
  // Head, over the Os padded columns (dlogits and Wout are zero there, so the
  // padding's gradients are written as zeros and dH gains nothing from it):
  // dWout (D·H, Os) = hᵀ · dlogits with dbout = Σ dlogits; dH (N, D·H) = dlogits · Woutᵀ.
  rec.dispatch(
    gemm(ctx, {
      M: DH,
      N: Os,
      K: N,
      transA: true,
      a: top,
      b: dLogits,
      c: { buffer: arena.grads, offset: layout.headW.offset, ld: Os },
      columnSumsOffset: layout.headB.offset,
      placeholder,
    }),
  );
  rec.dispatch(
    gemm(ctx, {
      M: N,
      N: DH,
      K: Os,
      transB: true,
      a: dLogits,
      b: { buffer: arena.params, offset: layout.headW.offset, ld: Os },
      c: dHTarget(L),
      placeholder,
    }),
  );
  maskIntoDH(L);
  const G = CELLS[model.cell].gates * H;
  for (let l = L - 1; l >= 0; l--) {
    const layer = arena.layers[l];
    const X = layerInputSize(model, l);
    // Every direction's BPTT and weight gradients first: with dropout the dx products below
    // overwrite the site's dropped copy, which each direction's dWx reads.
    for (const d of directionsOf(model)) {
      const w = weightsOf(ctx, l, d);
      recordRecurrenceBackward(rec, ctx, l, { T, B }, ctx.plan.recurrent.backward, d);
      // dH now holds the layer's whole dh_t (and the LSTM's cAll slot t + 1 its dc_t), until
      // the dX product below overwrites dH with the layer below's.
      afterRecurrence?.(l);
      // The gradient w.r.t. the input pre-activations; the GRU's w.r.t. ah = h·Wh differs in n.
      const dz = { buffer: directionBuffers(layer, d).gates, offset: 0, ld: G };
      const dzH = model.cell === 'gru' ? { buffer: arena.gatesH, offset: 0, ld: G } : dz;
      // dWx (X, G) = xᵀ · dz with db = Σ dz; dWh (H, G) = h_{t−1}ᵀ · dzH: slots 0..T−1 of
      // the forward half, slots 2..T + 1 of the reverse half (its h before reading x_t).
      rec.dispatch(
        gemm(ctx, {
          M: X,
          N: G,
          K: N,
          transA: true,
          a: layerInput(ctx, l, B, window),
          b: dz,
          c: { buffer: arena.grads, offset: w.wx.offset, ld: G },
          columnSumsOffset: w.b.offset,
          placeholder,
        }),
      );
      rec.dispatch(
        gemm(ctx, {
          M: H,
          N: G,
          K: N,
          transA: true,
          a: { buffer: layer.hAll, offset: d === 1 ? 2 * B * DH + H : 0, ld: DH },
          b: dzH,
          c: { buffer: arena.grads, offset: w.wh.offset, ld: G },
          placeholder,
        }),
      );
      if (w.bhn) {
        // dbhn = Σ (dn·r), dzH's n column: strided, so no GEMM column sum gives it.
        rec.dispatch({
          kernel: 'gru_bhn_grad',
          uniforms: { N, H, gradOffset: w.bhn.offset },
          buffers: [arena.gatesH, arena.grads],
          workgroups: [Math.ceil(H / 64)],
        });
      }
    }
    // A forecast's layer 0 reads the values: nothing below it learns.
    if (l === 0 && !readsTokens(model)) break;
    // dx (N, X) = Σ_d dz_d · Wx_dᵀ: the output gradient of the layer below, or of the
    // embedding. Every GEMM overwrites its output, so the reverse's goes through dxReverse.
    const dx = l > 0 ? dHTarget(l) : { buffer: arena.dX0, offset: 0, ld: E };
    for (const d of directionsOf(model)) {
      const into = d === 0 ? dx : { buffer: arena.dxReverse, offset: 0, ld: X };
      rec.dispatch(
        gemm(ctx, {
          M: N,
          N: X,
          K: G,
          transB: true,
          a: { buffer: directionBuffers(layer, d).gates, offset: 0, ld: G },
          b: { buffer: arena.params, offset: weightsOf(ctx, l, d).wx.offset, ld: G },
          c: into,
          placeholder,
        }),
      );
    }
    if (directionCount(model) === 2) {
      const count = N * X;
      rec.dispatch({
        kernel: 'add_into',
        uniforms: { count, srcOffset: 0, dstOffset: 0 },
        buffers: [arena.dxReverse, dx.buffer],
        workgroups: grid(Math.ceil(count / 64)),
      });
    }
    if (l > 0) maskIntoDH(l);
  }
  if (!readsTokens(model)) return;
  // Site 0's mask is applied to dX0 as the embedding kernel sums it.
  const embedding = { N, E, V, tokenOffset: 0, gradOffset: layout.embedding.offset };
  const buffers = [arena.inputs, arena.dX0, arena.grads];
  rec.dispatch(
    dropout
      ? {
          kernel: 'embedding_backward_dropout',
          uniforms: { ...embedding, ...dropoutUniforms(B, dropout) },
          buffers: [...buffers, arena.dropoutStep],
          workgroups: grid(V),
        }
      : { kernel: 'embedding_backward', uniforms: embedding, buffers, workgroups: grid(V) },
  );
}

/** Global norm (two stages) with clipping and Adam/AdamW; logs loss and norm. */
export function recordOptimizer(rec: Recorder, ctx: PassContext, N: number): void {
  const { arena, layout } = ctx;
  // The arena is a multiple of ALIGN = 64 floats, so both kernels read vec4s.
  const count4 = layout.total / 4;
  const partials = Math.min(NORM_PARTIALS, Math.ceil(count4 / 64));
  rec.dispatch({
    kernel: 'grad_norm',
    uniforms: { count4 },
    buffers: [arena.grads, arena.normPartials],
    workgroups: [partials],
  });
  rec.dispatch({
    kernel: 'adam',
    uniforms: { count4, partialCount: partials, lossRows: N },
    buffers: [
      arena.hyper,
      arena.params,
      arena.grads,
      arena.m,
      arena.v,
      arena.decayMask,
      arena.normPartials,
      arena.rowLoss,
      arena.lossLog,
    ],
    workgroups: [Math.min(ADAM_WORKGROUPS, Math.ceil(count4 / 64))],
  });
}
