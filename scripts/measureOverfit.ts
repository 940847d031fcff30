// The figures of docs/regularization.md: `npx tsx scripts/measureOverfit.ts
// CELL STEPS RATE` trains the overfitting preset (its corpus and
// OVERFIT_SETTINGS on top of the defaults, seed 1) on the CPU engine three
// times from the same weights: without dropout, with standard dropout RATE and
// with variational dropout RATE, validating every 10 steps as the trainer
// does. Per run it prints the best validation loss and its step, the last
// validation and training losses, and the CPU time per step (validation
// included). tests/unit/engine/overfitDropout.test.ts runs the same protocol.
//
// Dimension legend: B batch, T window, H hidden, V vocabulary.

import { builtinCorpus } from '../src/corpora';
import { OVERFIT_SETTINGS } from '../src/corpora/overfit';
import { Batcher, splitCorpus, validationBatches } from '../src/engine/batcher';
import type { CellType } from '../src/engine/cells';
import type { DropoutMode } from '../src/engine/config';
import { CpuBackend } from '../src/engine/cpu/backend';
import { dropoutSpecOf } from '../src/engine/dropout';
import { initParams } from '../src/engine/params';
import { Rng } from '../src/engine/rng';
import { runConfigFrom } from '../src/engine/settings';
import { buildCorpus } from '../src/engine/tokenizer';
import { DEFAULT_TRAINER_OPTIONS } from '../src/engine/training/options';
import { optimizerAtStep } from '../src/engine/training/schedule';

const [cell, steps, rate] = [
  process.argv[2] as CellType,
  Number(process.argv[3]),
  Number(process.argv[4]),
];
const EVERY = 10;
const presets: Readonly<Record<string, unknown>> = OVERFIT_SETTINGS;
const config = runConfigFrom((s) => (s.key in presets ? presets[s.key] : s.default));
const corpus = buildCorpus(builtinCorpus('overfit')!.generate());
const split = splitCorpus(corpus.tokens, config.train.valFraction);
const { batchSize: B, seqLen: T, seed } = config.train;
const model = { ...config.model, cell, vocabSize: corpus.vocab.size };
const validation = validationBatches(
  split.validation,
  B,
  T,
  DEFAULT_TRAINER_OPTIONS.maxValidationWindows,
);
console.log(
  `${cell} H ${model.hiddenSize} E ${model.embedSize} L ${model.layers}, B ${B} T ${T}, V ${model.vocabSize}, ` +
    `train ${split.train.length} / validation ${split.validation.length} characters, ${steps} steps`,
);

const runs: [string, number, DropoutMode][] = [
  ['no dropout', 0, 'standard'],
  [`dropout ${rate}`, rate, 'standard'],
  [`variational ${rate}`, rate, 'variational'],
];
for (const [name, dropout, dropoutMode] of runs) {
  const backend = new CpuBackend(model, initParams(model, new Rng(seed)), {
    batchSize: B,
    seqLen: T,
  });
  const batcher = new Batcher(split.train, B, T, seed);
  const spec = dropoutSpecOf({ dropout, dropoutMode }, seed);
  let [best, bestStep, last, train] = [Infinity, 0, NaN, NaN];
  const curve: string[] = [];
  const cpu0 = process.cpuUsage();
  for (let step = 1; step <= steps; step++) {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, optimizerAtStep(config.train.optimizer, step), false, spec);
    if (step % EVERY === 0) {
      const losses = await backend.drainLosses();
      train = losses.reduce((sum, l) => sum + l.loss, 0) / losses.length;
      last = await backend.evaluate(validation);
      if (last < best) [best, bestStep] = [last, step];
      curve.push(`${step}:${train.toFixed(3)}/${last.toFixed(3)}`);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const msPerStep = (cpu.user + cpu.system) / 1000 / steps;
  console.log(
    `${name}: best validation ${best.toFixed(4)} at step ${bestStep}, last validation ` +
      `${last.toFixed(4)}, training ${train.toFixed(4)}, ${msPerStep.toFixed(0)} ms CPU per step`,
  );
  console.log(`  (step:train/validation) ${curve.join(' ')}`);
  backend.dispose();
}
