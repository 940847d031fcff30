// The run configuration (hyperparameters, seed, backend) as a URL hash, so a
// configuration is a shareable link. The corpus never goes into the URL.
//
// A link is written by anyone, so reading one trusts nothing: only the known
// keys are read (through URLSearchParams and a fixed field list, never as
// object keys, so "__proto__" is just an unknown key), every value is range
// checked, and whatever is ignored is reported; the report quotes at most a
// few characters of each value, with control and bidirectional-override
// characters escaped, so a link cannot make the page show text it chose.

import { RANGES } from '../engine/config';
import type { BackendPreference, RunConfig } from '../worker/protocol';

type NumericField = {
  key: string;
  get(c: RunConfig): number;
  set(c: RunConfig, v: number): RunConfig;
  range: readonly [number, number];
  integer: boolean;
};

const FIELDS: NumericField[] = [
  {
    key: 'E',
    get: (c) => c.model.embedSize,
    set: (c, v) => ({ ...c, model: { ...c.model, embedSize: v } }),
    range: RANGES.embedSize,
    integer: true,
  },
  {
    key: 'H',
    get: (c) => c.model.hiddenSize,
    set: (c, v) => ({ ...c, model: { ...c.model, hiddenSize: v } }),
    range: RANGES.hiddenSize,
    integer: true,
  },
  {
    key: 'L',
    get: (c) => c.model.layers,
    set: (c, v) => ({ ...c, model: { ...c.model, layers: v } }),
    range: RANGES.layers,
    integer: true,
  },
  {
    key: 'T',
    get: (c) => c.train.seqLen,
    set: (c, v) => ({ ...c, train: { ...c.train, seqLen: v } }),
    range: RANGES.seqLen,
    integer: true,
  },
  {
    key: 'B',
    get: (c) => c.train.batchSize,
    set: (c, v) => ({ ...c, train: { ...c.train, batchSize: v } }),
    range: RANGES.batchSize,
    integer: true,
  },
  {
    key: 'lr',
    get: (c) => c.train.optimizer.learningRate,
    set: (c, v) => ({
      ...c,
      train: { ...c.train, optimizer: { ...c.train.optimizer, learningRate: v } },
    }),
    range: RANGES.learningRate,
    integer: false,
  },
  {
    key: 'wd',
    get: (c) => c.train.optimizer.weightDecay,
    set: (c, v) => ({
      ...c,
      train: { ...c.train, optimizer: { ...c.train.optimizer, weightDecay: v } },
    }),
    range: RANGES.weightDecay,
    integer: false,
  },
  {
    key: 'clip',
    get: (c) => c.train.optimizer.clipNorm,
    set: (c, v) => ({
      ...c,
      train: { ...c.train, optimizer: { ...c.train.optimizer, clipNorm: v } },
    }),
    range: RANGES.clipNorm,
    integer: false,
  },
  {
    key: 'seed',
    get: (c) => c.train.seed,
    set: (c, v) => ({ ...c, train: { ...c.train, seed: v } }),
    range: [0, 0xffffffff],
    integer: true,
  },
];

const BACKENDS: BackendPreference[] = ['auto', 'webgpu', 'cpu'];
const KNOWN_KEYS = new Set([...FIELDS.map((f) => f.key), 'backend']);
/** Characters of a key or value quoted in a report, and how many reports at most. */
const SHOWN_CHARS = 24;
const MAX_REPORTS = 12;

/** Control, direction-mark and bidirectional-override characters, and lone surrogates. */
function isInvisible(c: string): boolean {
  const u = c.charCodeAt(0);
  return (
    u < 0x20 ||
    (u >= 0x7f && u <= 0x9f) ||
    u === 0x200e ||
    u === 0x200f ||
    (u >= 0x202a && u <= 0x202e) ||
    (u >= 0x2066 && u <= 0x2069) ||
    (c.length === 1 && u >= 0xd800 && u <= 0xdfff)
  );
}

function hex4(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(4, '0');
}

/** `text` as a report may quote it: short, with invisible or reordering characters escaped. */
function shown(text: string): string {
  const chars = [...text];
  const cut = chars.slice(0, SHOWN_CHARS).join('') + (chars.length > SHOWN_CHARS ? '…' : '');
  return Array.from(cut, (c) => (isInvisible(c) ? `\\u${hex4(c)}` : c)).join('');
}

export function encodeHash(config: RunConfig): string {
  const params = new URLSearchParams();
  for (const f of FIELDS) params.set(f.key, String(f.get(config)));
  params.set('backend', config.backend);
  return '#' + params.toString();
}

/** Applies whatever valid fields the hash holds; anything malformed keeps the default. */
export function decodeHash(hash: string, defaults: RunConfig): RunConfig {
  return readHash(hash, defaults).config;
}

/**
 * The configuration a hash describes, and the settings of it that were
 * ignored, each saying why ("H=abc: a whole number from 1 to 2048"), so a
 * mistyped link does not fail silently.
 */
export function readHash(
  hash: string,
  defaults: RunConfig,
): { config: RunConfig; ignored: string[] } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  let config = defaults;
  const ignored: string[] = [];
  for (const f of FIELDS) {
    const raw = params.get(f.key);
    if (raw === null) continue;
    const value = raw.trim() === '' ? NaN : Number(raw);
    const [lo, hi] = f.range;
    if (
      !Number.isFinite(value) ||
      value < lo ||
      value > hi ||
      (f.integer && !Number.isInteger(value))
    ) {
      ignored.push(
        `${f.key}=${shown(raw)}: ${f.integer ? 'a whole number' : 'a number'} from ${lo} to ${hi}`,
      );
      continue;
    }
    config = f.set(config, value);
  }
  const backend = params.get('backend');
  if (backend !== null) {
    if ((BACKENDS as string[]).includes(backend))
      config = { ...config, backend: backend as BackendPreference };
    else ignored.push(`backend=${shown(backend)}: one of ${BACKENDS.join(', ')}`);
  }
  const unknown = [...new Set(params.keys())].filter((key) => !KNOWN_KEYS.has(key));
  for (const key of unknown) ignored.push(`${shown(key)}: not a setting`);
  if (ignored.length > MAX_REPORTS) {
    const more = ignored.length - MAX_REPORTS;
    ignored.splice(MAX_REPORTS, more, `and ${more} more`);
  }
  return { config, ignored };
}

/** Puts `config` in the address bar without adding a history entry per tweak. */
export function writeHash(config: RunConfig): void {
  if (typeof history === 'undefined') return;
  history.replaceState(null, '', encodeHash(config));
}
