// Global-norm gradient clipping and Adam/AdamW over the flat parameter arena.
// The GPU's fused optimizer kernel must match this bit-for-bit in structure.
//
// Dimension legend: P floats in the parameter arena (params.ts); every array
// here (params, grads, m, v, decay mask) is (P).

import type { OptimizerConfig } from '../config';
import type { Arr } from './gemm';

/** Euclidean norm of the whole gradient arena (padding is zero and adds nothing). */
export function globalNorm(grads: Arr): number {
  let sum = 0;
  for (let i = 0; i < grads.length; i++) sum += grads[i] * grads[i];
  return Math.sqrt(sum);
}

/** The factor PyTorch's clip_grad_norm_ applies: min(1, max_norm / (norm + 1e-6)). */
export function clipScale(norm: number, clipNorm: number): number {
  if (clipNorm <= 0) return 1;
  return Math.min(1, clipNorm / (norm + 1e-6));
}

/** Whether every entry is a finite number (x − x is NaN exactly for NaN and ±∞). */
export function allFinite(xs: Arr): boolean {
  let ok = 0;
  for (let i = 0; i < xs.length; i++) ok += xs[i] - xs[i];
  return ok === 0;
}

/**
 * One Adam step (AdamW when weightDecay > 0: decay decoupled from the
 * gradient, as PyTorch's AdamW, on entries where decayMask is 1).
 * `step` is the 1-based step number, for bias correction. Returns whether
 * every parameter and moment it wrote is finite (as adam.wgsl's flag).
 */
export function adamStep(
  params: Arr,
  grads: Arr,
  m: Arr,
  v: Arr,
  decayMask: Arr,
  gradScale: number,
  step: number,
  o: OptimizerConfig,
): boolean {
  const bc1 = 1 - Math.pow(o.beta1, step);
  const bc2 = 1 - Math.pow(o.beta2, step);
  const stepSize = o.learningRate / bc1;
  const decay = o.learningRate * o.weightDecay;
  let finite = 0; // stays 0 while every written value is finite
  for (let i = 0; i < params.length; i++) {
    const g = grads[i] * gradScale;
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    let p = params[i];
    if (decayMask[i] !== 0) p -= decay * p;
    params[i] = p - (stepSize * m[i]) / (Math.sqrt(v[i] / bc2) + o.epsilon);
    // The stored values: a double that fits becomes ±∞ in a Float32Array. Moments count
    // too (as in adam.wgsl): a checkpoint of an infinite v could never be saved.
    finite += params[i] - params[i] + (m[i] - m[i]) + (v[i] - v[i]);
  }
  return finite === 0;
}
