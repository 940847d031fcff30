// The generalisation gap and the overfitting rule (store/generalization.ts):
// the train side is the mean of the training losses up to the validation's
// step; overfitting is RISE_COUNT validations in a row clearly above the best
// while training loss falls, and not a wobble, a plateau, or a rise of both.

import { describe, expect, test } from 'vitest';
import {
  generalization,
  RISE_COUNT,
  RISE_MARGIN,
  TRAIN_WINDOW,
  trainAround,
} from '../../../src/store/generalization';
import type { LossPoint } from '../../../src/store/metrics';

/** One training loss per step 1..steps, `f(step)`. */
function trainCurve(steps: number, f: (step: number) => number): LossPoint[] {
  return Array.from({ length: steps }, (_, k) => ({ step: k + 1, loss: f(k + 1) }));
}

/** Validations every `every` steps with these losses. */
function validations(every: number, losses: number[]): LossPoint[] {
  return losses.map((loss, k) => ({ step: (k + 1) * every, loss }));
}

const falling = (step: number) => 3 / (1 + step / 50);

describe('trainAround', () => {
  test('is the mean of the last TRAIN_WINDOW losses at or before the step', () => {
    const train = trainCurve(100, (s) => s);
    const around = trainAround(train, 40)!;
    expect(around.count).toBe(TRAIN_WINDOW);
    // Steps 31..40.
    expect(around.loss).toBeCloseTo((31 + 40) / 2, 12);
    // Between two recorded steps: the ones before it.
    const sparse = train.filter((p) => p.step % 7 === 0);
    expect(trainAround(sparse, 40, 2)!.loss).toBeCloseTo((28 + 35) / 2, 12);
  });

  test('uses what there is early on, and nothing before the first', () => {
    const train = trainCurve(100, (s) => s);
    expect(trainAround(train, 3)).toEqual({ loss: 2, count: 3 });
    expect(trainAround(train, 0)).toBeNull();
    expect(trainAround([], 10)).toBeNull();
  });
});

describe('generalization', () => {
  test('no gap before a validation and a training loss', () => {
    expect(generalization([], []).gap).toBeNull();
    expect(generalization(trainCurve(10, falling), []).gap).toBeNull();
    const g = generalization([], validations(25, [2]));
    expect(g.gap).toBeNull();
    expect(g.overfitting).toBe(false);
  });

  test('the gap is the latest validation minus the smoothed training loss at its step', () => {
    const train = trainCurve(100, falling);
    const val = validations(25, [2.5, 2.2, 2.1, 2.0]);
    const g = generalization(train, val);
    expect(g.step).toBe(100);
    expect(g.trainCount).toBe(TRAIN_WINDOW);
    expect(g.gap).toBeCloseTo(2.0 - trainAround(train, 100)!.loss, 12);
    expect(g.best).toEqual({ step: 100, loss: 2.0 });
    expect(g.overfitting).toBe(false);
    expect(g.risen).toBe(0);
  });

  test('validation clearly above its best for RISE_COUNT validations while train falls: overfitting', () => {
    const train = trainCurve(200, falling);
    const best = 1.5;
    const up = best * (1 + 2 * RISE_MARGIN);
    const val = validations(25, [2.5, 2.0, 1.6, best, up, up * 1.05]);
    const g = generalization(train, val);
    expect(g.best).toEqual({ step: 100, loss: best });
    expect(g.risen).toBe(2);
    expect(RISE_COUNT).toBe(2);
    expect(g.overfitting).toBe(true);
    // One risen validation is not yet enough.
    const once = generalization(train, val.slice(0, 5));
    expect(once.risen).toBe(1);
    expect(once.overfitting).toBe(false);
  });

  test('counts only the validations in a row up to the latest', () => {
    const train = trainCurve(300, falling);
    const best = 1.5;
    const up = best * 1.1;
    // Risen, back near the best, then risen three times.
    const val = validations(25, [2, best, up, best * 1.01, up, up, up]);
    const g = generalization(train, val);
    expect(g.risen).toBe(3);
    expect(g.overfitting).toBe(true);
  });

  test('a wobble within the margin, or a plateau, is not overfitting', () => {
    const train = trainCurve(300, falling);
    const best = 1.5;
    const wobble = best * (1 + RISE_MARGIN / 2);
    const val = validations(25, [2, best, wobble, best, wobble, wobble, wobble]);
    const g = generalization(train, val);
    expect(g.risen).toBe(0);
    expect(g.overfitting).toBe(false);
  });

  test('validation rising while training loss rises too (divergence) is not overfitting', () => {
    const train = trainCurve(200, (s) => (s <= 100 ? falling(s) : falling(100) + (s - 100) / 50));
    const best = 1.5;
    const val = validations(25, [2.5, 2.0, 1.6, best, best * 1.2, best * 1.5]);
    const g = generalization(train, val);
    expect(g.risen).toBe(0);
    expect(g.overfitting).toBe(false);
    expect(g.gap).not.toBeNull();
  });
});
