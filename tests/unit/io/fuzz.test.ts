// Fuzzing every reader with thousands of damaged and random files: each one
// must end in a valid parse or a FormatError — never another exception, never
// a hang. Mutations are seeded, so a failure replays exactly.

import { describe, expect, test } from 'vitest';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../../src/engine/config';
import { Rng } from '../../../src/engine/rng';
import { loadCheckpoint, saveCheckpoint } from '../../../src/io/checkpoint';
import { FormatError } from '../../../src/io/errors';
import { sha256Hex } from '../../../src/io/hash';
import { readSafetensors } from '../../../src/io/safetensors';
import { parseVocabJson } from '../../../src/io/vocabFile';
import { exportSafetensors, exportVocabJson, importWeights } from '../../../src/io/weights';
import { emptyTrainingState, seededParams, tinyCorpus, tinyModel } from '../../helpers/io';

const corpus = tinyCorpus();
const model = tinyModel(2, corpus);
const params = seededParams(model);
const weightsFile = exportSafetensors(model, params, corpus.vocab);

type Reader = (bytes: Uint8Array) => unknown;
const readers: Record<string, Reader> = {
  readSafetensors: (b) => readSafetensors(b),
  importWeights: (b) => importWeights(b, { corpusVocab: corpus.vocab }),
  loadCheckpoint: (b) => loadCheckpoint(b),
};

/** Tallies outcomes; any non-FormatError exception fails the test with the input that caused it. */
class Tally {
  parsed = 0;
  codes = new Map<string, number>();
  total = 0;

  run(read: Reader, bytes: Uint8Array, label: string): void {
    this.total++;
    try {
      read(bytes);
      this.parsed++;
    } catch (e) {
      if (!(e instanceof FormatError)) {
        throw new Error(`${label}: escaped ${String(e)} on ${bytes.length} bytes`, { cause: e });
      }
      this.codes.set(e.code, (this.codes.get(e.code) ?? 0) + 1);
    }
  }

