// Dropout masks that both engines draw identically: a counter-based hash of
// (seed, step, site, position, stream, unit), no random stream to keep in
// step. A mask is a pure function of those numbers, so the GPU and the CPU
// reference drop the same units (parity tests hold with dropout on), the
// gradient check sees fixed masks for a fixed step, and a checkpoint (which
// restores the step) resumes the dropout stream exactly.
//
// Sites, as Zaremba et al. place dropout on the non-recurrent connections:
// site l (0 ≤ l < L) is the input of layer l (site 0 the embedding output),
// site L the top layer's output before the head. The recurrent h → h path
// and the carried state are never dropped.
//
// The draw of element (t, b, u) of a site with X units in a (T, B, X) window:
//   key   = siteKey(seed, step, site)                 (one u32 per site and step)
//   index = (t·B + b)·X + u      standard
//           b·X + u              variational (one mask per window, stream and unit)
//   draw  = hash32(key ^ hash32(index)) >>> 8         (24 uniform bits)
//   mask  = draw ≥ threshold ? scale : 0, threshold = round(rate·2²⁴), scale = f32(1 / (1 − rate))
// Inverted dropout: kept units are scaled up in training, so evaluation,
// sampling, probes and exports use the weights as they are, with no mask.
// WGSL computes the same (shaders/dropout.wgsl): u32 arithmetic wraps there
// as Math.imul and >>> 0 do here.
//
// Dimension legend: T window, B batch, X units of the site (E for site 0,
// H above), L layers.

import type { Arr } from './cpu/gemm';

/** Dropout on one training step (or gradient computation). */
export interface DropoutSpec {
  /** Share of units dropped, 0 < rate < 1. */
  rate: number;
  /** One mask per window, stream and unit instead of one per position. */
  variational: boolean;
  /** The run's seed (TrainConfig.seed). */
  seed: number;
}

/** A 32-bit integer hash with good avalanche (Wellons' "lowbias32"). */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** The key of one site's masks at one step (the 1-based step being taken). */
export function siteKey(seed: number, step: number, site: number): number {
  return hash32((hash32((hash32(seed >>> 0) ^ step) >>> 0) ^ site) >>> 0);
}

/** A draw at or above this (of 2²⁴) keeps its unit. */
export function keepThreshold(rate: number): number {
  return Math.round(rate * 2 ** 24);
}

/** What a kept unit is multiplied by, as float32 (the GPU's product). */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}

/** The mask value (0 or the scale) of the element drawn at `index` under `key`. */
export function maskValue(key: number, index: number, threshold: number, scale: number): number {
  return hash32((key ^ hash32(index)) >>> 0) >>> 8 >= threshold ? scale : 0;
}

/**
 * Fills `mask` (T, B, X) with site `site`'s mask at step `step`: 0 for a
 * dropped unit, the scale for a kept one.
 */
export function fillMask(
  mask: Arr,
  spec: DropoutSpec,
  step: number,
  site: number,
  T: number,
  B: number,
  X: number,
): void {
  const key = siteKey(spec.seed, step, site);
  const threshold = keepThreshold(spec.rate);
  const scale = dropoutScale(spec.rate);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * X;
      const drawRow = spec.variational ? b * X : row;
      for (let u = 0; u < X; u++) mask[row + u] = maskValue(key, drawRow + u, threshold, scale);
    }
  }
}

/** The DropoutSpec of a step under the run's settings, or undefined when dropout is off. */
export function dropoutSpecOf(
  regularization: { dropout: number; dropoutMode: 'standard' | 'variational' },
  seed: number,
): DropoutSpec | undefined {
  if (regularization.dropout <= 0) return undefined;
  return {
    rate: regularization.dropout,
    variational: regularization.dropoutMode === 'variational',
    seed,
  };
}
