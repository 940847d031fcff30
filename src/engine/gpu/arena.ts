// Every buffer of the GPU engine for one model configuration, allocated once.
// Activation buffers are sized for the configured window (Tmax, Bmax); any
// smaller window (validation, probe chunks with B = 1) reuses them.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H), G gate columns per unit (cells.ts: LSTM 4,
// GRU 3, RNN 1), P floats in the parameter arena,
// N = T·B positions, Vs = V padded to a multiple of 4 (the head's row stride,
// params.ts).

import { CELLS } from '../cells';
import { layerInputSize, type ModelConfig } from '../config';
import { directionCount, outputSize, readsTokens } from '../task';
import { decayMask, headColumns, paramLayout, type ParamLayout } from '../params';
import type { GpuResources } from './resources';
import { UNIFORM_BINDING_SIZE } from './uniforms';
import type { RecurrentState } from '../state';

/** Workgroups of grad_norm.wgsl, hence partial sums adam.wgsl adds up. */
export const NORM_PARTIALS = 256;
/** Slots of the on-GPU loss log (one per training step, reused as a ring). */
export const LOSS_LOG_SLOTS = 1024;
/** u32 words per loss log slot: [loss bits, grad norm bits, non-finite flag, unused]. */
export const LOSS_LOG_WORDS = 4;

/** What each direction of a layer has of its own. */
export interface DirectionBuffers {
  /**
   * (T, B, G·H) Gx, then activated gates (the RNN's: h itself), then the
   * gradient w.r.t. the input pre-activations in backward (in place); rows in
   * text order for either direction.
   */
  gates: GPUBuffer;
  /**
   * (T + D, B, H) the LSTM's c in the slots of hAll; the GRU's hn_t =
   * h_{t−1}·Whn + bhn in slot t + 1 (what backward needs for dr); unused by
   * the RNN (4 floats).
   */
  cAll: GPUBuffer;
}

/** The forward direction's buffers, the shared h and, bidirectional, the reverse's. */
export interface LayerBuffers extends DirectionBuffers {
  /**
   * (T + D, B, D·H) slot t + 1 = h_t, slot 0 = the carried-in h. A
   * bidirectional layer keeps both directions side by side, [h_fwd | h_rev]
   * (PyTorch's output order), slot T + 1 holding the reverse's zero state in;
   * slots 1..T are the layer's (T, B, D·H) output in text order.
   */
  hAll: GPUBuffer;
  /** Bidirectional: the reverse direction's gates and cAll. */
  reverse?: DirectionBuffers;
}

/** A carried (h, c) on the device, each (L, B, H). */
export type StateBuffers = RecurrentState<GPUBuffer>;

/**
 * The parameter arena as the GPU holds it: the head's vocabulary axis padded
 * to a multiple of 4 so its three products (logits, dW, dH) read aligned vec4s
 * (gemm.ts vec4Eligible) instead of scalars, which costs SwiftShader a quarter
 * of the default step. The backend repacks at upload and readback.
 */
export function deviceParamLayout(m: ModelConfig): ParamLayout {
  return paramLayout(m, 4);
}

/** Float counts of every buffer, to check device limits before allocating. */
export function arenaSizes(m: ModelConfig, layout: ParamLayout, Tmax: number, Bmax: number) {
  const { embedSize: E, hiddenSize: H, layers: L, cell } = m;
  const N = Tmax * Bmax;
  const G = CELLS[cell].gates;
  const forecast = !readsTokens(m);
  const D = directionCount(m);
  return {
    params: layout.total,
    tokens: N,
    /** Forecast only: (T, B, Ci) inputs and (T, B, Co) targets. */
    values: forecast ? N * layerInputSize(m, 0) : 4,
    targetValues: forecast ? N * outputSize(m) : 4,
    /** The embedded inputs, or a forecast's dropped values (site 0). */
    x0: N * (forecast ? layerInputSize(m, 0) : E),
    gates: N * G * H,
    /** Per layer: h of both directions, slots 0..T (+ T + 1, the reverse's state in). */
    states: (Tmax + D) * Bmax * D * H,
    /** Per layer and direction: c (LSTM) or hn (GRU); the RNN keeps none. */
    cellStates: cell === 'rnn' ? 4 : (Tmax + D) * Bmax * H,
    /** The GRU's dGatesH (T, B, 3H), shared by the layers (backward runs them in turn). */
    gatesH: cell === 'gru' ? N * G * H : 4,
    logits: N * headColumns(layout),
    dH: N * D * H,
    /** Per dropout site 1..L: the dropped copy of the layer below's h (N, D·H). */
    dropped: N * D * H,
    /** Bidirectional: the reverse direction's share of a layer's input gradient (N, X). */
    dxReverse: D === 2 ? N * Math.max(E, D * H) : 4,
    dX0: N * E,
    state: L * Bmax * H,
    /** gradientFlow's norms: per layer (Tmax) for h, then per layer for c. */
    flow: 2 * L * Tmax,
  };
}

