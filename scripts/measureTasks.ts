// The figures of docs/tagging.md and docs/forecasting.md: `npx tsx
// scripts/measureTasks.ts STEPS [CORPORA] [SERIES]` (comma-separated built-in
// ids; default agreement,lines and every built-in series) trains, on the CPU engine from the page's
// default settings (E32 H128 L1 LSTM, B16 T48, lr 5e-3, seed 1):
//   - space restoration on two built-in corpora, left to right and both ways,
//     and prints validation accuracy and F1 over the whole held-out part;
//   - a forecaster on each built-in series (2000 rows, the only column as
//     target and input), and prints the validation MSE and MAE of its one-step
//     predictions beside the last-value and seasonal-naive baselines, all in
//     normalised units.
// The same data bundles as the page's (tasks/trainingData.ts, series/trainingData.ts).
//
// Dimension legend: B batch, T window, E embedding, H hidden, L layers.

import { builtinCorpus } from '../src/corpora';
import type { ModelConfig } from '../src/engine/config';
import { CpuBackend } from '../src/engine/cpu/backend';
import { initParams } from '../src/engine/params';
import { Rng } from '../src/engine/rng';
import { DEFAULT_RUN_CONFIG } from '../src/engine/settings';
import type { Direction } from '../src/engine/task';
import { buildCorpus } from '../src/engine/tokenizer';
import type { TrainingData } from '../src/engine/training/data';
import { DEFAULT_TRAINER_OPTIONS } from '../src/engine/training/options';
import { naiveBaselines } from '../src/series/baselines';
import { BUILTIN_SERIES, generateSeries, type BuiltinSeries } from '../src/series/generators';
import { forecastTrainingData, prepareSeries } from '../src/series/trainingData';
import { taggingCorpus, taggingTrainingData } from '../src/tasks/trainingData';

const STEPS = Number(process.argv[2] ?? 400);
const CORPORA = (process.argv[3] ?? 'agreement,lines').split(',').filter(Boolean);
const SERIES = process.argv[4]?.split(',').filter(Boolean) ?? BUILTIN_SERIES;
const { model: settings, train } = DEFAULT_RUN_CONFIG;
const options = DEFAULT_TRAINER_OPTIONS;

/** Trains `model` on `data` for STEPS steps; returns the scorer's figures and ms per step. */
async function trainAndScore(model: ModelConfig, data: TrainingData) {
  const backend = new CpuBackend(model, initParams(model, new Rng(train.seed)), {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
  });
  const started = performance.now();
  for (let s = 0; s < STEPS; s++) {
    const { batch, startsEpoch } = data.batches.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, train.optimizer);
  }
  await backend.drainLosses();
  const msPerStep = (performance.now() - started) / STEPS;
  const scores = await data.scores!.run(backend);
  backend.dispose();
  return { scores: scores!, msPerStep };
}

for (const id of CORPORA) {
  const text = buildCorpus(builtinCorpus(id)!.generate()).text;
  const corpus = taggingCorpus('spaces', text, train.valFraction);
  for (const direction of ['uni', 'bi'] as Direction[]) {
    const model: ModelConfig = {
      ...settings,
      task: 'spaces',
      direction,
      vocabSize: corpus.vocab.size,
    };
    const data = taggingTrainingData(corpus, model, train, options);
    const { scores, msPerStep } = await trainAndScore(model, data);
    if (scores.kind !== 'tagging') throw new Error('expected tagging scores');
    console.log(
      `spaces ${id} (${corpus.split.validation.ids.length} validation chars) ${direction}: ` +
        `accuracy ${scores.accuracy.toFixed(4)} F1 ${scores.f1.toFixed(4)} ` +
        `(precision ${scores.precision.toFixed(3)} recall ${scores.recall.toFixed(3)}), ${msPerStep.toFixed(0)} ms/step`,
    );
  }
}

for (const kind of SERIES as BuiltinSeries[]) {
  const values = generateSeries(kind, 2000, train.seed);
  const layout = { inputColumns: [0], targetColumns: [0] };
  const series = prepareSeries(kind, [values], [kind], layout, train.valFraction);
  const model: ModelConfig = {
    ...settings,
    task: 'forecast',
    vocabSize: 0,
    seriesInputs: 1,
    seriesOutputs: 1,
  };
  const data = forecastTrainingData(series, model, train, options);
  const { scores, msPerStep } = await trainAndScore(model, data);
  if (scores.kind !== 'forecast') throw new Error('expected forecast scores');
  const b = naiveBaselines(values, { valFraction: train.valFraction });
  const seasonal = b.seasonal
    ? `${b.seasonal.mseNormalized.toFixed(4)} / ${b.seasonal.maeNormalized.toFixed(4)} (period ${b.seasonal.period})`
    : 'none';
  console.log(
    `forecast ${kind}: model MSE ${scores.mse.toFixed(4)} MAE ${scores.mae.toFixed(4)}; ` +
      `last value ${b.lastValue.mseNormalized.toFixed(4)} / ${b.lastValue.maeNormalized.toFixed(4)}; ` +
      `seasonal ${seasonal}; ${msPerStep.toFixed(0)} ms/step`,
  );
}
