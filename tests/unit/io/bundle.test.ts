// The file-level API the download buttons and file pickers use: every weight
// export is one zip whose entries load in their engines (our importer for
// safetensors, ONNX Runtime, TensorFlow.js) with the CPU backend's logits; the
// zip imports as its safetensors does; ONNX and TF.js zips, damaged zips and
// strangers are refused with a reason.
//
// Dimension legend: T steps, B batch, H hidden, V vocabulary, L layers.

import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelConfig } from '../../../src/engine/config';
import {
  exportFiles,
  exportName,
  importFiles,
  packExport,
  type ExportKind,
} from '../../../src/io/bundle';
import { FormatError } from '../../../src/io/errors';
import { onnxInputName, onnxOutputName } from '../../../src/io/exportOnnx';
import type { SeriesMetadata } from '../../../src/io/seriesMetadata';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { unzipFiles, zipFiles } from '../../../src/io/zip';
import { loadTfjs } from '../../helpers/tfjs';
import {
  codeOf,
  cpuLogits,
  maxAbsDiff,
  seededParams,
  tinyCorpus,
  tinyModel,
  TEXT,
} from '../../helpers/io';

const corpus = tinyCorpus();
const model = tinyModel(2, corpus);
const params = seededParams(model);
const latest = { which: 'latest', step: 42 } as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
});

