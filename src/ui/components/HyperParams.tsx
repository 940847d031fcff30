// The person's settings, one field per entry of the settings schema
// (engine/configSchema.ts) that has a URL key, in its order, with its label,
// hint and range. Live ones (learning rate, weight decay, clipping) apply at
// once; anything that needs a fresh model asks first (ConfirmDialog) once the
// model has trained.

import { useState } from 'react';
import type { EnumSetting, Setting } from '../../engine/configSchema';
import { PERSON_SETTINGS, readSetting, writeSetting } from '../../engine/settings';
import { dismissIgnoredSettings, proposeConfig, resetConfigToDefaults } from '../../store/actions';
import { useApp } from '../../store/app';
import type { RunConfig } from '../../worker/protocol';
import { formatCount } from '../format';
import { NumberField } from './NumberField';

function propose(setting: Setting, value: unknown): void {
  proposeConfig(writeSetting(useApp.getState().config, setting, value));
}

/** A choice among a few options (the backend) as a segmented radio group. */
function EnumChoice({ setting, config }: { setting: EnumSetting & Setting; config: RunConfig }) {
  const nameId = `${setting.key}-choice`;
  return (
    <div className="labelled wide" title={setting.hint}>
      <span id={nameId}>{setting.label}</span>
      <div className="segmented" role="radiogroup" aria-labelledby={nameId}>
        {setting.options.map((o) => (
          <label key={o.value}>
            <input
              type="radio"
              name={setting.key}
              value={o.value}
              checked={readSetting(config, setting) === o.value}
              onChange={() => propose(setting, o.value)}
            />
            {o.label}
          </label>
        ))}
      </div>
    </div>
  );
}

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
        {PERSON_SETTINGS.map((setting) =>
          setting.kind === 'enum' ? (
            <EnumChoice key={setting.key} setting={setting} config={config} />
          ) : (
            <NumberField
              key={setting.key}
              label={setting.label}
              hint={setting.hint}
              badge={setting.live && <span className="live">live</span>}
              value={readSetting(config, setting) as number}
              min={setting.min}
              max={setting.max}
              integer={setting.kind === 'integer'}
              onCommit={(v) => propose(setting, v)}
            />
          ),
        )}
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
