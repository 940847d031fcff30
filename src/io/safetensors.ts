// The safetensors container, read and written strictly: an 8-byte little-endian
// u64 header length N, N bytes of UTF-8 JSON (padded with spaces to a multiple
// of 8), then the raw little-endian row-major tensor bytes. Only F32 is
// accepted, because every tensor gatescope stores is float32; anything else
// is refused with a FormatError rather than silently converted.
//
// No maintained npm package writes safetensors; this file is small enough to
// read in full, and the tests hold it to PyTorch's expectations through the
// formats of the other tools.
//
// Public API:
//   writeSafetensors(tensors, metadata?) → Uint8Array
//   readSafetensors(bytes, { file?, maxHeaderBytes? }) → { tensors, metadata }
//     Nothing in the file is trusted before it is checked: the header length
//     against the cap and the file size before the header is decoded; every
//     entry's dtype, shape and offsets, and the offsets tiling the data
//     section exactly (so shape products match the bytes), before any tensor
//     is copied; keys are read as own properties only.
//     throws FormatError (codes: truncated, header-too-large, header-not-json,
//     header-invalid, bad-offsets, unsupported-dtype, metadata-invalid)

import { FormatError, guarded } from './errors';

export interface NamedTensor {
  name: string;
  /** Row-major dimensions; [] for a scalar. */
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** Tensors in ascending order of their data offsets. */
  tensors: Map<string, NamedTensor>;
  /** The `__metadata__` map (string → string); empty when absent. */
  metadata: Record<string, string>;
}

/** Cap on the JSON header: a header larger than this is a damaged or hostile file. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const METADATA_KEY = '__metadata__';

export function writeSafetensors(
  tensors: NamedTensor[],
  metadata: Record<string, string> = {},
): Uint8Array {
  // No prototype, so names like "__proto__" or "constructor" are plain keys.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY || Object.hasOwn(header, t.name)) {
      throw new Error(`tensor name ${JSON.stringify(t.name)} is reserved or repeated`);
    }
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) {
      throw new Error(`tensor ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned (the format's own convention).
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withPad = new Uint8Array(padded).fill(0x20);
    withPad.set(json);
    json = withPad;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    // Float32Array is little-endian on every platform a browser runs on; copy its bytes.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export interface ReadOptions {
  /** Name of the file, for messages. */
  file?: string;
  maxHeaderBytes?: number;
}

export function readSafetensors(bytes: Uint8Array, options: ReadOptions = {}): SafetensorsFile {
  const { file } = options;
  return guarded(file, () => parse(bytes, options.maxHeaderBytes ?? MAX_HEADER_BYTES, file));
}

interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

function parse(bytes: Uint8Array, maxHeader: number, file: string | undefined): SafetensorsFile {
  const fail = (code: ConstructorParameters<typeof FormatError>[0], msg: string) =>
    new FormatError(code, msg, file);
  if (bytes.length < 8) {
    throw fail(
      'truncated',
      `the file has ${bytes.length} bytes, fewer than the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > maxHeader) {
    throw fail(
      'header-too-large',
      `the header claims ${headerLen} bytes, above the ${maxHeader}-byte limit: not a safetensors file?`,
    );
  }
  if (8 + headerLen > bytes.length) {
    throw fail(
      'header-too-large',
      `the header claims ${headerLen} bytes but only ${bytes.length - 8} follow: the file is truncated or not safetensors`,
    );
  }
  if (headerLen < 2 || bytes[8] !== 0x7b /* { */) {
    throw fail('header-not-json', 'the header does not start with "{": not a safetensors file');
  }
  let header: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch {
    throw fail('header-not-json', 'the header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail('header-not-json', 'the header is not a JSON object');
  }
  // JSON.parse keeps the last of two equal keys; the format allows only one.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    throw fail('header-invalid', `the header names tensor ${duplicate} twice`);
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  // Own keys only: JSON.parse makes "__proto__" an own key, and no inherited name is a tensor.
  const fields = header as Record<string, unknown>;
  const metadata = readMetadata(
    Object.hasOwn(fields, METADATA_KEY) ? fields[METADATA_KEY] : undefined,
    fail,
  );
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) continue;
    entries.push(readEntry(name, raw, fail));
  }

  // Sorted by start, the ranges must tile [0, dataLen) exactly: no overlap, no gap, no tail.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) {
      throw fail(
        'bad-offsets',
        e.begin < expected
          ? `tensor ${e.name} overlaps the previous tensor (starts at byte ${e.begin}, expected ${expected})`
          : `there is a gap of ${e.begin - expected} bytes before tensor ${e.name}`,
      );
    }
    if (e.end > dataLen) {
      throw fail(
        'truncated',
        `tensor ${e.name} ends at byte ${e.end} but the data section has ${dataLen}: the file is truncated`,
      );
    }
    expected = e.end;
  }
  if (expected !== dataLen) {
    throw fail(
      expected < dataLen ? 'bad-offsets' : 'truncated',
      `the tensors cover ${expected} bytes but the data section has ${dataLen}`,
    );
  }

  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    // Copy: the data may sit at an offset that is not 4-byte aligned in `bytes`.
    const copy = bytes.slice(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { name: e.name, shape: e.shape, data: new Float32Array(copy.buffer) });
  }
  return { tensors, metadata };
}

function readEntry(
  name: string,
  raw: unknown,
  fail: (code: 'header-invalid' | 'unsupported-dtype' | 'bad-offsets', msg: string) => Error,
): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('header-invalid', `entry ${JSON.stringify(name)} is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') {
    throw fail('header-invalid', `tensor ${name} has no dtype`);
  }
  if (dtype !== 'F32') {
    throw fail('unsupported-dtype', `tensor ${name} is ${dtype}; only F32 (float32) is supported`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail('header-invalid', `tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(
      'header-invalid',
      `tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw fail('bad-offsets', `tensor ${name} ends (${end}) before it begins (${begin})`);
  }
  let count = 1;
  for (const d of shape as number[]) count *= d;
  if (count * 4 !== end - begin) {
    throw fail(
      'bad-offsets',
      `tensor ${name} of shape [${shape}] needs ${count * 4} bytes but its offsets span ${end - begin}`,
    );
  }
  return { name, shape: [...(shape as number[])], begin, end };
}

function readMetadata(
  raw: unknown,
  fail: (code: 'metadata-invalid', msg: string) => Error,
): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('metadata-invalid', '__metadata__ is not a map of strings');
  }
  // No prototype: a key such as "__proto__" or "constructor" is stored as itself, and a
  // lookup of a key the file lacks finds nothing inherited.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw fail('metadata-invalid', `__metadata__.${JSON.stringify(k)} is not a string`);
    }
    out[k] = v;
  }
  return out;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * The first key that appears twice at the top level of a JSON object text
 * (already known to parse), or null. A small scanner: strings (with their
 * escapes) are skipped whole, and a string at depth 1 followed by ':' is a key.
 */
function firstDuplicateKey(json: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let k = 0; k < json.length; k++) {
    const ch = json[k];
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === '"') {
      const start = k;
      for (k++; json[k] !== '"'; k++) if (json[k] === '\\') k++;
      if (depth !== 1) continue;
      let next = k + 1;
      while (/\s/.test(json[next] ?? '')) next++;
      if (json[next] !== ':') continue;
      const key = JSON.parse(json.slice(start, k + 1)) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    }
  }
  return null;
}
