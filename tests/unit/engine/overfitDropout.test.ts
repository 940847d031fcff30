// The proof that dropout cures what the overfitting preset shows (issue 14,
// item 5): on the preset's corpus and settings, from the same seed, training
// without dropout reaches its best validation loss early and then climbs while
// the training loss keeps falling; the same run with dropout reaches a lower
// best. Both runs take the same steps on the same windows from the same
// weights, validated as the trainer does (its windows, zero state, every
// VALIDATE_EVERY steps); only the masks differ.
//
// The cell is the RNN: at H 256 its step costs a quarter of the LSTM's, which
// keeps this test to a few hundred CPU steps. docs/regularization.md has the
// LSTM's figures (longer runs of the same protocol).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary, L layers.
import { describe, expect, it } from 'vitest';
import { builtinCorpus } from '../../../src/corpora';
import { OVERFIT_SETTINGS } from '../../../src/corpora/overfit';
import { Batcher, splitCorpus, validationBatches } from '../../../src/engine/batcher';
import type { RegularizationConfig } from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { dropoutSpecOf } from '../../../src/engine/dropout';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { runConfigFrom } from '../../../src/engine/settings';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { DEFAULT_TRAINER_OPTIONS } from '../../../src/engine/training/options';
import { optimizerAtStep } from '../../../src/engine/training/schedule';

const STEPS = 150;
const VALIDATE_EVERY = 10;

/** The person's defaults with the preset's settings on top, as the page applies them. */
const presets: Readonly<Record<string, unknown>> = OVERFIT_SETTINGS;
const config = runConfigFrom((s) => (s.key in presets ? presets[s.key] : s.default));
const corpus = buildCorpus(builtinCorpus('overfit')!.generate());
const split = splitCorpus(corpus.tokens, config.train.valFraction);
const { batchSize: B, seqLen: T, seed } = config.train;
const model = { ...config.model, cell: 'rnn' as const, vocabSize: corpus.vocab.size };
const validation = validationBatches(
  split.validation,
  B,
  T,
  DEFAULT_TRAINER_OPTIONS.maxValidationWindows,
);

interface Run {
  best: number;
  bestStep: number;
  /** Validation loss at the last step. */
  last: number;
  /** Mean training loss over the last VALIDATE_EVERY steps. */
  train: number;
  curve: string;
}

/** Trains STEPS steps as the StepLoop does (zero state per epoch, scheduled rate, masks from the seed). */
async function run(regularization: RegularizationConfig): Promise<Run> {
  const backend = new CpuBackend(model, initParams(model, new Rng(seed)), {
    batchSize: B,
    seqLen: T,
  });
  const batcher = new Batcher(split.train, B, T, seed);
  const dropout = dropoutSpecOf(regularization, seed);
  const out: Run = { best: Infinity, bestStep: 0, last: NaN, train: NaN, curve: '' };
  for (let step = 1; step <= STEPS; step++) {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, optimizerAtStep(config.train.optimizer, step), false, dropout);
    if (step % VALIDATE_EVERY === 0) {
      const losses = await backend.drainLosses();
      out.train = losses.reduce((sum, l) => sum + l.loss, 0) / losses.length;
      out.last = await backend.evaluate(validation);
      if (out.last < out.best) [out.best, out.bestStep] = [out.last, step];
      out.curve += ` ${step}:${out.train.toFixed(3)}/${out.last.toFixed(3)}`;
    }
  }
  backend.dispose();
  return out;
}

describe('the overfitting preset', () => {
  it('overfits without dropout, and dropout lowers the best validation loss', async () => {
    expect(model.hiddenSize).toBe(256);
    expect(validation.length).toBeGreaterThanOrEqual(2);
    const plain = await run({ ...config.train.regularization, dropout: 0 });
    const dropped = await run({ ...config.train.regularization, dropout: 0.3 });
    console.log(
      `overfitting preset, RNN H 256, ${STEPS} steps (step: train/validation):\n` +
        `  no dropout:  best ${plain.best.toFixed(4)} at ${plain.bestStep}\n   ${plain.curve}\n` +
        `  dropout 0.3: best ${dropped.best.toFixed(4)} at ${dropped.bestStep}\n   ${dropped.curve}`,
    );
    // Overfitting: the best comes well before the end (five validations or more after it,
    // none lower), the validation loss then climbs while the training loss falls below it.
    expect(plain.bestStep).toBeLessThanOrEqual(STEPS - 5 * VALIDATE_EVERY);
    expect(plain.last).toBeGreaterThan(plain.best + 0.02);
    expect(plain.train).toBeLessThan(plain.best);
    // The cure: a lower best, reached later (the masks slow the memorising down).
    expect(dropped.best).toBeLessThan(plain.best - 0.01);
    expect(dropped.bestStep).toBeGreaterThan(plain.bestStep);
    // It is regularisation, not a better fit: the training loss stays higher.
    expect(dropped.train).toBeGreaterThan(plain.train);
  }, 300_000);
});
