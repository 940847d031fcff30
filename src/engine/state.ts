// The named parts of a training state, shared by both backends, checkpoints
// and snapshots: the optimizer's moments and the state the recurrent layers
// carry from one window to the next.
//
// Dimension legend: B batch, H hidden, L layers; P floats in the parameter
// arena (see params.ts).

/** Adam's first and second moments, each (P) in arena layout, and the step they belong to. */
export interface AdamMoments {
  m: Float32Array; // (P)
  v: Float32Array; // (P)
  /** Optimizer steps taken: the bias correction of the next step depends on it. */
  step: number;
}

/**
 * What every recurrent cell carries into the next window: its output h.
 * Generic over the storage, so the CPU's float64 oracle and the GPU's
 * buffers share the shape.
 */
export interface HiddenState<A = Float32Array> {
  h: A; // (L, B, H)
}

/** The LSTM's carried state: its output h and its memory cell c. */
export interface LstmState<A = Float32Array> extends HiddenState<A> {
  c: A; // (L, B, H)
}

/**
 * The state the model carries between windows, for every cell: h, and c,
 * which only the LSTM uses (the GRU and the RNN carry h alone and leave c at
 * zero). One shape for all cells keeps checkpoints, snapshots and the GPU's
 * state buffers the same whatever the cell.
 */
export type RecurrentState<A = Float32Array> = LstmState<A>;