  summary(): string {
    const codes = [...this.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
    return `${this.total} files: ${this.parsed} parsed; ${codes.join(', ')}`;
  }
}

function byteMutation(rng: Rng, src: Uint8Array): Uint8Array {
  const kind = rng.int(6);
  if (kind === 0) return src.subarray(0, rng.int(src.length)); // truncate
  const out = src.slice();
  if (kind === 1) {
    for (let n = 1 + rng.int(8); n > 0; n--) out[rng.int(out.length)] = rng.int(256); // flip bytes
    return out;
  }
  if (kind === 2) {
    // Damage the length prefix: small deltas, huge values, the high word.
    const view = new DataView(out.buffer);
    const choice = rng.int(3);
    if (choice === 0) view.setUint32(0, (view.getUint32(0, true) + rng.int(64) - 32) >>> 0, true);
    else if (choice === 1) view.setUint32(0, rng.nextU32(), true);
    else view.setUint32(4, rng.nextU32(), true);
    return out;
  }
  if (kind === 3) {
    // Flip a byte inside the JSON header, where the structure lives.
    const n = new DataView(out.buffer).getUint32(0, true);
    out[8 + rng.int(n)] = 32 + rng.int(95);
    return out;
  }
  if (kind === 4) {
    // Append or insert garbage.
    const extra = Uint8Array.from({ length: 1 + rng.int(40) }, () => rng.int(256));
    const at = rng.int(src.length + 1);
    const joined = new Uint8Array(src.length + extra.length);
    joined.set(src.subarray(0, at));
    joined.set(extra, at);
    joined.set(src.subarray(at), at + extra.length);
    return joined;
  }
  return Uint8Array.from({ length: rng.int(200) }, () => rng.int(256)); // pure noise
}

/** Parses the header, changes one field structurally, and writes a consistent length prefix. */
function headerMutation(rng: Rng, src: Uint8Array): Uint8Array {
  const n = new DataView(src.buffer, src.byteOffset).getUint32(0, true);
  // Header entries are mutated into arbitrary JSON on purpose, so they are loosely typed here.
  type Entry = { dtype: unknown; shape: unknown[]; data_offsets: number[] } & Record<
    string,
    unknown
  >;
  const header = JSON.parse(new TextDecoder().decode(src.subarray(8, 8 + n))) as Record<
    string,
    unknown
  >;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = names[rng.int(names.length)];
  const entry = header[name] as Entry;
  const meta = header.__metadata__ as Record<string, string>;
  const metaKeys = Object.keys(meta);
  const weird = [null, -1, 1.5, 'x', [], {}, 2 ** 53, 1e308, true, [1, 2, 3]];
  switch (rng.int(9)) {
    case 0:
      entry.dtype = ['F16', 'BF16', 'F64', 'I64', 'U8', 'f32', ''][rng.int(7)];
      break;
    case 1:
      entry.shape[rng.int(entry.shape.length + 1)] = weird[rng.int(weird.length)];
      break;
    case 2:
      entry.data_offsets[rng.int(2)] += rng.int(9) - 4;
      break;
    case 3:
      delete header[name];
      break;
    case 4:
      header[`${name}_copy`] = { ...entry };
      break;
    case 5:
      entry[['dtype', 'shape', 'data_offsets'][rng.int(3)]] = weird[rng.int(weird.length)];
      break;
    case 6: {
      // Damage a metadata string: truncate it or replace a character.
      const key = metaKeys[rng.int(metaKeys.length)];
      const s = meta[key];
      const at = rng.int(s.length + 1);
      meta[key] = rng.int(2)
        ? s.slice(0, at)
        : s.slice(0, at) + String.fromCharCode(rng.int(128)) + s.slice(at + 1);
      break;
    }
    case 7:
      meta[metaKeys[rng.int(metaKeys.length)]] = weird[rng.int(weird.length)] as unknown as string;
      break;
    default:
      header.__metadata__ = weird[rng.int(weird.length)];
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = src.subarray(8 + n);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('fuzz: every reader ends in a parse or a FormatError', () => {
  test('thousands of damaged weights files and checkpoints', async () => {
    const B = 2;
    const checkpointFile = saveCheckpoint({
      model,
      train: {
        seqLen: 4,
        batchSize: B,
        seed: 1,
        valFraction: 0.1,
        regularization: DEFAULT_REGULARIZATION,
        optimizer: {
          ...DEFAULT_OPTIMIZER,
          learningRate: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          weightDecay: 0,
          clipNorm: 1,
        },
      },
      vocab: corpus.vocab,
      params,
      ...emptyTrainingState(model, params, B),
      batcher: { epoch: 0, window: 1, shift: 0, rng: { hi: 1, lo: 2 } },
      corpusSha256: await sha256Hex(corpus.text),
    });
    const rng = new Rng(2024);
    const tally = new Tally();
    for (let k = 0; k < 4000; k++) {
      const src = k % 2 === 0 ? weightsFile : checkpointFile;
      const bytes = k % 3 === 0 ? headerMutation(rng, src) : byteMutation(rng, src);
      for (const [name, read] of Object.entries(readers)) tally.run(read, bytes, `${name} #${k}`);
    }
    // How long this takes depends on the machine: no bound on it here (a reader that hung
    // on some input would still fail, at the test's timeout).
    console.log(`fuzz readers: ${tally.summary()}`);
    expect(tally.total).toBe(12_000);
    // 'internal' would mean a reader hit something it did not foresee (wrapped, but a bug).
    expect(tally.codes.get('internal') ?? 0).toBe(0);
    // Most damage must be caught; a flipped byte inside float data is a valid (different) file.
    expect(tally.codes.size).toBeGreaterThanOrEqual(10);
  });

  test('thousands of damaged vocab.json texts', () => {
    const src = exportVocabJson(corpus.vocab);
    const rng = new Rng(7);
    const tally = new Tally();
    const read = (b: Uint8Array) => parseVocabJson(new TextDecoder().decode(b));
    const bytes = new TextEncoder().encode(src);
    for (let k = 0; k < 3000; k++) {
      const out = bytes.slice(0, k % 4 === 0 ? rng.int(bytes.length) : bytes.length);
      for (let n = rng.int(4); n > 0 && out.length > 0; n--)
        out[rng.int(out.length)] = 32 + rng.int(95);
      tally.run(read, out, `vocab #${k}`);
    }
    console.log(`fuzz vocab.json: ${tally.summary()}`);
    expect(tally.total).toBe(3000);
    expect(tally.codes.get('internal') ?? 0).toBe(0);
  });
});
