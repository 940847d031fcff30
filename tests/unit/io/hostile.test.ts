// Input an attacker controls — a crafted safetensors or vocab.json, checkpoint
// metadata, a shared link, a corpus — is checked before it is trusted: sizes
// against the file before anything is allocated, JSON keys as own keys only
// (no prototype pollution), characters that cannot be text refused with a
// clear message, and the corpus identity hash unique per text.

import { afterEach, describe, expect, test } from 'vitest';
import {
  DEFAULT_OPTIMIZER,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../../src/engine/config';
import { readCorpusFile } from '../../../src/engine/corpusFile';
import { buildCorpus, CorpusError, Vocabulary } from '../../../src/engine/tokenizer';
import { loadCheckpoint, saveCheckpoint, type TrainingSnapshot } from '../../../src/io/checkpoint';
import { FormatError, VocabularyMismatchError } from '../../../src/io/errors';
import { sha256Hex } from '../../../src/io/hash';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { checkVocabulary, parseVocabJson } from '../../../src/io/vocabFile';
import { readHash } from '../../../src/store/urlHash';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import { codeOf, emptyTrainingState, seededParams, tinyCorpus, tinyModel } from '../../helpers/io';

/** Object.prototype must come out of every test as it went in. */
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** A safetensors file from a header text and data bytes, as a crafted file would be. */
function crafted(header: string, data: Uint8Array = new Uint8Array(0), claimedLength?: number) {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  const n = claimedLength ?? json.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  test('a header length beyond the file or the cap is refused before the header is read', () => {
    for (const claimed of [2 ** 40, 2 ** 53 - 1, 200 * 1024 * 1024, 1000]) {
      const file = crafted('{}', new Uint8Array(8), claimed);
      expect(codeOf(() => readSafetensors(file))).toBe('header-too-large');
    }
  });

  test('shape products and offsets must match the bytes: nothing huge is allocated', () => {
    const f32 = (shape: number[], offsets: number[]) =>
      JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: offsets } });
    const data = new Uint8Array(16);
    // 2^26 × 2^26 floats claimed over 16 bytes.
    expect(codeOf(() => readSafetensors(crafted(f32([2 ** 26, 2 ** 26], [0, 16]), data)))).toBe(
      'bad-offsets',
    );
    expect(codeOf(() => readSafetensors(crafted(f32([2, 2], [0, 2 ** 40]), data)))).toBe(
      'bad-offsets',
    );
    expect(codeOf(() => readSafetensors(crafted(f32([8], [0, 32]), data)))).toBe('truncated');
    expect(codeOf(() => readSafetensors(crafted(f32([-4], [0, 16]), data)))).toBe('header-invalid');
    expect(codeOf(() => readSafetensors(crafted(f32([1.5], [0, 16]), data)))).toBe(
      'header-invalid',
    );
    const f64 = JSON.stringify({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } });
    expect(codeOf(() => readSafetensors(crafted(f64, data)))).toBe('unsupported-dtype');
    expect(codeOf(() => readSafetensors(crafted(f32([4], [0, 16]), data)))).toBe('no error');
  });

  test('"__proto__" and "constructor" keys are plain names, never prototypes', () => {
    const header =
      '{"__metadata__":{"__proto__":"{\\"polluted\\":1}","constructor":"c","format":"x"},' +
      '"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const file = readSafetensors(crafted(header, new Uint8Array(8)));
    expect([...file.tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(file.metadata).sort()).toEqual(['__proto__', 'constructor', 'format']);
    expect(file.metadata.__proto__).toBe('{"polluted":1}');
    // A key the file lacks finds nothing inherited.
    expect(file.metadata.toString).toBeUndefined();
    expect(file.metadata.hasOwnProperty).toBeUndefined();
  });

  test('a metadata map inherited rather than own is not metadata', () => {
    // No "__metadata__" key: nothing may be read from Object.prototype under that name.
    (Object.prototype as Record<string, unknown>).__metadata__ = { format: 'evil' };
    try {
      const file = readSafetensors(crafted('{}'));
      expect(Object.keys(file.metadata)).toEqual([]);
    } finally {
      delete (Object.prototype as Record<string, unknown>).__metadata__;
    }
  });

  test('random corruption of a real file only ever gives a FormatError', () => {
    const real = writeSafetensors(
      [
        { name: 'a', shape: [2, 3], data: new Float32Array(6).fill(1) },
        { name: 'b', shape: [4], data: new Float32Array(4).fill(2) },
      ],
      { format: 'pt' },
    );
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 500; trial++) {
      const bytes = real.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) {
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      }
      const cut = rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
      // codeOf rethrows anything that is not a FormatError.
      expect(typeof codeOf(() => readSafetensors(cut))).toBe('string');
    }
  });
});

