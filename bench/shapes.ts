// Benchmark shapes and the cost model every figure is derived from. Every
// shape is measured for each recurrent cell asked for (LSTM, GRU, RNN).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input size (E for layer 0, H above), G gate columns per
// unit (LSTM 4, GRU 3, RNN 1).

import { CELLS, type CellType } from '../src/engine/cells';

export interface BenchShape {
  V: number;
  E: number;
  H: number;
  L: number;
  T: number;
  B: number;
}

export const DEFAULT_SHAPE: BenchShape = { V: 65, E: 256, H: 256, L: 2, T: 64, B: 32 };

/**
 * The learning rate every contender trains with: fixed here rather than taken
 * from the app's defaults, so a change of default never changes the work a
 * benchmark measures or the losses it prints (4.1752 after the standard run).
 */
export const BENCH_LEARNING_RATE = 2e-3;

/** Issue 17's grid: 18 shapes, which `--grid` runs (with the default shape) in under 40 minutes here. */
export const GRID = { H: [128, 256, 512], B: [1, 16, 64], T: [32], L: [1, 2] };

/**
 * The grid H × B × T × L (E = H, V = 65), each axis optionally narrowed to
 * some of its values (any axis can also be widened, e.g. `--T=32,128`).
 */
export function gridShapes(only: Partial<Record<keyof typeof GRID, number[]>> = {}): BenchShape[] {
  const axis = (k: keyof typeof GRID) => only[k] ?? GRID[k];
  const out: BenchShape[] = [];
  for (const L of axis('L'))
    for (const T of axis('T'))
      for (const H of axis('H')) for (const B of axis('B')) out.push({ V: 65, E: H, H, L, T, B });
  return out;
}

/**
 * Relative cost of a training step: its FLOPs plus a fixed part (a step's
 * dispatches, kernel launches, per-timestep overheads), sized so that a B = 1
 * step costs what the docs' grid shows (about 1/4 of a B = 16 step at H 128).
 * Only for the progress line's ETA.
 */
export function stepCost(s: BenchShape, cell: CellType = 'lstm'): number {
  return s.B * s.T * flopsPerToken(s, cell) + 4 * s.T * flopsPerToken(s, cell);
}

/** Tiny shapes for `--quick`: proves the harness runs, claims nothing. */
export const QUICK_SHAPES: BenchShape[] = [{ V: 65, E: 16, H: 16, L: 2, T: 8, B: 4 }];

/**
 * Training FLOPs per token: forward + backward is 3× the forward's
 * 2·(X+H)·G·H multiply-adds per layer, i.e. 6·G·H·(X+H) (LSTM 24·H·(X+H),
 * GRU 18·H·(X+H), RNN 6·H·(X+H)), plus 6·H·V for the head. Elementwise gate
 * work is left out, as for every cell.
 */
export function flopsPerToken(s: BenchShape, cell: CellType = 'lstm'): number {
  const G = CELLS[cell].gates;
  let f = 6 * s.H * s.V;
  for (let l = 0; l < s.L; l++) f += 6 * G * s.H * ((l === 0 ? s.E : s.H) + s.H);
  return f;
}

export function shapeLabel(s: BenchShape, cell?: CellType): string {
  const dims = `V${s.V} E${s.E} H${s.H} L${s.L} T${s.T} B${s.B}`;
  return cell ? `${CELLS[cell].label} ${dims}` : dims;
}
