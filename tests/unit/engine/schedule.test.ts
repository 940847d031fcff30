// The learning-rate schedules (src/engine/training/schedule.ts): the shapes a
// person picks, checked at the points that define them, and against the
// formula at every step in between.

import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../../src/engine/config';
import { optimizerAtStep, scheduledRate } from '../../../src/engine/training/schedule';

const PEAK = 4e-3;
const base: OptimizerConfig = { ...DEFAULT_OPTIMIZER, learningRate: PEAK };

describe('learning-rate schedules', () => {
  it('constant: the peak at every step, and the optimizer object itself', () => {
    const o = { ...base, schedule: 'constant' as const };
    for (const step of [1, 2, 100, 10_000]) expect(scheduledRate(o, step)).toBe(PEAK);
    expect(optimizerAtStep(o, 7)).toBe(o);
  });

  it('warm-up climbs linearly to the peak at the last warm-up step', () => {
    const o = { ...base, schedule: 'cosine' as const, warmupSteps: 10, decaySteps: 100 };
    for (let step = 1; step <= 10; step++) {
      expect(scheduledRate(o, step)).toBeCloseTo((PEAK * step) / 10, 15);
    }
    expect(scheduledRate(o, 10)).toBe(PEAK);
  });

  it('cosine falls from the peak to the floor over decaySteps, monotonically, then stays', () => {
    const o = {
      ...base,
      schedule: 'cosine' as const,
      warmupSteps: 5,
      decaySteps: 200,
      lrFloor: 0.1,
    };
    expect(scheduledRate(o, 5)).toBe(PEAK);
    // Half way down the cosine: the mean of peak and floor.
    expect(scheduledRate(o, 105)).toBeCloseTo((PEAK + 0.1 * PEAK) / 2, 12);
    expect(scheduledRate(o, 205)).toBeCloseTo(0.1 * PEAK, 12);
    expect(scheduledRate(o, 10_000)).toBeCloseTo(0.1 * PEAK, 12);
    for (let step = 6; step <= 205; step++) {
      expect(scheduledRate(o, step)).toBeLessThanOrEqual(scheduledRate(o, step - 1));
    }
  });

  it('step decay multiplies by the factor after every decayEvery steps past the warm-up', () => {
    const o = {
      ...base,
      schedule: 'step' as const,
      warmupSteps: 0,
      decayEvery: 50,
      decayFactor: 0.5,
    };
    expect(scheduledRate(o, 1)).toBe(PEAK);
    expect(scheduledRate(o, 49)).toBe(PEAK);
    expect(scheduledRate(o, 50)).toBe(PEAK / 2);
    expect(scheduledRate(o, 149)).toBe(PEAK / 4);
    expect(scheduledRate(o, 150)).toBe(PEAK / 8);
  });

  it('every schedule scales with the peak, so a rollback halving it halves the whole curve', () => {
    for (const schedule of ['constant', 'cosine', 'step'] as const) {
      const o = { ...base, schedule, warmupSteps: 20, decaySteps: 300, decayEvery: 40 };
      const halved = { ...o, learningRate: PEAK / 2 };
      for (const step of [1, 19, 20, 21, 77, 320, 999]) {
        expect(scheduledRate(halved, step)).toBeCloseTo(scheduledRate(o, step) / 2, 15);
      }
    }
  });
});