/** The export's one download, as the worker packs it, and its entries by name. */
function download(kind: ExportKind, m = model, p = params) {
  const zip = packExport(
    exportName(m, latest, kind),
    exportFiles(kind, m, p, corpus.vocab, { weights: latest }),
  );
  const entries = Object.fromEntries(unzipFiles(zip.bytes).map((e) => [e.name, e.bytes]));
  return { zip, entries };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (s: string) => new TextEncoder().encode(s);

describe('one zip per export', () => {
  test('names, entries and types of each export', () => {
    const entries = (kind: ExportKind) =>
      exportFiles(kind, model, params, corpus.vocab).map((f) => [f.name, f.mimeType]);
    const vocabAndReadme = [
      ['vocab.json', 'application/json'],
      ['README.md', 'text/markdown'],
    ];
    expect(entries('safetensors')).toEqual([
      ['model.safetensors', 'application/octet-stream'],
      ...vocabAndReadme,
    ]);
    expect(entries('onnx')).toEqual([
      ['model.onnx', 'application/octet-stream'],
      ...vocabAndReadme,
    ]);
    expect(entries('tfjs')).toEqual([
      ['model.json', 'application/json'],
      ['model.weights.bin', 'application/octet-stream'],
      ...vocabAndReadme,
    ]);
    expect(download('safetensors').zip.name).toBe('gatescope-lstm-h7-l2-step42-pytorch.zip');
    expect(download('onnx').zip.name).toBe('gatescope-lstm-h7-l2-step42-onnx.zip');
    expect(download('tfjs').zip.mimeType).toBe('application/zip');
  });

  test('a name says task, cell, sizes, which weights and the format', () => {
    const tagger: ModelConfig = { ...model, task: 'spaces', direction: 'bi', cell: 'gru' };
    const best = { which: 'best', step: 1200, validationLoss: 1.25 } as const;
    expect(exportName(tagger, best, 'onnx')).toBe('gatescope-spaces-gru-h7-l2-best-step1200-onnx');
    expect(exportName(model, latest, 'pytorch-project')).toBe(
      'gatescope-lstm-h7-l2-step42-pytorch-project',
    );
  });

  test('a single file is its own download; several are one zip', () => {
    const vocab = exportFiles('safetensors', model, params, corpus.vocab)[1];
    expect(packExport('vocab', [vocab])).toBe(vocab);
    expect(() => packExport('nothing', [])).toThrow(/no files/);
  });

  test('the PyTorch zip imports as its safetensors does, named after the zip', () => {
    const { zip, entries } = download('safetensors');
    const back = importFiles([zip], { corpusVocab: corpus.vocab });
    expect(back.kind).toBe('weights');
    expect(back.params).toEqual(params);
    expect(back.vocab!.itos).toEqual(corpus.vocab.itos);
    expect(back.source).toBe(zip.name);
    const readme = text(entries['README.md']);
    expect(readme).toContain('load_state_dict(load_file(path), strict=True)');
    expect(readme).toContain('the latest weights (step 42)');
    expect(readme).toContain('| hidden H | 7 |');
  });

  test('ONNX Runtime runs the zip’s model.onnx with the README’s names (≤ 1e-4)', async () => {
    const { entries } = download('onnx');
    const readme = text(entries['README.md']);
    for (const name of [onnxInputName(model), 'h0', 'c0', onnxOutputName(model), 'hn', 'cn']) {
      expect(readme).toContain(`\`${name}\``);
    }
    const session = await ort.InferenceSession.create(entries['model.onnx']);
    const tokens = corpus.vocab.encode(TEXT.slice(0, 20));
    const { layers: L, hiddenSize: H } = model;
    const zeros = () => new ort.Tensor('float32', new Float32Array(L * H), [L, 1, H]);
    const out = await session.run({
      [onnxInputName(model)]: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [
        tokens.length,
        1,
      ]),
      h0: zeros(),
      c0: zeros(),
    });
    const got = out[onnxOutputName(model)].data as Float32Array;
    expect(maxAbsDiff(got, await cpuLogits(model, params, tokens))).toBeLessThanOrEqual(1e-4);
    expect(JSON.parse(text(entries['vocab.json'])).itos).toEqual(corpus.vocab.itos);
  });

  test('TensorFlow.js loads the zip’s model.json and its bin as they lie (≤ 1e-4)', async () => {
    const { entries } = download('tfjs');
    expect(text(entries['README.md'])).toContain("tf.loadLayersModel('model.json')");
    const loaded = await loadTfjs(entries);
    const tokens = corpus.vocab.encode(TEXT.slice(0, 20));
    const input = tf.tensor2d(Array.from(tokens), [1, tokens.length]);
    const output = loaded.predict(input) as tf.Tensor;
    const diff = maxAbsDiff(await output.data(), await cpuLogits(model, params, tokens));
    tf.dispose([input, output]);
    loaded.dispose();
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  test('ONNX and TF.js zips are refused: gatescope imports safetensors', () => {
    for (const kind of ['onnx', 'tfjs'] as const) {
      const { zip } = download(kind);
      const format = kind === 'onnx' ? 'an ONNX' : 'a TensorFlow.js';
      expect(() => importFiles([zip])).toThrow(
        `${zip.name}: this is ${format} export; gatescope imports safetensors: choose the ` +
          'PyTorch zip (or its model.safetensors) or a checkpoint',
      );
    }
  });

  test('a zip of a bare safetensors and vocab.json, a damaged zip, a stranger', () => {
    const { entries } = download('safetensors');
    const bare = writeSafetensors([
      ...readSafetensors(entries['model.safetensors']).tensors.values(),
    ]);
    const octet = 'application/octet-stream';
    const zip = zipFiles('mine', [
      { name: 'weights/bare.safetensors', mimeType: octet, bytes: bare },
      { name: 'weights/vocab.json', mimeType: 'application/json', bytes: entries['vocab.json'] },
    ]);
    expect(importFiles([zip]).vocab!.itos).toEqual(corpus.vocab.itos);
    const alone = zipFiles('mine', [
      { name: 'weights/bare.safetensors', mimeType: octet, bytes: bare },
    ]);
    expect(() => importFiles([alone])).toThrow(
      /^mine\.zip\/weights\/bare\.safetensors: the file has no vocabulary in its metadata/,
    );
    const cut = { name: 'cut.zip', bytes: zip.bytes.subarray(0, 100) };
    expect(codeOf(() => importFiles([cut]))).toBe('archive-invalid');
    expect(() => importFiles([{ name: 'notes.zip', bytes: encode('hello') }])).toThrow(
      'notes.zip: this is not a zip archive',
    );
    expect(() => importFiles([zip, zip])).toThrow(/one .safetensors file at a time/);
  });

  test('asks for exactly one .safetensors file', () => {
    expect(() => importFiles([])).toThrow(FormatError);
    const f = exportFiles('safetensors', model, params, corpus.vocab)[0];
    expect(() => importFiles([f, f])).toThrow(/one .safetensors file at a time/);
    expect(() =>
      importFiles([f, { name: 'vocab.json', bytes: Uint8Array.from([0xff, 0xfe]) }]),
    ).toThrow(/not UTF-8/);
  });
});

describe('a forecast', () => {
  const forecast: ModelConfig = {
    vocabSize: 0,
    task: 'forecast',
    seriesInputs: 1,
    seriesOutputs: 1,
    cell: 'rnn',
    embedSize: 4,
    hiddenSize: 5,
    layers: 1,
  };
  const weights = seededParams(forecast);
  const series: SeriesMetadata = {
    columns: ['load'],
    inputColumns: [0],
    targetColumns: [0],
    mean: [312.5],
    std: [41.25],
  };

  test('has no vocab.json but series.json; its series record rides in every format and comes back', () => {
    const files = exportFiles('safetensors', forecast, weights, null, { series });
    expect(files.map((f) => f.name)).toEqual(['model.safetensors', 'series.json', 'README.md']);
    expect(JSON.parse(text(files[1].bytes))).toEqual(series);
    const back = importFiles([packExport('f', files)]);
    if (back.kind !== 'weights') throw new Error('not read as weights');
    expect(back.model.task).toBe('forecast');
    expect(back.vocab).toBeNull();
    expect(back.series).toEqual(series);
    expect(back.params).toEqual(weights);
    expect(exportName(forecast, latest, 'safetensors')).toBe(
      'gatescope-forecast-rnn-h5-l1-step42-pytorch',
    );

    const [json] = exportFiles('tfjs', forecast, weights, null, { series });
    expect(JSON.parse(text(json.bytes)).userDefinedMetadata.series).toEqual(series);
    // metadata_props are plain strings inside the protobuf.
    const onnx = exportFiles('onnx', forecast, weights, null, { series });
    expect(text(onnx[0].bytes)).toContain(JSON.stringify(series));
    // The README feeds the graph's own names: values in, predictions out, no c0 for an RNN.
    const readme = text(onnx.at(-1)!.bytes);
    expect(readme).toContain('sess.run(None, {"values": x, "h0": h0})');
    expect(readme).toContain('predictions, hn = ');
    expect(readme).not.toContain('c0');
  });
});
