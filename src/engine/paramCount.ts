// Parameter counts of a model, and the hidden size H that gives a model of
// another cell (or depth) about the same count: a fair comparison of an RNN,
// a GRU and an LSTM gives each the same budget of weights, not the same H.
// The count is the arena's (params.ts) without its alignment padding.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers,
// G gates per unit (cells.ts: LSTM 4, GRU 3, RNN 1), X input size of a
// layer (E for layer 0, H above).

import { CELLS } from './cells';
import { RANGES, type ModelConfig } from './config';

/**
 * Real parameters of `m`, equal to parameterCount(paramLayout(m)):
 * embedding V·E; per layer wx X·G·H, wh H·G·H, b G·H (and the GRU's b_hn, H);
 * head H·V + V.
 */
export function countParameters(m: ModelConfig): number {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = m;
  const G = CELLS[cell].gates;
  let n = V * E + H * V + V;
  for (let l = 0; l < L; l++) {
    const X = l === 0 ? E : H;
    n += X * G * H + H * G * H + G * H + (cell === 'gru' ? H : 0);
  }
  return n;
}

/**
 * The H (within the setting's range) whose count is closest to `target` for
 * `m`'s cell, E, L and V (m.hiddenSize is ignored); the smaller H on a tie.
 * The count grows with H, so a binary search finds the crossing.
 */
export function matchHiddenSize(m: ModelConfig, target: number): number {
  const [min, max] = RANGES.hiddenSize;
  const count = (H: number) => countParameters({ ...m, hiddenSize: H });
  // The smallest H whose count reaches the target (max when none does).
  let lo = min;
  let hi = max;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (count(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  if (lo > min && target - count(lo - 1) <= count(lo) - target) return lo - 1;
  return lo;
}
