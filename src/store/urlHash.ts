// The run configuration (hyperparameters, seed, backend) as a URL hash, so a
// configuration is a shareable link. The corpus never goes into the URL.

import { RANGES } from '../engine/config';
import type { BackendPreference, RunConfig } from '../engine/protocol';

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
        `${f.key}=${raw}: ${f.integer ? 'a whole number' : 'a number'} from ${lo} to ${hi}`,
      );
      continue;
    }
    config = f.set(config, value);
  }
  const backend = params.get('backend');
  if (backend !== null) {
    if ((BACKENDS as string[]).includes(backend))
      config = { ...config, backend: backend as BackendPreference };
    else ignored.push(`backend=${backend}: one of ${BACKENDS.join(', ')}`);
  }
  return { config, ignored };
}

/** Puts `config` in the address bar without adding a history entry per tweak. */
export function writeHash(config: RunConfig): void {
  if (typeof history === 'undefined') return;
  history.replaceState(null, '', encodeHash(config));
}
