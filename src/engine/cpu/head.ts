// The output head's losses: softmax cross-entropy over O classes (lm,
// tagging) or squared error over Co values (forecast), and their gradients.
// (The head's product, logits = h · W + b, is in model.ts.)
//
// Dimension legend: N = T·B positions, V (or O) columns of the head: the
// vocabulary, the tagging classes, or a forecast's Co values.
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

/** Summed squared error of outputs (M) against targets (M), M = N·Co, outputs untouched. */
export function squaredErrorSum(out: Arr, targets: ArrayLike<number>, M: number): number {
  let loss = 0;
  for (let i = 0; i < M; i++) loss += (out[i] - targets[i]) ** 2;
  return loss;
}

/**
 * Turns outputs (M) into the gradient of `scale` times the summed squared
 * error in place, 2·scale·(ŷ − y) (scale 1/M: the mean, as nn.MSELoss), and
 * returns the summed (not mean) squared error.
 */
export function squaredErrorBackward(
  out: Arr,
  targets: ArrayLike<number>,
  M: number,
  scale: number,
): number {
  let loss = 0;
  for (let i = 0; i < M; i++) {
    const d = out[i] - targets[i];
    loss += d * d;
    out[i] = 2 * scale * d;
  }
  return loss;
}
