// Exports of the best or the latest weights, through the worker's own
// message handler (CPU engine): the page learns each best validation; an
// export asking for the best writes the weights of that validation (its zip
// named …-best-step<N>-<format>.zip, its step and loss in the metadata of every
// format and in the README), one asking for the latest writes the model as it
// is (…-step<N>-<format>.zip); each export is one file; a checkpoint carries
// both, and imported back resumes with its best; a bad `weights` is refused.
//
// Dimension legend: none (whole files).

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAINER_OPTIONS } from '../../../src/engine/training/options';
import { importWeights, loadCheckpoint, readSafetensors } from '../../../src/io';
import { unzipFiles } from '../../../src/io/zip';
import type { EngineMessageOf } from '../../../src/worker/protocol';
import { until } from '../../helpers/until';
import { type Harness, startWithModel, stepsAdvance } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

/** Posts an export and waits for its answer. */
async function exportVia(h: Harness, id: number, message: Record<string, unknown>) {
  h.host.handle({ type: 'export', id, ...message });
  await until(`export ${id}`, () =>
    h.messages.some((m) => (m.type === 'exported' || m.type === 'exportError') && m.id === id),
  );
  return h.messages.find(
    (m): m is EngineMessageOf<'exported'> | EngineMessageOf<'exportError'> =>
      (m.type === 'exported' || m.type === 'exportError') && m.id === id,
  )!;
}

function fileOf(answer: EngineMessageOf<'exported'> | EngineMessageOf<'exportError'>) {
  if (answer.type !== 'exported') throw new Error(answer.message);
  return answer.file;
}

