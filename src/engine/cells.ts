// The recurrent cells the engine trains, and what each one is made of: how
// many gate columns per hidden unit its matrices hold, and which signals the
// probe records per layer (the page's heatmaps, in panel order). Everything
// that depends on the cell type (parameter layout, the CPU layers, the WGSL
// kernels, exports, the gate panels) reads it from here.
//
// Dimension legend: H hidden, X input size of a layer, G = gates·H columns.
//
//   lstm  i = σ(·) f = σ(·) g = tanh(·) o = σ(·); c' = f⊙c + i⊙g; h' = o⊙tanh(c')
//         columns interleaved per unit: 4j + k, k = i, f, g, o
//   gru   PyTorch's equations, gate order r, z, n:
//         r = σ(x·Wxr + h·Whr + br)  z = σ(x·Wxz + h·Whz + bz)
//         n = tanh(x·Wxn + bn + r⊙(h·Whn + bhn));  h' = (1 − z)⊙n + z⊙h
//         columns interleaved per unit: 3j + k, k = r, z, n; bhn (H) kept
//         apart from bn because r multiplies it
//   rnn   h' = tanh(x·Wx + h·Wh + b); one column per unit

export const CELL_TYPES = ['lstm', 'gru', 'rnn'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** Every signal a probe can record, across the cells. */
export type SignalKey = 'i' | 'f' | 'g' | 'o' | 'c' | 'r' | 'z' | 'n' | 'h';

export interface CellSpec {
  /** Gate columns per hidden unit in wx (X, gates·H), wh (H, gates·H) and b (gates·H). */
  gates: number;
  /** Whether the cell carries a memory c beside h from one step to the next. */
  carriesCell: boolean;
  /** What the probe records per layer, each (P, H), in the order the page shows them. */
  signals: readonly SignalKey[];
  /** Its name on the page and in exports' notes. */
  label: string;
}

export const CELLS: Readonly<Record<CellType, CellSpec>> = {
  lstm: { gates: 4, carriesCell: true, signals: ['i', 'f', 'g', 'o', 'c', 'h'], label: 'LSTM' },
  gru: { gates: 3, carriesCell: false, signals: ['r', 'z', 'n', 'h'], label: 'GRU' },
  rnn: { gates: 1, carriesCell: false, signals: ['h'], label: 'RNN' },
};

export function isCellType(value: unknown): value is CellType {
  return (CELL_TYPES as readonly unknown[]).includes(value);
}
