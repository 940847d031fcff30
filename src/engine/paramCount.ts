// Parameter counts of a model, and the hidden size H that gives a model of
// another cell (or depth) about the same count: a fair comparison of an RNN,
// a GRU and an LSTM gives each the same budget of weights, not the same H.
// The count is the arena's (params.ts) without its alignment padding.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers.

import { RANGES, type ModelConfig } from './config';
import { paramLayout, parameterCount } from './params';

/**
 * Real parameters of `m`: the arena's own count (params.ts), so the task's
 * input and outputs, both directions of a bidirectional model and the GRU's
 * b_hn are counted exactly as the engines lay them out.
 */
export function countParameters(m: ModelConfig): number {
  return parameterCount(paramLayout(m));
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
