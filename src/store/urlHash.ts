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
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  let config = defaults;
  for (const f of FIELDS) {
    const raw = params.get(f.key);
    if (raw === null || raw.trim() === '') continue;
    const value = Number(raw);
    const [lo, hi] = f.range;
    if (!Number.isFinite(value) || value < lo || value > hi) continue;
    if (f.integer && !Number.isInteger(value)) continue;
    config = f.set(config, value);
  }
  const backend = params.get('backend') as BackendPreference | null;
  if (backend && BACKENDS.includes(backend)) config = { ...config, backend };
  return config;
}

/** Puts `config` in the address bar without adding a history entry per tweak. */
export function writeHash(config: RunConfig): void {
  if (typeof history === 'undefined') return;
  history.replaceState(null, '', encodeHash(config));
}
