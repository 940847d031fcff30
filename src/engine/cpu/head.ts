// The output head: logits = h · W + b, softmax, cross-entropy and its gradient.
//
// Dimension legend: N = T·B positions, H hidden, V vocabulary.
//   h       (N, H)   top layer output
//   logits  (N, V)   overwritten with dlogits by the backward pass

import type { Arr } from './gemm';

/**
 * Turns logits (N, V) into the gradient of the MEAN cross-entropy in place,
 * and returns the summed (not mean) loss. Numerically stable: subtracts each
 * row's max before exponentiating.
 */
export function softmaxCrossEntropyBackward(
  logits: Arr,
  targets: Int32Array,
  N: number,
  V: number,
  scale: number,
): number {
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    const target = targets[n];
    const targetLogit = logits[row + target];
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[row + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(logits[row + v] - max);
      logits[row + v] = e;
      sum += e;
    }
    loss += Math.log(sum) + max - targetLogit;
    const inv = 1 / sum;
    for (let v = 0; v < V; v++) logits[row + v] *= inv * scale;
    logits[row + target] -= scale;
  }
  return loss;
}

/** Summed cross-entropy of logits (N, V) against targets, logits untouched. */
export function crossEntropySum(logits: Arr, targets: Int32Array, N: number, V: number): number {
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[row + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[row + v] - max);
    loss += Math.log(sum) + max - logits[row + targets[n]];
  }
  return loss;
}