describe('checkpoint metadata', () => {
  const corpus = tinyCorpus();
  const model = tinyModel(1, corpus);
  const train: TrainConfig = {
    seqLen: 4,
    batchSize: 2,
    seed: 1,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: DEFAULT_OPTIMIZER,
  };

  async function checkpointWith(edit: (meta: Record<string, string>) => void) {
    const params = seededParams(model);
    const snapshot: TrainingSnapshot = {
      model,
      train,
      vocab: corpus.vocab,
      params,
      ...emptyTrainingState(model, params, train.batchSize),
      batcher: { epoch: 0, window: 1, shift: 0, rng: { hi: 1, lo: 2 } },
      corpusSha256: await sha256Hex(corpus.text),
      extra: { runName: 'mine' },
    };
    const file = readSafetensors(saveCheckpoint(snapshot));
    const meta = { ...file.metadata };
    edit(meta);
    return writeSafetensors([...file.tensors.values()], meta);
  }

  test('"extra" keys such as __proto__ stay plain keys', async () => {
    const bytes = await checkpointWith((meta) => {
      meta.extra = '{"__proto__":"p","constructor":"c","runName":"r","history":7}';
    });
    const loaded = loadCheckpoint(bytes);
    expect(loaded.kind).toBe('checkpoint');
    const extra = loaded.kind === 'checkpoint' ? loaded.extra! : {};
    expect(Object.keys(extra).sort()).toEqual(['__proto__', 'constructor', 'runName']);
    expect(extra.toString).toBeUndefined();
  });

  test('the training configuration must be numbers, and nothing else travels on', async () => {
    const text = await checkpointWith((meta) => {
      const t = JSON.parse(meta.train) as Record<string, unknown>;
      meta.train = JSON.stringify({ ...t, optimizer: { ...DEFAULT_OPTIMIZER, beta1: '0.9' } });
    });
    expect(() => loadCheckpoint(text)).toThrow(
      /"train" metadata: beta1 must be a number ≥ 0 and < 1/,
    );

    const extraKeys = await checkpointWith((meta) => {
      meta.train = meta.train.replace(/^\{/, '{"__proto__":{"polluted":1},"evil":"x",');
    });
    const loaded = loadCheckpoint(extraKeys);
    expect(loaded.kind === 'checkpoint' && loaded.train).toEqual(train);
  });
});

describe('vocab.json', () => {
  const parse = (itos: string[]) => () => parseVocabJson(JSON.stringify({ itos }), 'vocab.json');

  test('refuses entries no text can hold, each with a clear message', () => {
    expect(parse(['a', '\u0000'])).toThrow(/entry 1 is NUL \(U\+0000\), which no text holds/);
    expect(parse(['\r', 'a'])).toThrow(/entry 0 is a carriage return .*LF line endings/);
    expect(parse(['a', '\ud800'])).toThrow(/entry 1 is a lone UTF-16 surrogate \(U\+D800\)/);
    expect(parse(['a', '\udfff'])).toThrow(/lone UTF-16 surrogate \(U\+DFFF\)/);
    expect(parse(['a', 'a'])).toThrow(/duplicate/);
    expect(parse(['a', 'bc'])).toThrow(/"bc", not one character/);
    for (const bad of [parse(['a', '\u0000']), parse(['a', '\ud800'])]) {
      expect(bad).toThrow(FormatError);
    }
    // Printable, astral and combining-free characters are fine.
    expect(parse(['\n', 'a', 'é', '🐈'])().size).toBe(4);
  });

  test('stoi must map to whole ids: "length" or "__proto__" tricks do not pass', () => {
    const text = (stoi: string) => `{"itos":["a","b"],"stoi":${stoi}}`;
    expect(() => parseVocabJson(text('{"a":0,"b":1}'))).not.toThrow();
    expect(() => parseVocabJson(text('{"a":0,"b":"1"}'))).toThrow(/disagrees/);
    expect(() => parseVocabJson(text('{"a":0,"__proto__":1}'))).toThrow(/disagrees/);
  });

  test('adopting refuses extra characters that print nothing or reorder text', () => {
    const corpus = Vocabulary.fromText('ab\n');
    for (const sneaky of ['\u202e', '\u2066', '\u001b', '\u0085', '\u007f']) {
      const itos = new Vocabulary([...'\nab', sneaky].map((c) => c.codePointAt(0)!)).itos;
      const file = parseVocabJson(JSON.stringify({ itos }));
      let error: unknown;
      try {
        checkVocabulary(file, corpus, 'model.safetensors');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FormatError);
      expect(error).not.toBeInstanceOf(VocabularyMismatchError); // never offered for adoption
      expect((error as Error).message).toMatch(/print nothing or reorder text \(U\+[0-9A-F]{4}\)/);
    }
    // A printable extra character is still adoptable.
    const printable = parseVocabJson(JSON.stringify({ itos: ['\n', 'a', 'b', 'z'] }));
    expect(() => checkVocabulary(printable, corpus)).toThrow(VocabularyMismatchError);
  });

  test("a corpus' own control characters round-trip (they are never extra)", () => {
    const own = buildCorpus('form\ffeed and \u202eoverride\tand\nnew lines').vocab;
    const file = parseVocabJson(JSON.stringify(own.toJSON()));
    expect(() => checkVocabulary(file, own)).not.toThrow();
  });
});

describe('shared links (URL hash)', () => {
  test('unknown keys are ignored and reported; __proto__ pollutes nothing', () => {
    const { config, ignored } = readHash(
      '#__proto__[polluted]=1&__proto__=x&constructor=y&H=32&zz=1',
      DEFAULT_RUN_CONFIG,
    );
    expect(config.model.hiddenSize).toBe(32);
    expect(ignored).toEqual([
      '__proto__[polluted]: not a setting',
      '__proto__: not a setting',
      'constructor: not a setting',
      'zz: not a setting',
    ]);
  });

  test('reported values are short and cannot reorder the page text', () => {
    const { ignored } = readHash(`#H=${'9'.repeat(5000)}&L=\u202e1&T=a\u0000b`, DEFAULT_RUN_CONFIG);
    expect(ignored[0]).toMatch(/^H=9{24}…: a whole number/);
    expect(ignored[1]).toBe('L=\\u202e1: a whole number from 1 to 8');
    expect(ignored[2]).toMatch(/^T=a\\u0000b: /);
    expect(ignored.join('').length).toBeLessThan(300);
  });

  test('a link with a thousand keys yields a bounded report', () => {
    const hash = '#' + Array.from({ length: 1000 }, (_, i) => `k${i}=1`).join('&');
    const { config, ignored } = readHash(hash, DEFAULT_RUN_CONFIG);
    expect(config).toEqual(DEFAULT_RUN_CONFIG);
    expect(ignored).toHaveLength(13);
    expect(ignored.at(-1)).toBe('and 988 more');
  });
});

describe('corpus text and identity', () => {
  test('lone surrogates are refused with a clear message, paired ones are characters', () => {
    expect(() => buildCorpus('abc\ud800def')).toThrow(CorpusError);
    expect(() => buildCorpus('abc\ud800def')).toThrow(
      /lone UTF-16 surrogate \(U\+D800 at character 3\): it is not valid Unicode text/,
    );
    expect(() => buildCorpus('ab\udfff')).toThrow(/U\+DFFF at character 2/);
    expect(() => buildCorpus('\udbff\udbff ab')).toThrow(/U\+DBFF at character 0/);
    expect(buildCorpus('a cat 🐈 ab').vocab.has('🐈')).toBe(true);
  });

  test("'a\\ud800' and 'a\\udfff' cannot share a hash: such texts are not hashed at all", async () => {
    await expect(sha256Hex('a\ud800')).rejects.toThrow(/lone UTF-16 surrogate/);
    await expect(sha256Hex('a\udfff')).rejects.toThrow(/lone UTF-16 surrogate/);
    // Distinct well-formed texts (including U+FFFD itself) hash apart.
    const hashes = await Promise.all(['a\ufffd', 'a\ud83d\udc08', 'a'].map((t) => sha256Hex(t)));
    expect(new Set(hashes).size).toBe(3);
  });

  test('a pasted U+FFFD is a character like any other', () => {
    const corpus = buildCorpus('a replacement \ufffd character, twice \ufffd.');
    expect(corpus.vocab.has('\ufffd')).toBe(true);
  });

  test('the UTF-8 check belongs to file reading: bad bytes refused, an encoded U+FFFD accepted', async () => {
    const file = (name: string, bytes: number[]) =>
      Object.assign(new Blob([new Uint8Array(bytes)]), { name });
    const noop = () => undefined;
    await expect(
      readCorpusFile(file('latin1.txt', [0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]), noop),
    ).rejects.toThrow(/latin1\.txt is not valid UTF-8 text/);
    const text = await readCorpusFile(file('ok.txt', [0x61, 0xef, 0xbf, 0xbd, 0x62]), noop);
    expect(text).toBe('a\ufffdb');
    expect(buildCorpus(text).vocab.size).toBe(3);
  });
});