/** One in-memory copy of the training state (Backend.snapshot), on the device. */
export interface SnapshotBuffers extends StateBuffers {
  params: GPUBuffer; // (P)
  m: GPUBuffer; // (P)
  v: GPUBuffer; // (P)
}

export class GpuArena {
  // Parameter-shaped (P each): see params.ts for the layout.
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly decayMask: GPUBuffer;
  // Inputs of a window.
  readonly inputs: GPUBuffer; // (T, B) i32
  readonly targets: GPUBuffer; // (T, B) i32: tokens (lm) or class ids (tagging)
  readonly values: GPUBuffer; // forecast: (T, B, Ci) inputs; else 4 floats unused
  readonly targetValues: GPUBuffer; // forecast: (T, B, Co) targets; else 4 floats unused
  // Activations and their gradients.
  readonly x0: GPUBuffer; // (T, B, E) embedded inputs (forecast: (T, B, Ci) dropped values)
  readonly layers: LayerBuffers[]; // per layer
  readonly logits: GPUBuffer; // (T, B, Vs), dlogits after the loss kernel; columns ≥ V stay 0
  readonly rowLoss: GPUBuffer; // (T, B) per-position loss
  readonly dH: GPUBuffer; // (T, B, D·H) gradient w.r.t. the current layer's outputs
  readonly dxReverse: GPUBuffer; // bidirectional: (T, B, X) scratch; else 4 floats unused
  readonly dX0: GPUBuffer; // (T, B, E) gradient w.r.t. the embedded inputs
  /**
   * Dropout sites 1..L at [s − 1], each (T, B, H): forward, h_1..h_T of layer
   * s − 1 times site s's mask, what layer s (the head for s = L) reads while
   * hAll keeps the undropped h; backward, once that layer's dW has read it,
   * scratch for the gradient the mask then carries into dH. Site 0 is x0
   * itself, dropped as it is gathered. Allocated whether or not a step
   * drops: the rate is live, and a buffer made mid-run would break the flat
   * object counts.
   */
  readonly dropped: GPUBuffer[];
  readonly dc: GPUBuffer; // (B, H) carried cell gradient in BPTT (GRU: dh·z, the direct path)
  readonly gatesH: GPUBuffer; // GRU: (T, B, 3H) gradient w.r.t. ah = h·Wh; others: 4 floats unused
  // Reductions and logs.
  readonly normPartials: GPUBuffer; // (NORM_PARTIALS)
  readonly lossLog: GPUBuffer; // (LOSS_LOG_SLOTS, 4) u32 [mean loss, grad norm, flag, 0]
  readonly lossAccumulator: GPUBuffer; // (1) summed window losses for evaluate/gradients
  readonly flow: GPUBuffer; // (2, L, T) gradientFlow's per-timestep norms: h, then the LSTM's c
  readonly hyper: GPUBuffer; // uniform: optimizer values of the next step (adamStep.ts)
  readonly dropoutStep: GPUBuffer; // uniform: dropout keys of the next step (dropoutStep.ts)
  /** Binds where a kernel has nothing to read (e.g. a GEMM without bias). */
  readonly placeholder: GPUBuffer;
  // Carried recurrent states: training, and evaluation's own.
  readonly trainState: StateBuffers;
  readonly evalState: StateBuffers;
  /** Two snapshot slots: a newer one is taken while the older is still the known good one. */
  readonly snapshots: SnapshotBuffers[];
  /** (P) The parameters at the best validation so far (early stopping). */
  readonly bestParams: GPUBuffer;

