// Names, colour scales, equations and one-line explanations of the signals a
// probe returns per layer (cells.ts). The equations are the engine's
// (cells.ts, cpu/*Layer.ts), written with the names the hover card uses.

import type { CellType } from '../engine/cells';
import type { GateKey } from '../engine/snapshot';
import type { Scale } from './colormap';

/** `title` heads a heatmap (saying how it is drawn); `name` labels a raw value. */
export const GATE_INFO: Record<
  GateKey,
  { title: string; name: string; scale: Scale; squash?: boolean }
> = {
  i: { title: 'input gate', name: 'input gate', scale: 'unit' },
  f: { title: 'forget gate', name: 'forget gate', scale: 'unit' },
  g: { title: 'candidate', name: 'candidate', scale: 'signed' },
  o: { title: 'output gate', name: 'output gate', scale: 'unit' },
  c: { title: 'cell state (tanh)', name: 'cell state', scale: 'signed', squash: true },
  r: { title: 'reset gate', name: 'reset gate', scale: 'unit' },
  z: { title: 'update gate', name: 'update gate', scale: 'unit' },
  n: { title: 'candidate', name: 'candidate', scale: 'signed' },
  h: { title: 'hidden output', name: 'hidden output', scale: 'signed' },
};

export interface SignalDoc {
  /** How the engine computes it; h₍t−1₎ and c₍t−1₎ are the previous step's. */
  equation: string;
  /** What it does, in one sentence. */
  does: string;
}

/** Per cell, the equation and role of each of its signals (CELLS[cell].signals). */
export const SIGNAL_DOCS: {
  readonly [C in CellType]: Readonly<Partial<Record<GateKey, SignalDoc>>>;
} = {
  lstm: {
    i: {
      equation: 'i = σ(x·W_xi + h₍t−1₎·W_hi + b_i)',
      does: 'How much of the candidate g is written into the cell.',
    },
    f: {
      equation: 'f = σ(x·W_xf + h₍t−1₎·W_hf + b_f)',
      does: 'How much of the previous cell state c₍t−1₎ is kept.',
    },
    g: {
      equation: 'g = tanh(x·W_xg + h₍t−1₎·W_hg + b_g)',
      does: 'The value proposed for the cell at this character.',
    },
    o: {
      equation: 'o = σ(x·W_xo + h₍t−1₎·W_ho + b_o)',
      does: 'How much of the squashed cell state goes out as h.',
    },
    c: {
      equation: 'c = f ⊙ c₍t−1₎ + i ⊙ g',
      does: 'The memory: an additive path, so a gradient flows back along it scaled by f alone.',
    },
    h: {
      equation: 'h = o ⊙ tanh(c)',
      does: 'What the layer shows the next layer, the output and its next step.',
    },
  },
  gru: {
    r: {
      equation: 'r = σ(x·W_xr + h₍t−1₎·W_hr + b_r)',
      does: 'How much of the recurrent term enters the candidate n; near 0 the past is ignored.',
    },
    z: {
      equation: 'z = σ(x·W_xz + h₍t−1₎·W_hz + b_z)',
      does: 'How much of h₍t−1₎ is kept; the rest is replaced by n.',
    },
    n: {
      equation: 'n = tanh(x·W_xn + b_n + r ⊙ (h₍t−1₎·W_hn + b_hn))',
      does: 'The value proposed for h at this character.',
    },
    h: {
      equation: 'h = (1 − z) ⊙ n + z ⊙ h₍t−1₎',
      does: 'Memory and output at once: a blend of the candidate and the old state.',
    },
  },
  rnn: {
    h: {
      equation: 'h = tanh(x·W_x + h₍t−1₎·W_h + b)',
      does: 'The whole state, rewritten every step; a gradient shrinks through tanh′·W_h each step back.',
    },
  },
};

/** The signal that carries a layer's memory: what the unit finder correlates with the text. */
export function memorySignal(cell: CellType): GateKey {
  return cell === 'lstm' ? 'c' : 'h';
}

export function showChar(ch: string): string {
  if (ch === '\n') return '↵';
  if (ch === ' ') return '␣';
  if (ch === '\t') return '⇥';
  return ch;
}
