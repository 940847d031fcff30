// The loss chart's zoomed range: the first steps' losses (about ln V) dwarf
// what matters later, such as a validation loss turning up from 0.43 to
// 0.46 while the training loss keeps falling. Zoomed, the Y axis spans only
// the losses of the later part of the run, with round ticks.
//
// Dimension legend: none (losses per step).

/** The part of the run a zoomed axis fits: steps from this share of the last one on. */
const LATER_FROM = 0.25;
/** About this many tick intervals on a zoomed axis. */
const TICK_INTERVALS = 4;

export interface LossAxis {
  domain: [number, number];
  ticks: number[];
}

/**
 * A Y axis fitted to the losses at steps ≥ LATER_FROM · the last step, padded
 * and rounded to 1, 2 or 5 × 10^k ticks; null when there are none yet.
 */
export function zoomedLossAxis(
  series: readonly (readonly { step: number; loss: number }[])[],
): LossAxis | null {
  let last = 0;
  for (const points of series) if (points.length) last = Math.max(last, points.at(-1)!.step);
  const from = last * LATER_FROM;
  let lo = Infinity;
  let hi = -Infinity;
  for (const points of series) {
    for (const p of points) {
      if (p.step < from || !Number.isFinite(p.loss)) continue;
      lo = Math.min(lo, p.loss);
      hi = Math.max(hi, p.loss);
    }
  }
  if (!Number.isFinite(lo)) return null;
  const pad = Math.max(0.01, (hi - lo) * 0.15);
  const raw = (hi - lo + 2 * pad) / TICK_INTERVALS;
  const power = 10 ** Math.floor(Math.log10(raw));
  const stride = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const bottom = Math.max(0, Math.floor((lo - pad) / stride) * stride);
  const top = Math.ceil((hi + pad) / stride) * stride;
  const ticks: number[] = [];
  // Rounded to the stride's decimals, so 0.30000000000000004 reads 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(stride)));
  for (let k = 0; bottom + k * stride <= top + stride / 2; k++) {
    ticks.push(Number((bottom + k * stride).toFixed(decimals)));
  }
  return { domain: [ticks[0], ticks.at(-1)!], ticks };
}