  constructor(
    resources: GpuResources,
    readonly model: ModelConfig,
    readonly layout: ParamLayout,
    readonly maxSeqLen: number,
    readonly maxBatch: number,
  ) {
    const s = arenaSizes(model, layout, maxSeqLen, maxBatch);
    const f = (label: string, floats: number) => resources.storage(label, floats);
    this.params = f('params (P)', s.params);
    this.grads = f('grads (P)', s.params);
    this.m = f('adam.m (P)', s.params);
    this.v = f('adam.v (P)', s.params);
    this.decayMask = f('decayMask (P)', s.params);
    resources.device.queue.writeBuffer(this.decayMask, 0, decayMask(layout));
    this.inputs = f('inputs (T,B) i32', s.tokens);
    this.targets = f('targets (T,B) i32', s.tokens);
    this.values = f('values (T,B,Ci)', s.values);
    this.targetValues = f('targetValues (T,B,Co)', s.targetValues);
    this.x0 = f('x0 (T,B,E)', s.x0);
    this.layers = Array.from({ length: model.layers }, (_, l) => ({
      gates: f(`layer${l}.gates (T,B,G·H)`, s.gates),
      hAll: f(`layer${l}.hAll (T+D,B,D·H)`, s.states),
      cAll: f(`layer${l}.cAll (T+D,B,H)`, s.cellStates),
      ...(directionCount(model) === 2
        ? {
            reverse: {
              gates: f(`layer${l}.reverse.gates (T,B,G·H)`, s.gates),
              cAll: f(`layer${l}.reverse.cAll (T+D,B,H)`, s.cellStates),
            },
          }
        : {}),
    }));
    this.logits = f('logits (T,B,Vs)', s.logits);
    this.rowLoss = f('rowLoss (T,B)', s.tokens);
    this.dH = f('dH (T,B,H)', s.dH);
    this.dX0 = f('dX0 (T,B,E)', s.dX0);
    this.dxReverse = f('dxReverse (T,B,X)', s.dxReverse);
    this.dropped = Array.from({ length: model.layers }, (_, l) =>
      f(`dropped site ${l + 1} (T,B,D·H)`, s.dropped),
    );
    this.dc = f('dc (B,H)', maxBatch * model.hiddenSize);
    this.gatesH = f('gatesH (T,B,3H)', s.gatesH);
    this.normPartials = f('normPartials (256)', NORM_PARTIALS);
    this.lossLog = f('lossLog (R,4) u32', LOSS_LOG_SLOTS * LOSS_LOG_WORDS);
    this.lossAccumulator = f('lossAccumulator (1)', 1);
    this.flow = f('flow (2,L,T)', s.flow);
    this.hyper = resources.buffer(
      'adam.hyper (uniform)',
      UNIFORM_BINDING_SIZE,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.dropoutStep = resources.buffer(
      'dropout step (uniform)',
      UNIFORM_BINDING_SIZE,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.placeholder = f('placeholder (4)', 4);
    this.trainState = {
      h: f('trainState.h (L,B,H)', s.state),
      c: f('trainState.c (L,B,H)', s.state),
    };
    this.evalState = {
      h: f('evalState.h (L,B,H)', s.state),
      c: f('evalState.c (L,B,H)', s.state),
    };
    this.snapshots = [0, 1].map((k) => ({
      params: f(`snapshot${k}.params (P)`, s.params),
      m: f(`snapshot${k}.m (P)`, s.params),
      v: f(`snapshot${k}.v (P)`, s.params),
      h: f(`snapshot${k}.h (L,B,H)`, s.state),
      c: f(`snapshot${k}.c (L,B,H)`, s.state),
    }));
    this.bestParams = f('bestParams (P)', s.params);
  }
}
