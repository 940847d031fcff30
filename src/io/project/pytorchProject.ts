// "Continue in PyTorch": a ready-to-run project that takes a run from the
// browser to PyTorch (one CPU, one GPU, or many through torchrun and
// DistributedDataParallel) and back. Made from a checkpoint of the run, so the
// project starts exactly where the browser stands:
//   model.safetensors   the weights (the PyTorch-named export, weights.ts)
//   state.safetensors   step, stream position (metadata), carried (h, c) (L, B, H)
//                       and Adam's moments under the weights' PyTorch names
//                       (exp_avg.<name>, exp_avg_sq.<name>): the same per-element
//                       mapping as the weights, so each moment sits beside its weight
//   vocab.json, corpus.txt (the text in use, as gatescope normalised it)
//   config.json         the model and every training setting (windows, split,
//                       optimizer, schedule, clipping, dropout, seed)
//   gatescope.py, train.py, sample.py, README.md: the files of this folder,
//                       real Python the tests run (imported as text).
// Only a left-to-right language model: a tagger's windows are derived from the
// text and a forecast reads a series, and train.py trains neither (yet).
//
// Dimension legend: B batch (streams), T window, H hidden, L layers, V vocabulary.
//
// Public API:
//   pytorchProject(checkpointBytes, corpus) → { model, step, files }   (throws ProjectRefusal)
//     the run's model and step (for the zip's name) and the project's files
//   PROJECT_FORMAT, STATE_FORMAT

import { CELLS } from '../../engine/cells';
import { modelConfigFields, type ModelConfig, type TrainConfig } from '../../engine/config';
import { directionCount, taskOf } from '../../engine/task';
import { DEFAULT_TRAINER_OPTIONS } from '../../engine/training/options';
import type { ExportFile } from '../bundle';
import { loadCheckpoint } from '../checkpoint';
import { toPytorchTensors } from '../pytorch';
import { writeSafetensors, type NamedTensor } from '../safetensors';
import { exportSafetensors, exportVocabJson } from '../weights';
import gatescopePy from './gatescope.py?raw';
import readme from './README.md?raw';
import samplePy from './sample.py?raw';
import trainPy from './train.py?raw';

export const PROJECT_FORMAT = 'gatescope.pytorch-project.v1';
/** What train.py writes beside its weights, and reads back with --state. */
export const STATE_FORMAT = 'gatescope.pytorch-state.v1';

/** Why a model has no PyTorch project (said on the page as the export's failure). */
export class ProjectRefusal extends Error {}

const text = (s: string) => new TextEncoder().encode(s);

/** Where the README says which run this is. */
const RUN_MARK = /<!-- the run: [^>]*-->/;

/** One paragraph: the run, its model, text, windows and optimizer, as the page names them. */
function runSummary(
  model: ModelConfig,
  train: TrainConfig,
  corpus: { name: string; text: string },
  step: number,
  extra: Record<string, string> | undefined,
): string {
  const o = train.optimizer;
  const r = train.regularization;
  const schedule =
    o.schedule === 'cosine'
      ? `, cosine decay after ${o.warmupSteps} warm-up steps`
      : o.schedule === 'step'
        ? `, ×${o.decayFactor} every ${o.decayEvery} steps after ${o.warmupSteps} warm-up steps`
        : '';
  const run = extra?.runName ? `**${extra.runName}**` : 'this run';
  return (
    `This project continues ${run} at step ${step}: ${model.cell === 'gru' ? 'a' : 'an'} ` +
    `${CELLS[model.cell].label} ` +
    `(E ${model.embedSize}, H ${model.hiddenSize}, L ${model.layers}, V ${model.vocabSize}) ` +
    `on “${corpus.name}” (${[...corpus.text].length.toLocaleString('en-US')} characters, ` +
    `the last ${Math.round(train.valFraction * 100)} % held out); windows of T = ${train.seqLen} ` +
    `on B = ${train.batchSize} streams; AdamW at a peak learning rate of ${o.learningRate}` +
    `${schedule}, weight decay ${o.weightDecay}, ` +
    `${o.clipNorm > 0 ? `clipping at a global norm of ${o.clipNorm}` : 'no clipping'}, ` +
    `${r.dropout > 0 ? `${r.dropoutMode} dropout ${r.dropout}` : 'no dropout'}.`
  );
}
const JSON_TYPE = 'application/json';
const OCTET = 'application/octet-stream';
const PLAIN = 'text/plain';

export function pytorchProject(
  checkpointBytes: Uint8Array,
  corpus: { name: string; text: string },
): { model: ModelConfig; step: number; files: ExportFile[] } {
  const saved = loadCheckpoint(checkpointBytes, { requireCheckpoint: true });
  if (saved.kind !== 'checkpoint') throw new Error('the project needs the run’s checkpoint');
  const { model, train, vocab, params, optimizer, state, batcher } = saved;
  const task = taskOf(model);
  if (task !== 'lm' || directionCount(model) !== 1 || !vocab) {
    throw new ProjectRefusal(
      task === 'forecast'
        ? 'the PyTorch project trains language models; a forecast exports as PyTorch weights or a checkpoint'
        : `the PyTorch project trains left-to-right language models; this ${task} tagger ` +
            'exports as PyTorch weights, ONNX or a checkpoint',
    );
  }
  const step = optimizer.step;
  const { layers: L, hiddenSize: H } = model;
  const B = train.batchSize;
  const renamed = (prefix: string, arena: Float32Array): NamedTensor[] =>
    toPytorchTensors(model, arena).map((t) => ({ ...t, name: `${prefix}.${t.name}` }));
  const stateFile = writeSafetensors(
    [
      ...renamed('exp_avg', optimizer.m),
      ...renamed('exp_avg_sq', optimizer.v),
      { name: 'state.h', shape: [L, B, H], data: state.h },
      { name: 'state.c', shape: [L, B, H], data: state.c },
    ],
    { format: STATE_FORMAT, step: String(step), batcher: JSON.stringify(batcher) },
  );
  const config = {
    format: PROJECT_FORMAT,
    model: modelConfigFields(model),
    train,
    // As many validation windows per stream as the playground measures on.
    validation: { maxWindows: DEFAULT_TRAINER_OPTIONS.maxValidationWindows },
    corpus: 'corpus.txt',
    vocab: 'vocab.json',
    source: { corpusName: corpus.name, corpusSha256: saved.corpusSha256, step },
  };
  const files: ExportFile[] = [
    {
      name: 'README.md',
      mimeType: 'text/markdown',
      bytes: text(readme.replace(RUN_MARK, runSummary(model, train, corpus, step, saved.extra))),
    },
    { name: 'train.py', mimeType: PLAIN, bytes: text(trainPy) },
    { name: 'sample.py', mimeType: PLAIN, bytes: text(samplePy) },
    { name: 'gatescope.py', mimeType: PLAIN, bytes: text(gatescopePy) },
    { name: 'config.json', mimeType: JSON_TYPE, bytes: text(JSON.stringify(config, null, 2)) },
    {
      name: 'model.safetensors',
      mimeType: OCTET,
      bytes: exportSafetensors(model, params, vocab, { weights: 'latest', step: String(step) }),
    },
    { name: 'state.safetensors', mimeType: OCTET, bytes: stateFile },
    { name: 'vocab.json', mimeType: JSON_TYPE, bytes: text(exportVocabJson(vocab)) },
    { name: 'corpus.txt', mimeType: PLAIN, bytes: text(corpus.text) },
  ];
  return { model, step, files };
}
