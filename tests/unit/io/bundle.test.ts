// The file-level API the download buttons and file pickers use.

import { describe, expect, test } from 'vitest';
import { exportFiles, importFiles } from '../../../src/io/bundle';
import { FormatError } from '../../../src/io/errors';
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
