// The safetensors container: round trip, the layout rules of the format, and
// one test per way a file can be broken, each ending in its own error code.

import { describe, expect, test } from 'vitest';
import type { FormatErrorCode } from '../../../src/io/errors';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors';
import { codeOf } from '../../helpers/io';

const a = { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
const b = { name: 'b', shape: [4], data: Float32Array.from([-1, 0.5, 1e-30, 3e38]) };

/** A file from a raw header object and a data section, as another writer might produce. */
function rawFile(header: unknown, data: Uint8Array, headerText?: string | Uint8Array): Uint8Array {
  const json =
    headerText instanceof Uint8Array
      ? headerText
      : new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('writeSafetensors / readSafetensors', () => {
  test('round trip keeps names, shapes, bits and metadata', () => {
    const bytes = writeSafetensors([a, b], { vocab: '{"x":1}', note: 'héllo ✓' });
    const file = readSafetensors(bytes);
    expect([...file.tensors.keys()]).toEqual(['a', 'b']);
    expect(file.tensors.get('a')!.shape).toEqual([2, 3]);
    expect(file.tensors.get('a')!.data).toEqual(a.data);
    expect(file.tensors.get('b')!.data).toEqual(b.data);
    expect(file.metadata).toEqual({ vocab: '{"x":1}', note: 'héllo ✓' });
  });

  test('layout: u64 LE length, JSON padded with spaces to 8 bytes, F32 contiguous offsets', () => {
    const bytes = writeSafetensors([a, b], { k: 'v' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith('{')).toBe(true);
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    const header = JSON.parse(text);
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [4], data_offsets: [24, 40] });
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(bytes.length).toBe(8 + n + 40);
  });

  test('reads files from other writers: unpadded header, entries out of order, scalar and empty tensors', () => {
    const data = new Uint8Array(new Float32Array([7, 8, 9]).buffer);
    const file = readSafetensors(
      rawFile(
        {
          z: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          s: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
          e: { dtype: 'F32', shape: [0, 3], data_offsets: [12, 12] },
        },
        data,
      ),
    );
    expect(file.tensors.get('s')!.data).toEqual(Float32Array.from([7]));
    expect(file.tensors.get('z')!.data).toEqual(Float32Array.from([8, 9]));
    expect(file.tensors.get('e')!.data.length).toBe(0);
    expect(file.metadata).toEqual({});
  });

  test('names like __proto__ and constructor are plain tensor names', () => {
    const bytes = writeSafetensors([
      { ...a, name: '__proto__' },
      { ...b, name: 'constructor' },
    ]);
    const file = readSafetensors(bytes);
    expect(file.tensors.get('__proto__')!.data).toEqual(a.data);
    expect(file.tensors.get('constructor')!.data).toEqual(b.data);
  });
});

describe('readSafetensors rejects broken files with a code and a message', () => {
  const good = writeSafetensors([a, b], { k: 'v' });
  const data40 = good.subarray(good.length - 40);
  const cases: [string, () => Uint8Array, FormatErrorCode][] = [
    ['empty file', () => new Uint8Array(0), 'truncated'],
    ['shorter than the length prefix', () => good.subarray(0, 5), 'truncated'],
    ['data cut short', () => good.subarray(0, good.length - 3), 'truncated'],
    ['header cut short', () => good.subarray(0, 20), 'header-too-large'],
    [
      'header length beyond the file',
      () => {
        const x = good.slice();
        new DataView(x.buffer).setUint32(0, 1_000_000, true);
        return x;
      },
      'header-too-large',
    ],
    [
      'header length above the cap (high word set)',
      () => {
        const x = good.slice();
        new DataView(x.buffer).setUint32(4, 1, true);
        return x;
      },
      'header-too-large',
    ],
    ['header not JSON', () => rawFile(null, data40, '{"a": nope}'), 'header-not-json'],
    ['header a JSON array', () => rawFile(null, data40, '[1,2]'), 'header-not-json'],
    [
      'header not UTF-8 (a lone 0xFF byte inside a key)',
      () =>
        rawFile(null, data40, Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x7b, 0x7d, 0x7d])),
      'header-not-json',
    ],
    ['entry not an object', () => rawFile({ a: 3 }, data40), 'header-invalid'],
    [
      'entry without dtype',
      () => rawFile({ a: { shape: [10], data_offsets: [0, 40] } }, data40),
      'header-invalid',
    ],
    [
      'negative dimension',
      () => rawFile({ a: { dtype: 'F32', shape: [-10], data_offsets: [0, 40] } }, data40),
      'header-invalid',
    ],
    [
      'fractional offset',
      () => rawFile({ a: { dtype: 'F32', shape: [10], data_offsets: [0, 39.5] } }, data40),
      'header-invalid',
    ],
    [
      'dtype F16',
      () => rawFile({ a: { dtype: 'F16', shape: [20], data_offsets: [0, 40] } }, data40),
      'unsupported-dtype',
    ],
    [
      'dtype BF16',
      () => rawFile({ a: { dtype: 'BF16', shape: [20], data_offsets: [0, 40] } }, data40),
      'unsupported-dtype',
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          {
            a: { dtype: 'F32', shape: [6], data_offsets: [0, 24] },
            b: { dtype: 'F32', shape: [6], data_offsets: [16, 40] },
          },
          data40,
        ),
      'bad-offsets',
    ],
    [
      // The same offsets twice: JSON.parse alone would keep one and see a perfect tiling.
      'a tensor named twice',
      () =>
        rawFile(
          null,
          new Uint8Array(16),
          '{"__metadata__":{"note":"\\"a\\":"},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},' +
            ' "a" :{"dtype":"F32","shape":[4],"data_offsets":[0,16]},' +
            '"b\\"":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}}',
        ),
      'header-invalid',
    ],
    [
      'a gap between tensors',
      () =>
        rawFile(
          {
            a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
            b: { dtype: 'F32', shape: [4], data_offsets: [24, 40] },
          },
          data40,
        ),
      'bad-offsets',
    ],
    [
      'trailing bytes no tensor owns',
      () => rawFile({ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, data40),
      'bad-offsets',
    ],
    [
      'offsets past the end',
      () => rawFile({ a: { dtype: 'F32', shape: [12], data_offsets: [0, 48] } }, data40),
      'truncated',
    ],
    [
      'shape disagrees with the byte span',
      () => rawFile({ a: { dtype: 'F32', shape: [3, 3], data_offsets: [0, 40] } }, data40),
      'bad-offsets',
    ],
    [
      'end before begin',
      () => rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [40, 0] } }, data40),
      'bad-offsets',
    ],
    [
      'metadata not a string map',
      () =>
        rawFile(
          { __metadata__: { n: 3 }, a: { dtype: 'F32', shape: [10], data_offsets: [0, 40] } },
          data40,
        ),
      'metadata-invalid',
    ],
  ];
  test.each(cases)('%s', (_name, make, code) => {
    expect(codeOf(() => readSafetensors(make(), { file: 'x.safetensors' }))).toBe(code);
  });

  test('an oversized header is refused before it is decoded', () => {
    const x = good.slice();
    new DataView(x.buffer).setUint32(0, 200 * 1024 * 1024, true);
    expect(() => readSafetensors(x)).toThrow(/limit/);
    expect(codeOf(() => readSafetensors(good, { maxHeaderBytes: 16 }))).toBe('header-too-large');
  });

  test('messages name the file and the tensor', () => {
    const bad = rawFile({ weight: { dtype: 'I64', shape: [5], data_offsets: [0, 40] } }, data40);
    expect(() => readSafetensors(bad, { file: 'model.safetensors' })).toThrow(
      'model.safetensors: tensor weight is I64; only F32 (float32) is supported',
    );
  });
});
