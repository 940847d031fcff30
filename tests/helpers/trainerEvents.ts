// A Trainer's events as the page would read them: every event through the
// worker's own wire (src/worker/trainingWire.ts), the messages kept in order,
// and the failures (with whether the loop was training) kept apart, as the
// session would handle them.

import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from '../../src/engine/training/options';
import type { EngineMessage } from '../../src/worker/protocol';
import { trainingWire } from '../../src/worker/trainingWire';

export function recordEvents() {
  const messages: EngineMessage[] = [];
  const failures: unknown[] = [];
  /** For each failure: whether the trainer was training (not paused) when it came. */
  const wasTraining: boolean[] = [];
  const events = trainingWire(
    (m) => messages.push(m),
    (e, training) => {
      failures.push(e);
      wasTraining.push(training);
    },
  );
  return { events, messages, failures, wasTraining };
}

/** A loop that reports everything at once and validates every 10 steps, for tests. */
export const EAGER_LOOP: TrainerOptions = {
  ...DEFAULT_TRAINER_OPTIONS,
  validateEvery: 10,
  maxValidationWindows: 2,
  probeIntervalMs: 0,
  metricsIntervalMs: 0,
  tickBudgetMs: 5,
};