/** An export's one download, a zip: its name and its entries by name. */
function unzipped(answer: EngineMessageOf<'exported'> | EngineMessageOf<'exportError'>) {
  const zip = fileOf(answer);
  expect(zip.mimeType).toBe('application/zip');
  const entries = unzipFiles(zip.bytes);
  return { name: zip.name, entries: Object.fromEntries(entries.map((e) => [e.name, e.bytes])) };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('export best vs latest weights (worker)', () => {
  it('best writes the best validation’s weights, latest the model as it is', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'train' });
    await stepsAdvance(h, 60);
    h.host.handle({ type: 'pause' });
    await h.host.idle();
    const trainer = h.host.session.trainer!;
    await until('paused', () => !trainer.isTraining);
    // One step or more, so the model is not the one a validation just measured: a step
    // onto the validation grid validates (and may be the new best), so step past it.
    do {
      const at = trainer.step;
      h.host.handle({ type: 'step' });
      await until('the step', () => trainer.step === at + 1);
    } while (trainer.step % DEFAULT_TRAINER_OPTIONS.validateEvery === 0);
    const { step, best, bestParams, params } = await trainer.exclusive(async (b) => ({
      step: b.step,
      best: b.bestStep,
      bestParams: (await b.getBestParams())!,
      params: await b.getParams(),
    }));
    const told = h.of('best').at(-1)!;
    expect(told.step).toBe(best);
    expect(best).not.toBe(step);
    expect(bestParams).not.toEqual(params);

    const { cell, hiddenSize, layers } = trainer.backend.model;
    const stem = `gatescope-${cell}-h${hiddenSize}-l${layers}`;
    const bestZip = unzipped(await exportVia(h, 10, { choice: 'safetensors', weights: 'best' }));
    expect(bestZip.name).toBe(`${stem}-best-step${best}-pytorch.zip`);
    expect(Object.keys(bestZip.entries)).toEqual(['model.safetensors', 'vocab.json', 'README.md']);
    const bestFile = readSafetensors(bestZip.entries['model.safetensors']);
    expect(bestFile.metadata.weights).toBe('best');
    expect(bestFile.metadata.step).toBe(String(best));
    expect(Number(bestFile.metadata.validation_loss)).toBe(told.loss);
    expect(text(bestZip.entries['README.md'])).toContain(`best validation (step ${best}`);
    const vocab = fileOf(await exportVia(h, 11, { choice: 'vocab', weights: 'best' }));
    expect(vocab.name).toBe('vocab.json');
    const vocabJson = text(vocab.bytes);
    expect(text(bestZip.entries['vocab.json'])).toBe(vocabJson);
    expect(importWeights(bestZip.entries['model.safetensors'], { vocabJson }).params).toEqual(
      bestParams,
    );

    const latestZip = unzipped(
      await exportVia(h, 12, { choice: 'safetensors', weights: 'latest' }),
    );
    expect(latestZip.name).toBe(`${stem}-step${step}-pytorch.zip`);
    const latestFile = readSafetensors(latestZip.entries['model.safetensors']);
    expect([latestFile.metadata.weights, latestFile.metadata.step]).toEqual([
      'latest',
      String(step),
    ]);
    expect(importWeights(latestZip.entries['model.safetensors'], { vocabJson }).params).toEqual(
      params,
    );

    // ONNX and TF.js say which, in their zip's name and metadata; TF.js's model.json names its bin.
    const onnx = unzipped(await exportVia(h, 13, { choice: 'onnx', weights: 'best' }));
    expect(onnx.name).toBe(`${stem}-best-step${best}-onnx.zip`);
    expect(Object.keys(onnx.entries)).toEqual(['model.onnx', 'vocab.json', 'README.md']);
    const onnxText = text(onnx.entries['model.onnx']); // metadata_props are plain strings
    expect(onnxText).toContain('validation_loss');
    expect(onnxText).toContain(String(told.loss));
    const tfjs = unzipped(await exportVia(h, 14, { choice: 'tfjs', weights: 'best' }));
    expect(tfjs.name).toBe(`${stem}-best-step${best}-tfjs.zip`);
    expect(Object.keys(tfjs.entries)).toEqual([
      'model.json',
      'model.weights.bin',
      'vocab.json',
      'README.md',
    ]);
    const modelJson = JSON.parse(text(tfjs.entries['model.json']));
    expect(modelJson.weightsManifest[0].paths).toEqual(['model.weights.bin']);
    expect(modelJson.userDefinedMetadata.weights).toBe('best');
    const tfjsLatest = unzipped(await exportVia(h, 15, { choice: 'tfjs', weights: 'latest' }));
    expect(new Float32Array(tfjs.entries['model.weights.bin'].slice().buffer)).not.toEqual(
      new Float32Array(tfjsLatest.entries['model.weights.bin'].slice().buffer),
    );

    // The checkpoint is the latest state, with the best weights and record beside it.
    const checkpoint = loadCheckpoint(
      fileOf(await exportVia(h, 16, { choice: 'checkpoint', weights: 'best' })).bytes,
      { requireCheckpoint: true },
    );
    if (checkpoint.kind !== 'checkpoint') throw new Error('not a checkpoint');
    expect(checkpoint.params).toEqual(params);
    expect(checkpoint.earlyStopping?.bestStep).toBe(best);
    expect(checkpoint.earlyStopping?.bestLoss).toBe(told.loss);
    expect(checkpoint.earlyStopping?.bestParams).toEqual(bestParams);

    // Imported back, the checkpoint resumes with its best: the page is told it again, and
    // the new model's slot and record are the saved ones.
    const ckptBytes = fileOf(
      await exportVia(h, 18, { choice: 'checkpoint', weights: 'best' }),
    ).bytes;
    const record = trainer.earlyStoppingState;
    const bestsBefore = h.of('best').length;
    h.host.handle({
      type: 'import',
      id: 19,
      corpusId: 2,
      files: [new File([ckptBytes.slice()], 'checkpoint.safetensors')],
      adoptVocabulary: false,
    });
    await until('imported', () => h.of('imported').length === 1);
    const resumed = h.host.session.trainer!;
    expect(resumed).not.toBe(trainer);
    expect(h.of('imported')[0].summary).toContain('exactly');
    expect(h.of('best').slice(bestsBefore).at(-1)).toEqual({
      type: 'best',
      model: 0,
      step: best,
      loss: told.loss,
    });
    expect(resumed.earlyStoppingState).toEqual(record);
    const slot = await resumed.exclusive(async (b) => [b.bestStep, await b.getBestParams()]);
    expect(slot).toEqual([best, bestParams]);

    const refused = await exportVia(h, 17, { choice: 'onnx', weights: 'newest' });
    expect(refused).toEqual({
      type: 'exportError',
      id: 17,
      message: 'export.weights must be one of best, latest, got "newest"',
    });
  });
});
