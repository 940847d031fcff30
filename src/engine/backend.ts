// The Backend interface: what a training engine offers, whatever it runs on.
// The CPU reference (src/engine/cpu) and the WebGPU engine (src/engine/gpu)
// both implement it; tests hold the second to the first.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, D directions, O head outputs (task.ts outputSize), Ci and Co a
// forecast's values read and predicted per timestep. Arrays in a Batch are
// TIME-MAJOR: element [t·B + b] is stream b at timestep t (times Ci or Co for
// values), so one timestep of all streams is contiguous.

import type { SignalKey } from './cells';
import type { ModelConfig, OptimizerConfig } from './config';
import type { DropoutSpec } from './dropout';
import type { AdamMoments, RecurrentState } from './state';

export interface Batch {
  /** (T, B) input token ids, time-major; empty for a forecast (it reads `values`). */
  inputs: Int32Array;
  /**
   * (T, B) target classes, time-major: the next character (lm) or the label
   * of each character (tagging); empty for a forecast (`targetValues`).
   */
  targets: Int32Array;
  /** Forecast only: (T, B, Ci) normalised input values. */
  values?: Float32Array;
  /** Forecast only: (T, B, Co) normalised targets (the target columns one step ahead). */
  targetValues?: Float32Array;
  /** T of this batch. */
  seqLen: number;
  /** B of this batch (≤ the backend's configured batch size). */
  batchSize: number;
}

export interface StepLoss {
  /** 1-based optimizer step the loss belongs to. */
  step: number;
  /**
   * The window's mean loss (task.ts lossKind): cross-entropy over its T·B
   * predictions in nats, or squared error over its T·B·Co values.
   */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /**
   * Whether every parameter was finite after this step's update (the
   * optimizer checks the values it writes). A step whose gradient norm is
   * not finite skips the update, so only an already broken model, or one
   * whose moments overflowed, reports false.
   */
  weightsFinite: boolean;
}

export interface SampleOptions {
  /** Token ids fed before generation starts (at least one). */
  prime: Int32Array;
  /** Softmax temperature; > 0. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Seed of the sampler's own random stream. */
  seed: number;
}

/** A generation in progress: its (h, c) lives in the backend, apart from training's. */
export interface Sampler {
  /** Generates the next `count` tokens. */
  next(count: number): Promise<Int32Array>;
  dispose(): void;
}

/**
 * What the probe records of one layer, each (T, H) for the probe text: the
 * signals its cell has (cells.ts CELLS[cell].signals; the LSTM's i, f, g, o,
 * c, h, the GRU's r, z, n, h, the RNN's h), activated.
 */
export type LayerActivations = Partial<Record<SignalKey, Float32Array>>;

export interface ProbeResult {
  /** T: length of the probe text in tokens (or of the series stretch in timesteps). */
  length: number;
  /** One entry per layer, bottom first: the forward direction. */
  layers: LayerActivations[];
  /**
   * Bidirectional models only: the reverse direction of each layer, bottom
   * first, in text order (row t is the reverse direction's state AT position
   * t, having read t … T−1).
   */
  reverse?: LayerActivations[];
  /** (T, O) the head's outputs at each position: logits (lm, tagging) or values (forecast). */
  logits: Float32Array;
}

/**
 * What a probe reads: token ids (P), or a forecast's normalised values
 * (P, Ci) row by row.
 */
export type ProbeInput = Int32Array | Float32Array;

/**
 * How far the gradient of one position's loss reaches back through a window:
 * the vanishing-gradient view. Computed from zero state over one batch, with
 * no optimizer step and the training state untouched. ℓ_b is stream b's
 * cross-entropy at the window's LAST position (t = T − 1) only.
 */
export interface GradientFlow {
  /** Per layer, bottom first, each (T): entry k = mean over streams b of ‖∂ℓ_b/∂h_{T−1−k}[b, :]‖. */
  h: Float32Array[];
  /** The LSTM's cell state, the same way (per layer, (T)); null for cells without one. */
  c: Float32Array[] | null;
  /**
   * (L + 2): ‖∂L/∂θ‖ per parameter group (embedding, layer 0 … L−1 with all
   * its tensors, head) of the window's MEAN loss over all T·B positions,
   * the training loss, on the same batch.
   */
  groupNorms: Float32Array;
}

export interface BackendInfo {
  kind: 'cpu' | 'webgpu';
  /** Human-readable device: the adapter's vendor/architecture/description, or "CPU". */
  device: string;
}

export interface Backend {
  readonly info: BackendInfo;
  readonly model: ModelConfig;
  /** Optimizer steps taken so far. */
  readonly step: number;

  /**
   * Queues one training step on a window: forward, loss, BPTT through the
   * window, clipping and the optimizer; the window's final (h, c) is carried
   * into the next call. Returns without waiting for the GPU; the loss arrives
   * through `drainLosses`. A step whose gradient norm is not finite leaves the
   * weights and moments as they were (the step count still advances).
   * With `snapshotAfter`, the state after this step is also copied into a
   * snapshot slot, as `snapshot()` does, within the same submission.
   * With `dropout`, the step drops units as dropout.ts draws them for this
   * step's number (the step count after it).
   */
  trainStep(
    batch: Batch,
    optimizer: OptimizerConfig,
    snapshotAfter?: boolean,
    dropout?: DropoutSpec,
  ): void;

