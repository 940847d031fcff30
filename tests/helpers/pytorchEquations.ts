// An oracle for the PyTorch exports that shares no code with src/io's
// permutations or the CPU engine: the (T, O) outputs of
//   [nn.Embedding →] nn.LSTM | nn.GRU | nn.RNN(bidirectional = D == 2) → nn.Linear(D·H, O)
// by PyTorch's documented equations, read straight off a state_dict (gate
// blocks i, f, g, o / r, z, n; `_reverse` tensors run over the sequence
// backwards; layer output [h_fwd_t | h_rev_t]), in float64, batch 1, zero
// start state. A forecast (no embedding.weight) reads (T, Ci) values.
//
// Dimension legend: T steps, E embedding, H hidden, L layers, D directions,
// O head outputs, Ci values read per step, G gates per unit, X input size of a layer.

import { CELLS } from '../../src/engine/cells';
import type { ModelConfig } from '../../src/engine/config';
import type { NamedTensor } from '../../src/io/safetensors';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** (T, O) outputs for token ids (T) or a forecast's values (T·Ci). */
export function pytorchEquations(
  model: ModelConfig,
  sd: Map<string, NamedTensor>,
  input: Int32Array | Float32Array,
): Float64Array {
  const { hiddenSize: H, layers: L, cell } = model;
  const G = CELLS[cell].gates;
  const get = (n: string) => {
    const t = sd.get(n);
    if (!t) throw new Error(`state_dict has no ${n}`);
    return t.data;
  };
  const D = sd.has(`${cell}.weight_hh_l0_reverse`) ? 2 : 1;
  // Layer 0's inputs, one row per step.
  let xs: Float64Array[];
  if (input instanceof Int32Array) {
    const emb = sd.get('embedding.weight')!;
    const E = emb.shape[1];
    xs = Array.from(input, (tok) => Float64Array.from(emb.data.subarray(tok * E, tok * E + E)));
  } else {
    const Ci = sd.get(`${cell}.weight_ih_l0`)!.shape[1];
    const T = input.length / Ci;
    xs = Array.from({ length: T }, (_, t) =>
      Float64Array.from(input.subarray(t * Ci, t * Ci + Ci)),
    );
  }
  const T = xs.length;
  for (let l = 0; l < L; l++) {
    const X = xs[0].length;
    const out = Array.from({ length: T }, () => new Float64Array(D * H));
    for (let d = 0; d < D; d++) {
      const sfx = `l${l}${d ? '_reverse' : ''}`;
      const [wih, whh, bih, bhh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) =>
        get(`${cell}.${n}_${sfx}`),
      );
      let h = new Float64Array(H);
      const c = new Float64Array(H);
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s;
        const x = xs[t];
        const gi = new Float64Array(G * H); // W_ih x + b_ih
        const gh = new Float64Array(G * H); // W_hh h + b_hh
        for (let r = 0; r < G * H; r++) {
          let a = bih[r];
          for (let k = 0; k < X; k++) a += wih[r * X + k] * x[k];
          let b = bhh[r];
          for (let k = 0; k < H; k++) b += whh[r * H + k] * h[k];
          gi[r] = a;
          gh[r] = b;
        }
        const next = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const pre = (block: number) => gi[block * H + j] + gh[block * H + j];
          if (cell === 'lstm') {
            const [i, f, g, o] = [
              sigmoid(pre(0)),
              sigmoid(pre(1)),
              Math.tanh(pre(2)),
              sigmoid(pre(3)),
            ];
            c[j] = f * c[j] + i * g;
            next[j] = o * Math.tanh(c[j]);
          } else if (cell === 'gru') {
            const r = sigmoid(pre(0));
            const z = sigmoid(pre(1));
            const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            next[j] = (1 - z) * n + z * h[j];
          } else {
            next[j] = Math.tanh(pre(0));
          }
        }
        h = next;
        out[t].set(next, d * H);
      }
    }
    xs = out;
  }
  const hw = sd.get('head.weight')!; // (O, D·H)
  const [O, DH] = hw.shape;
  const hb = get('head.bias');
  const result = new Float64Array(T * O);
  xs.forEach((x, t) => {
    for (let o = 0; o < O; o++) {
      let a = hb[o];
      for (let k = 0; k < DH; k++) a += hw.data[o * DH + k] * x[k];
      result[t * O + o] = a;
    }
  });
  return result;
}
