// The generalisation gap, and when it says "overfitting", as pure functions
// of a model's loss curves (metrics.ts), so the rule is tested without a page
// and the Gap tile (ui/components/MetricsTiles.tsx) only shows what it finds.
//
// The gap at a validation is its loss minus the training loss around the same
// step. One window's training loss is noisy (each step sees another batch), so
// "around" is the mean of the last TRAIN_WINDOW training losses measured at or
// before the validation's step. Validation itself is measured on the whole
// held-out text, so it is not noisy in that way, but it does wobble from one
// validation to the next as the weights move: the rule asks for a clear rise,
// not any rise.
//
// Overfitting, when all of these hold:
// - the last RISE_COUNT or more validations each lie more than RISE_MARGIN
//   (relative) above the best validation loss so far (a plateau or a wobble
//   around the best is not overfitting; a rise that lasts is);
// - the training loss keeps falling: around the latest validation it is below
//   what it was around the best one;
// - so the gap has grown since the best validation.

import type { LossPoint } from './metrics';

/** Training losses averaged into the "train loss around a step". */
export const TRAIN_WINDOW = 10;
/** How far above its best a validation loss must be to count as risen (2 %). */
export const RISE_MARGIN = 0.02;
/** Validations in a row above the best before the rise is called overfitting. */
export const RISE_COUNT = 2;

export interface Generalization {
  /** Latest validation loss minus the smoothed training loss at its step (nats); null before both exist. */
  gap: number | null;
  /** The step of the latest validation the gap is measured at. */
  step: number;
  /** How many training losses the train side averages (≤ TRAIN_WINDOW, fewer early on). */
  trainCount: number;
  /** The best (lowest) validation so far and its step, or null before the first. */
  best: LossPoint | null;
  /**
   * Validations in a row, up to the latest, more than RISE_MARGIN above the
   * best while training loss fell: RISE_COUNT or more is overfitting; 0 otherwise.
   */
  risen: number;
  overfitting: boolean;
}

/**
 * Mean of the last `window` training losses at or before `step` (binary
 * search: the series is in step order), with how many there were.
 */
export function trainAround(
  train: readonly LossPoint[],
  step: number,
  window = TRAIN_WINDOW,
): { loss: number; count: number } | null {
  let lo = 0;
  let hi = train.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (train[mid].step <= step) lo = mid + 1;
    else hi = mid;
  }
  const count = Math.min(window, lo);
  if (count === 0) return null;
  let sum = 0;
  for (let k = lo - count; k < lo; k++) sum += train[k].loss;
  return { loss: sum / count, count };
}

/** The gap and the overfitting verdict of one model's curves. */
export function generalization(
  train: readonly LossPoint[],
  validation: readonly LossPoint[],
): Generalization {
  const latest = validation.at(-1);
  const none: Generalization = {
    gap: null,
    step: latest?.step ?? 0,
    trainCount: 0,
    best: null,
    risen: 0,
    overfitting: false,
  };
  if (!latest) return none;
  let best = validation[0];
  for (const v of validation) if (v.loss < best.loss) best = v;
  const trainNow = trainAround(train, latest.step);
  if (!trainNow) return { ...none, best };
  const gap = latest.loss - trainNow.loss;

  // The validations in a row, back from the latest, clearly above the best.
  const bar = best.loss * (1 + RISE_MARGIN);
  let above = 0;
  for (let k = validation.length - 1; k >= 0 && validation[k].loss > bar; k--) above++;
  const trainAtBest = trainAround(train, best.step);
  const trainFell = trainAtBest !== null && trainNow.loss < trainAtBest.loss;
  const grew = trainAtBest !== null && gap > best.loss - trainAtBest.loss;
  const risen = trainFell && grew ? above : 0;
  return {
    gap,
    step: latest.step,
    trainCount: trainNow.count,
    best,
    risen,
    overfitting: risen >= RISE_COUNT,
  };
}
