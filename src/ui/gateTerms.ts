// The terms that made one value of a gate snapshot, as short lines for the
// hover card: at (position t, unit j) of a layer, the gates, the previous
// state and the sums the cell's equations (gateInfo.ts) form from them. The
// previous state is the snapshot's own value at t − 1 (the probe starts from
// zero state, so it is 0 at t = 0); a reverse direction's (bidirectional
// models) is its value at t + 1, 0 at the end. Pure: the values come with the lines so
// tests check the arithmetic against the snapshot.

import type { CellType } from '../engine/cells';
import type { ProbeLayer } from '../engine/snapshot';

export interface TermLine {
  /** What the line is about (a signal's name). */
  label: string;
  text: string;
}

export interface CellTerms {
  /** The numbers the lines quote, by name: the signals at (t, j), and cPrev / hPrev. */
  values: Record<string, number>;
  lines: TermLine[];
}

/** Two decimals with a true minus sign ("−0.41"); −0.00 shows as 0.00. */
export function num(x: number): string {
  const s = x.toFixed(2);
  return s === '-0.00' ? '0.00' : s.replace('-', '−');
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/**
 * The value of `key` at (t, j), or at the step before with 0 before the start
 * (zero initial state): t − 1 for a forward direction, t + 1 for a reverse one,
 * which reads the text from its end.
 */
function reader(layer: ProbeLayer, H: number, t: number, j: number, reverse: boolean) {
  const prev = reverse ? t + 1 : t - 1;
  return {
    at: (key: keyof ProbeLayer) => layer[key]![t * H + j],
    before: (key: keyof ProbeLayer) => {
      const values = layer[key]!;
      return prev >= 0 && (prev + 1) * H <= values.length ? values[prev * H + j] : 0;
    },
  };
}

/** The terms behind the value of unit `j` at position `t` of `layer` of a `cell` with H units. */
export function cellTerms(
  cell: CellType,
  layer: ProbeLayer,
  H: number,
  t: number,
  j: number,
  /** A bidirectional model's reverse direction: its previous step is t + 1. */
  reverse = false,
): CellTerms {
  const { at, before } = reader(layer, H, t, j, reverse);
  const prev = reverse ? '₍t+1₎' : '₍t−1₎';
  if (cell === 'lstm') {
    const [i, f, g, o, c, h] = [at('i'), at('f'), at('g'), at('o'), at('c'), at('h')];
    const cPrev = before('c');
    const kept = f * cPrev;
    const written = i * g;
    return {
      values: { i, f, g, o, c, h, cPrev, kept, written },
      lines: [
        {
          label: 'forget gate',
          text: `f = ${num(f)} keeps ${percent(f)} of c${prev} = ${num(cPrev)}`,
        },
        {
          label: 'input gate × candidate',
          text: `i·g = ${num(i)} × ${num(g)} = ${num(written)} written`,
        },
        {
          label: 'cell state',
          text: `c = f·c${prev} + i·g = ${num(kept)} + ${num(written)} = ${num(c)}`,
        },
        {
          label: 'hidden output',
          text: `h = o·tanh c = ${num(o)} × tanh(${num(c)}) = ${num(h)}`,
        },
      ],
    };
  }
  if (cell === 'gru') {
    const [r, z, n, h] = [at('r'), at('z'), at('n'), at('h')];
    const hPrev = before('h');
    const fresh = (1 - z) * n;
    const kept = z * hPrev;
    return {
      values: { r, z, n, h, hPrev, fresh, kept },
      lines: [
        {
          label: 'reset gate',
          text: `r = ${num(r)} scales the recurrent candidate term h${prev}·W_hn + b_hn to ${percent(r)}`,
        },
        {
          label: 'candidate',
          text: `n = tanh(x·W_xn + b_n + r ⊙ (…)) = ${num(n)}`,
        },
        {
          label: 'update gate',
          text: `z = ${num(z)} keeps ${percent(z)} of h${prev} = ${num(hPrev)}`,
        },
        {
          label: 'hidden output',
          text: `h = (1−z)·n + z·h${prev} = ${num(fresh)} + ${num(kept)} = ${num(h)}`,
        },
      ],
    };
  }
  const h = at('h');
  const hPrev = before('h');
  // The pre-activation, recovered from h; at |h| ≈ 1 float32 keeps too few digits for it.
  const pre = Math.abs(h) < 0.999 ? Math.atanh(h) : NaN;
  return {
    values: { h, hPrev, pre },
    lines: [
      { label: 'previous state', text: `h${prev} = ${num(hPrev)}` },
      {
        label: 'hidden output',
        text: Number.isFinite(pre)
          ? `h = tanh(x·W_x + h${prev}·W_h + b) = tanh(${num(pre)}) = ${num(h)}`
          : `h = tanh(x·W_x + h${prev}·W_h + b) = ${num(h)}, saturated`,
      },
    ],
  };
}
