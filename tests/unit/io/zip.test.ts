// The zip of a multi-file export and the reader of a chosen zip: a round
// trip byte for byte (weights STOREd, text deflated), and a damaged archive,
// a non-zip, an entry name that climbs out, and a zip bomb, each refused with
// a FormatError that says so.

import { unzipSync, zipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { FormatError } from '../../../src/io/errors';
import { unzipFiles, zipFiles, ZIP_MIME } from '../../../src/io/zip';
import { codeOf } from '../../helpers/io';

const text = (s: string) => new TextEncoder().encode(s);
/** Seeded float32 noise: bytes that, like trained weights, barely compress. */
function weights(n: number): Uint8Array {
  const out = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x / 2 ** 32 - 0.5) * 0.2;
  }
  return new Uint8Array(out.buffer);
}

const files = [
  { name: 'model.safetensors', mimeType: 'application/octet-stream', bytes: weights(4096) },
  {
    name: 'vocab.json',
    mimeType: 'application/json',
    bytes: text('{"itos":["a","b"]}'.repeat(40)),
  },
  { name: 'README.md', mimeType: 'text/markdown', bytes: text('# Ünïcödé 🐈\n'.repeat(50)) },
];

/** The FormatError message `read` throws. */
function messageOf(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('zipFiles / unzipFiles', () => {
  test('round trip: names, order and bytes; weights stored, text deflated', () => {
    const zip = zipFiles('gatescope-lstm-h7-l1-step3-pytorch', files);
    expect(zip.name).toBe('gatescope-lstm-h7-l1-step3-pytorch.zip');
    expect(zip.mimeType).toBe(ZIP_MIME);
    const back = unzipFiles(zip.bytes);
    expect(back.map((f) => f.name)).toEqual(files.map((f) => f.name));
    back.forEach((f, k) => expect(f.bytes).toEqual(files[k].bytes));

    // fflate's own reader says how each entry was written.
    const methods: Record<string, number> = {};
    unzipSync(zip.bytes, { filter: (f) => ((methods[f.name] = f.compression), false) });
    expect(methods).toEqual({ 'model.safetensors': 0, 'vocab.json': 8, 'README.md': 8 });
  });

  test('folders and macOS resource forks are skipped; nested names kept', () => {
    const zip = zipSync({
      'export/': new Uint8Array(0),
      'export/model.safetensors': files[0].bytes,
      '__MACOSX/export/._model.safetensors': text('fork'),
    });
    expect(unzipFiles(zip).map((f) => f.name)).toEqual(['export/model.safetensors']);
  });

  test('a file that is not a zip, or a damaged one, is refused', () => {
    expect(codeOf(() => unzipFiles(text('hello, not a zip at all'), { file: 'x.zip' }))).toBe(
      'archive-invalid',
    );
    expect(messageOf(() => unzipFiles(files[0].bytes, { file: 'x.zip' }))).toBe(
      'x.zip: this is not a zip archive',
    );
    const zip = zipFiles('m', files).bytes;
    // Cut: the end-of-archive record is gone.
    expect(messageOf(() => unzipFiles(zip.subarray(0, zip.length - 30)))).toMatch(
      /^the archive is damaged/,
    );
    // A broken deflate stream inside an entry (vocab.json is deflated).
    const broken = zip.slice();
    const at = findBytes(broken, text('vocab.json')) + 'vocab.json'.length;
    for (let i = at; i < at + 12; i++) broken[i] = 0xff;
    expect(messageOf(() => unzipFiles(broken))).toMatch(/^the archive is damaged/);
  });

  test('entry names that leave the archive are refused, on both sides', () => {
    for (const name of ['../evil.sh', 'a/../../evil', '/etc/passwd', 'C:/x', 'a\\b', './x']) {
      const zip = zipSync({ [name]: text('x') });
      expect(messageOf(() => unzipFiles(zip, { file: 'bad.zip' }))).toBe(
        `bad.zip: the entry name ${JSON.stringify(name)} is not a plain relative path inside the archive`,
      );
      expect(() => zipFiles('m', [{ name, mimeType: 'text/plain', bytes: text('x') }])).toThrow(
        FormatError,
      );
    }
  });

  test('a zip bomb: the declared total above the cap is refused before anything expands', () => {
    // 8 MiB of zeros deflates to a few KiB.
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const bomb = zipSync({ 'a.bin': zeros, 'b.bin': zeros }, { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(unzipFiles(bomb, { maxBytes: 16 * 1024 * 1024 }).map((f) => f.bytes.length)).toEqual([
      zeros.length,
      zeros.length,
    ]);
    expect(messageOf(() => unzipFiles(bomb, { maxBytes: 12 * 1024 * 1024, file: 'b.zip' }))).toBe(
      'b.zip: the archive expands to more than 12 MiB (a zip bomb, or not a model export)',
    );
  });

  test('a zip that understates its sizes expands no further than it declares', () => {
    const data = new Uint8Array(1 << 20).fill(7);
    const zip = zipSync({ 'a.bin': [data, { level: 6 }] });
    // Declare 100 bytes in the local header and in the central directory.
    const view = new DataView(zip.buffer);
    view.setUint32(22, 100, true);
    const central = findBytes(zip, Uint8Array.of(0x50, 0x4b, 1, 2));
    view.setUint32(central + 24, 100, true);
    // The cap counts declared sizes, and no more than those are ever written: the
    // cut entry then fails its own reader (a safetensors file that ends too soon).
    const [entry] = unzipFiles(zip, { maxBytes: 1000 });
    expect(entry.bytes.length).toBe(100);
  });

  test('two files of one name cannot be zipped', () => {
    expect(() => zipFiles('m', [files[1], files[1]])).toThrow(/two files named vocab.json/);
  });
});

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
