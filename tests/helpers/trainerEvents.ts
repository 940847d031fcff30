// A Trainer's events as the page would read them: every event through the
// worker's own wire (src/worker/trainingWire.ts), the messages kept in order,
// and the failures (with whether the loop was training) kept apart, as the
// session would handle them.

import { splitCorpus } from '../../src/engine/batcher';
import type { ModelConfig, TrainConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import type { Corpus } from '../../src/engine/tokenizer';
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from '../../src/engine/training/options';
import { Trainer } from '../../src/engine/training/trainer';
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
  probeShare: 1,
  metricsIntervalMs: 0,
  tickBudgetMs: 5,
};

/**
 * A Trainer over a CPU backend on `corpus`, from weights of `train.seed`, its
 * events recorded as the page would read them (recordEvents).
 */
export function cpuTrainer(
  corpus: Corpus,
  model: ModelConfig,
  train: TrainConfig,
  options: TrainerOptions = EAGER_LOOP,
) {
  const backend = new CpuBackend(model, initParams(model, new Rng(train.seed)), {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
  });
  const { events, messages, failures } = recordEvents();
  const trainer = new Trainer(
    backend,
    corpus.vocab,
    splitCorpus(corpus.tokens, train.valFraction),
    train,
    events,
    options,
  );
  return { backend, trainer, messages, failures };
}