  /**
   * Copies the training state after the last queued step (weights, Adam
   * moments and step, carried (h, c)) into the older of two in-memory
   * snapshot slots, on the device: nothing is read back. Returns the step
   * the snapshot holds. setParams and setState forget every snapshot.
   */
  snapshot(): number;

  /**
   * Returns the training state to the snapshot taken at `step` (exactly the
   * state it copied) and forgets every step queued after it: their losses
   * are never handed out. Throws when no slot holds that step.
   */
  rollback(step: number): Promise<void>;

  /** Steps the snapshot slots hold, oldest first. */
  readonly snapshotSteps: readonly number[];

  /**
   * Copies the parameters after the last queued operation into the best-weights
   * slot (early stopping), on the device: nothing is read back. Returns the
   * step they belong to.
   */
  keepBest(): number;

  /** The step the best-weights slot holds, or null when it is empty. */
  readonly bestStep: number | null;

  /**
   * Puts the best-weights slot's parameters back in place of the current ones
   * (Adam's moments and the step count stay). Throws when the slot is empty.
   */
  restoreBest(): Promise<void>;

  /** A copy of the best-weights slot (arena layout), or null when it is empty. */
  getBestParams(): Promise<Float32Array | null>;

  /**
   * Fills the best-weights slot (a restored checkpoint's), marked as of step
   * `step`; null empties it. setParams empties it too.
   */
  setBestParams(params: Float32Array | null, step?: number): Promise<void>;

  /**
   * Resolves with the losses of every step finished since the last call, in
   * order, once the steps up to `through` (default: every step queued) are
   * among them. Waiting for an earlier step than the last lets the steps
   * after it keep the GPU busy meanwhile.
   */
  drainLosses(through?: number): Promise<StepLoss[]>;

  /**
   * Starts bringing back the losses of every step queued so far, without
   * waiting, so a later `drainLosses(through)` for one of them need not wait
   * for the steps queued after it.
   */
  flushLosses(): void;

  /** Zeroes the carried training (h, c), for every stream. */
  resetState(): void;

  /**
   * Mean loss over consecutive windows (forward only), starting from zero
   * state and carrying it from one window to the next when the model carries
   * state (task.ts carriesState; else every window starts from zero);
   * training state is untouched.
   */
  evaluate(batches: Batch[]): Promise<number>;

  /**
   * The head's outputs for the same windows, state as in `evaluate`: per
   * batch (T, B, O), logits (lm, tagging; argmax is the predicted class) or
   * normalised values (forecast: the one-step predictions).
   */
  predict(batches: Batch[]): Promise<Float32Array[]>;

  /**
   * Predictions window by window from zero state, the state carried from one
   * `next` to the next as `predict` carries it across its windows: an
   * autoregressive rollout chooses each window's inputs from the outputs
   * before it, and reads each row once. The stream uses the engine's
   * evaluation state: a predict, evaluate or newer stream ends it (its next
   * `next` throws).
   */
  predictStream(): PredictStream;

  /** Starts a generation from a prime text with its own state (language models only). */
  createSampler(options: SampleOptions): Sampler;

  /**
   * Every signal of every layer's cell (LayerActivations) over a text or a
   * stretch of a series (ProbeInput, as the model reads), from zero state.
   */
  probe(input: ProbeInput): Promise<ProbeResult>;

  /**
   * The gradient-flow probe over one batch (GradientFlow); the training state
   * is untouched. Left-to-right models only (a reverse direction has no
   * single "last position" to trace back from).
   */
  gradientFlow(batch: Batch): Promise<GradientFlow>;

  /** A copy of the parameter arena (see params.ts for the layout). */
  getParams(): Promise<Float32Array>;
  /** Replaces the parameters; the optimizer moments are reset unless given. */
  setParams(params: Float32Array, moments?: AdamMoments): Promise<void>;
  /** Adam's first and second moments and the step, for checkpoints. */
  getOptimizerState(): Promise<AdamMoments>;
  /** The carried training (h, c), each (L, B, H), for checkpoints. */
  getState(): Promise<RecurrentState>;
  setState(state: RecurrentState): Promise<void>;

  dispose(): void;
}

export interface PredictStream {
  /** The head's outputs (T, B, O) for `batch`; every window of a stream has the first one's B. */
  next(batch: Batch): Promise<Float32Array>;
}

/** The loss of one window and the raw gradients of every parameter (arena layout). */
export interface WindowGradients {
  loss: number;
  grads: Float32Array;
}

/**
 * Raw gradients without an optimizer step: both engines offer them for the
 * gradient check and the GPU–CPU parity tests. Not on Backend, because the
 * app never asks for them.
 */
export interface GradientSource {
  /**
   * Loss and raw gradients of one window from the carried state, with no
   * optimizer step and no state carried. With `dropout`, the masks are those
   * the next training step would draw (step count + 1).
   */
  gradients(batch: Batch, dropout?: DropoutSpec): Promise<WindowGradients>;
}
