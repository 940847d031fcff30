// The file-level API the download buttons and file pickers use.

import { describe, expect, test } from 'vitest';
import { exportFiles, importFiles } from '../../../src/io/bundle';
import type { ModelConfig } from '../../../src/engine/config';
import { FormatError } from '../../../src/io/errors';
import type { SeriesMetadata } from '../../../src/io/seriesMetadata';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { seededParams, tinyCorpus, tinyModel } from '../../helpers/io';

const corpus = tinyCorpus();
const model = tinyModel(1, corpus);
const params = seededParams(model);

describe('exportFiles / importFiles', () => {
  test('names and types of each export', () => {
    const names = (kind: 'safetensors' | 'onnx' | 'tfjs') =>
      exportFiles(kind, model, params, corpus.vocab).map((f) => [f.name, f.mimeType]);
    expect(names('safetensors')).toEqual([
      ['model.safetensors', 'application/octet-stream'],
      ['vocab.json', 'application/json'],
    ]);
    expect(names('onnx')).toEqual([['model.onnx', 'application/octet-stream']]);
    expect(names('tfjs')).toEqual([
      ['model.json', 'application/json'],
      ['model.weights.bin', 'application/octet-stream'],
    ]);
  });

  test('the safetensors pair imports back; vocab.json stands in for missing metadata', () => {
    const files = exportFiles('safetensors', model, params, corpus.vocab);
    const back = importFiles(files, { corpusVocab: corpus.vocab });
    expect(back.kind).toBe('weights');
    expect(back.params).toEqual(params);

    const parsed = readSafetensors(files[0].bytes);
    const bare = writeSafetensors([...parsed.tensors.values()]);
    const withVocab = importFiles([{ name: 'bare.safetensors', bytes: bare }, files[1]]);
    expect(withVocab.vocab!.itos).toEqual(corpus.vocab.itos);
    expect(() => importFiles([{ name: 'bare.safetensors', bytes: bare }])).toThrow(
      /bare\.safetensors: the file has no vocabulary in its metadata: import vocab.json with it/,
    );
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

  test('has no vocab.json; its series record rides in every format and comes back', () => {
    const files = exportFiles('safetensors', forecast, weights, null, { series });
    expect(files.map((f) => f.name)).toEqual(['model.safetensors']);
    const back = importFiles(files);
    if (back.kind !== 'weights') throw new Error('not read as weights');
    expect(back.model.task).toBe('forecast');
    expect(back.vocab).toBeNull();
    expect(back.series).toEqual(series);
    expect(back.params).toEqual(weights);

    const [json] = exportFiles('tfjs', forecast, weights, null, { series });
    expect(JSON.parse(new TextDecoder().decode(json.bytes)).userDefinedMetadata.series).toEqual(
      series,
    );
    // metadata_props are plain strings inside the protobuf.
    const [onnx] = exportFiles('onnx', forecast, weights, null, { series });
    expect(new TextDecoder().decode(onnx.bytes)).toContain(JSON.stringify(series));
  });
});
