// Hyperparameters, within the ranges of engine/config.ts. Learning rate, weight
// decay and clipping apply live; anything that changes the model asks first
// (ConfirmDialog) once the model has trained.

import { useState } from 'react';
import { RANGES } from '../../engine/config';
import type { BackendPreference, RunConfig } from '../../worker/protocol';
import { dismissIgnoredSettings, proposeConfig, resetConfigToDefaults } from '../../store/actions';
import { useApp } from '../../store/app';
import { formatCount } from '../format';
import { NumberField } from './NumberField';

interface FieldSpec {
  label: string;
  live?: boolean;
  range: readonly [number, number];
  integer: boolean;
  get(c: RunConfig): number;
  set(c: RunConfig, v: number): RunConfig;
}

const withOptimizer = (
  c: RunConfig,
  patch: Partial<RunConfig['train']['optimizer']>,
): RunConfig => ({
  ...c,
  train: { ...c.train, optimizer: { ...c.train.optimizer, ...patch } },
});

const FIELDS: FieldSpec[] = [
  {
    label: 'Embedding E',
    range: RANGES.embedSize,
    integer: true,
    get: (c) => c.model.embedSize,
    set: (c, v) => ({ ...c, model: { ...c.model, embedSize: v } }),
  },
  {
    label: 'Hidden H',
    range: RANGES.hiddenSize,
    integer: true,
    get: (c) => c.model.hiddenSize,
    set: (c, v) => ({ ...c, model: { ...c.model, hiddenSize: v } }),
  },
  {
    label: 'Layers L',
    range: RANGES.layers,
    integer: true,
    get: (c) => c.model.layers,
    set: (c, v) => ({ ...c, model: { ...c.model, layers: v } }),
  },
  {
    label: 'Window T',
    range: RANGES.seqLen,
    integer: true,
    get: (c) => c.train.seqLen,
    set: (c, v) => ({ ...c, train: { ...c.train, seqLen: v } }),
  },
  {
    label: 'Batch B',
    range: RANGES.batchSize,
    integer: true,
    get: (c) => c.train.batchSize,
    set: (c, v) => ({ ...c, train: { ...c.train, batchSize: v } }),
  },
  {
    label: 'Seed',
    range: [0, 0xffffffff],
    integer: true,
    get: (c) => c.train.seed,
    set: (c, v) => ({ ...c, train: { ...c.train, seed: v } }),
  },
  {
    label: 'Learning rate',
    live: true,
    range: RANGES.learningRate,
    integer: false,
    get: (c) => c.train.optimizer.learningRate,
    set: (c, v) => withOptimizer(c, { learningRate: v }),
  },
  {
    label: 'Weight decay',
    live: true,
    range: RANGES.weightDecay,
    integer: false,
    get: (c) => c.train.optimizer.weightDecay,
    set: (c, v) => withOptimizer(c, { weightDecay: v }),
  },
  {
    label: 'Gradient clip',
    live: true,
    range: RANGES.clipNorm,
    integer: false,
    get: (c) => c.train.optimizer.clipNorm,
    set: (c, v) => withOptimizer(c, { clipNorm: v }),
  },
];

const BACKENDS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'cpu', label: 'CPU' },
];

/** The settings live in the URL hash: copying the address shares the configuration. */
function CopyLink() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn small"
      title="Copy a link to this configuration (the corpus is not included)"
      aria-label="Copy a link to these settings"
      onClick={() => {
        navigator.clipboard?.writeText(location.href).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : 'Share'}
    </button>
  );
}

export function HyperParams() {
  const config = useApp((s) => s.config);
  const revision = useApp((s) => s.configRevision);
  const ignored = useApp((s) => s.ignoredSettings);
  const parameters = useApp((s) => s.parameters);
  const device = useApp((s) => s.device);

  return (
    <section className="panel" aria-labelledby="params-title">
      <header>
        <h2 id="params-title">Model &amp; training</h2>
        <span className="spacer" />
        <CopyLink />
        <button type="button" className="btn small" onClick={resetConfigToDefaults}>
          Defaults
        </button>
      </header>
      {ignored.length > 0 && (
        <div className="note warn" role="status" aria-label="Ignored link settings">
          <span>
            The link&apos;s {ignored.length === 1 ? 'setting' : 'settings'} {ignored.join('; ')}{' '}
            {ignored.length === 1 ? 'was' : 'were'} not understood, so the default is used.
          </span>
          <button type="button" className="btn small" onClick={dismissIgnoredSettings}>
            Dismiss
          </button>
        </div>
      )}
      <div className="params" key={revision}>
        {FIELDS.map((f) => (
          <NumberField
            key={f.label}
            label={f.label}
            badge={f.live && <span className="live">live</span>}
            value={f.get(config)}
            min={f.range[0]}
            max={f.range[1]}
            integer={f.integer}
            onCommit={(v) => proposeConfig(f.set(useApp.getState().config, v))}
          />
        ))}
        <div className="labelled wide">
          <span id="backend-choice">Backend</span>
          <div className="segmented" role="radiogroup" aria-labelledby="backend-choice">
            {BACKENDS.map((b) => (
              <label key={b.value}>
                <input
                  type="radio"
                  name="backend"
                  value={b.value}
                  checked={config.backend === b.value}
                  onChange={() => proposeConfig({ ...useApp.getState().config, backend: b.value })}
                />
                {b.label}
              </label>
            ))}
          </div>
        </div>
      </div>
      <p className="model-size">
        {parameters > 0 && <>{formatCount(parameters)} parameters · </>}
        <output aria-label="WebGPU detection">
          {device === null
            ? 'looking for WebGPU…'
            : device.webgpu
              ? `WebGPU adapter: ${device.adapterName}`
              : `no WebGPU: ${device.reason}`}
        </output>
      </p>
    </section>
  );
}
