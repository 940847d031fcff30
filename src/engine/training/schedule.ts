// Learning-rate schedules: the rate a training step uses, from the person's
// peak rate (OptimizerConfig.learningRate) and the step's number. The step
// number is the whole schedule position, so a restored checkpoint (which
// restores the step) resumes the schedule exactly, and a rollback, which
// halves the peak, scales the whole curve.
//
// Dimension legend: none (scalars per step).

import type { OptimizerConfig } from '../config';

/** The learning rate of 1-based step `step` under `o`'s schedule. */
export function scheduledRate(o: OptimizerConfig, step: number): number {
  const peak = o.learningRate;
  if (o.schedule === 'constant') return peak;
  // Linear warm-up: step 1 takes peak / warmup, step `warmupSteps` the peak.
  if (step <= o.warmupSteps) return (peak * step) / o.warmupSteps;
  const after = step - o.warmupSteps;
  if (o.schedule === 'step') return peak * o.decayFactor ** Math.floor(after / o.decayEvery);
  // Cosine from the peak (after = 0) down to the floor (after = decaySteps), then flat.
  const progress = Math.min(1, after / o.decaySteps);
  const floor = peak * o.lrFloor;
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** `o` with the rate step `step` uses: what the backend's optimizer receives. */
export function optimizerAtStep(o: OptimizerConfig, step: number): OptimizerConfig {
  return o.schedule === 'constant' ? o : { ...o, learningRate: scheduledRate(o, step) };
}
