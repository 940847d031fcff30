// Saved runs of task models (CPU engine, fake IndexedDB): a bidirectional
// tagger (its vocabulary the derived input's) and a forecaster (its series
// saved as CSV text of the used columns, its checkpoint naming the columns and
// normalisation statistics) are autosaved on pause and resume exactly: the
// same weights, step and data, and the next step is the one the run would
// have taken. Exports carry the forecast's series record.
//
// Dimension legend: V vocabulary, Ci / Co columns read / forecast.

import { afterEach, describe, expect, test } from 'vitest';
import { agreementCorpus } from '../../../src/corpora/agreement';
import { loadCheckpoint } from '../../../src/io';
import { unzipFiles } from '../../../src/io/zip';
import type { RunConfig } from '../../../src/worker/protocol';
import { until } from '../../helpers/until';
import { CONFIG, startHost, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const TAGGER: RunConfig = {
  ...CONFIG,
  model: { ...CONFIG.model, task: 'spaces', direction: 'bi' },
  train: { ...CONFIG.train, seqLen: 16, batchSize: 4 },
};
const FORECASTER: RunConfig = {
  ...CONFIG,
  model: { ...CONFIG.model, task: 'forecast' },
  train: { ...CONFIG.train, seqLen: 16, batchSize: 4, valFraction: 0.2 },
};

/** Trains a few steps, pauses (which saves), and resumes the saved run; returns params before and after. */
async function saveAndResume(h: Harness) {
  h.host.handle({ type: 'train' });
  await until('30 steps', () => h.host.session.trainer!.step >= 30);
  h.host.handle({ type: 'pause' });
  await h.host.idle();
  const trainer = h.host.session.trainer!;
  await until('the save', () => h.of('saved').some((m) => m.run.step === trainer.step));
  const before = { step: trainer.step, params: await trainer.backend.getParams() };
  const runId = h.host.session.run.id;
  h.host.handle({ type: 'resumeRun', runId, corpusId: 9 });
  await h.host.idle();
  await until('the resumed model', () => h.host.session.trainer !== trainer);
  const resumed = h.host.session.trainer!;
  return { before, resumed, params: await resumed.backend.getParams() };
}

describe('saved runs of task models', () => {
  test('a bidirectional space tagger resumes exactly, with its derived vocabulary', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'configure', config: TAGGER });
    h.host.handle({ type: 'setCorpus', id: 1, name: 'agreement', text: agreementCorpus(1, 6000) });
    await h.host.idle();
    await until('the tagger', () => h.host.session.trainer !== null);
    const V = h.host.session.trainer!.backend.model.vocabSize;
    const { before, resumed, params } = await saveAndResume(h);
    expect(h.of('importError')).toEqual([]);
    expect(h.of('imported').at(-1)!.summary).toMatch(/^resumed .* at step/);
    expect(resumed.step).toBe(before.step);
    expect(resumed.backend.model).toMatchObject({ task: 'spaces', direction: 'bi', vocabSize: V });
    expect(params).toEqual(before.params);

    // The checkpoint keeps the tagger's own vocabulary: the text without its spaces.
    h.host.handle({ type: 'export', id: 3, choice: 'checkpoint', weights: 'latest' });
    await h.host.idle();
    const { file } = h.of('exported')[0];
    const loaded = loadCheckpoint(file.bytes, { file: file.name });
    expect(loaded.vocab!.size).toBe(V);
    expect(loaded.vocab!.has(' ')).toBe(false);

    // Its weights alone start a tagger of the same kind on the same text.
    h.host.handle({ type: 'export', id: 4, choice: 'safetensors', weights: 'latest' });
    await h.host.idle();
    // The PyTorch zip, imported as a person would choose it.
    const weights = h.of('exported')[1].file;
    const exporter = h.host.session.trainer!;
    const latest = await exporter.backend.getParams();
    h.host.handle({
      type: 'import',
      id: 5,
      corpusId: 9,
      files: [new File([weights.bytes.slice()], weights.name)],
      adoptVocabulary: false,
    });
    await h.host.idle();
    expect(h.of('importError')).toEqual([]);
    expect(h.of('imported').at(-1)!.summary).toMatch(/spaces tagger weights loaded/);
    const fresh = h.host.session.trainer!;
    expect(fresh).not.toBe(exporter);
    expect(fresh.step).toBe(0);
    expect(fresh.backend.model).toMatchObject({ task: 'spaces', direction: 'bi', vocabSize: V });
    expect(await fresh.backend.getParams()).toEqual(latest);
  }, 120_000);

  test('a forecaster resumes exactly on its saved series; its exports carry the series record', async () => {
    const h = (harness = startHost());
    h.host.handle({ type: 'configure', config: FORECASTER });
    h.host.handle({
      type: 'loadSeries',
      id: 1,
      name: 'tides',
      source: { kind: 'builtin', series: 'trend-seasonal' },
    });
    await h.host.idle();
    await until('the forecaster', () => h.host.session.trainer !== null);
    const columns = h.host.session.series!.columns[0];
    const { before, resumed, params } = await saveAndResume(h);
    expect(h.of('importError')).toEqual([]);
    expect(resumed.step).toBe(before.step);
    expect(resumed.backend.model).toMatchObject({
      task: 'forecast',
      seriesInputs: 1,
      seriesOutputs: 1,
    });
    expect(params).toEqual(before.params);
    // The series came back from its saved text, value for value.
    expect(h.host.session.series!.columns[0]).toEqual(columns);
    expect(h.of('series').at(-1)!.stats.rows).toBe(2000);

    h.host.handle({ type: 'export', id: 4, choice: 'safetensors', weights: 'latest' });
    h.host.handle({ type: 'export', id: 5, choice: 'vocab', weights: 'latest' });
    await h.host.idle();
    // One zip: the weights, the series record beside them, the README.
    const { file } = h.of('exported')[0];
    const entries = unzipFiles(file.bytes);
    expect(entries.map((e) => e.name)).toEqual(['model.safetensors', 'series.json', 'README.md']);
    const weights = loadCheckpoint(entries[0].bytes, { file: entries[0].name });
    if (weights.kind !== 'weights') throw new Error('weights expected');
    expect(weights.series!.columns).toEqual(['trend-seasonal']);
    expect(JSON.parse(new TextDecoder().decode(entries[1].bytes))).toEqual(weights.series);
    const stats = h.host.session.models[0].series!.stats[0];
    expect(weights.series!.mean[0]).toBeCloseTo(stats.mean, 12);
    expect(h.of('exportError')[0].message).toMatch(/forecast model .* no vocabulary/);
    // Weights alone of a forecaster are refused, saying what does resume one.
    h.host.handle({
      type: 'import',
      id: 6,
      corpusId: 9,
      files: [new File([file.bytes.slice()], file.name)],
      adoptVocabulary: false,
    });
    await h.host.idle();
    expect(h.of('importError').at(-1)!.message).toMatch(
      /starts only from a checkpoint of the series/,
    );
  }, 120_000);
});
