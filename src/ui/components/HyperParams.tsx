// The person's settings, one field per entry of the settings schema
// (engine/configSchema.ts) that has a URL key, with its label, hint and range,
// in sections read from the schema (ui/settingsLayout.ts): Model, Training,
// Optimizer & schedule, Regularisation, and a collapsed Advanced part. A
// setting that matters only for some values of another (the schedule's
// warm-up, the dropout masks) is drawn under it while it matters. Live ones
// apply at once (the worker's setLive); anything that needs a fresh model asks
// first (ConfirmDialog) once the model has trained.

import { useState, type ReactNode } from 'react';
import type { EnumSetting, Setting } from '../../engine/configSchema';
import { liveSettingsOf, readSetting, writeSetting } from '../../engine/settings';
import { dismissIgnoredSettings, proposeConfig, resetConfigToDefaults } from '../../store/actions';
import { useApp } from '../../store/app';
import type { RunConfig } from '../../worker/protocol';
import { formatCount } from '../format';
import {
  ADVANCED_SETTINGS,
  isShown,
  SECTIONS,
  type PanelEntry,
  type PersonSetting,
} from '../settingsLayout';
import { NumberField } from './NumberField';
import { ScheduleReadout } from './ScheduleReadout';

function propose(setting: Setting, value: unknown): void {
  proposeConfig(writeSetting(useApp.getState().config, setting, value));
}

/** A choice among a few options (the backend; the task picker's task) as a segmented radio group. */
export function EnumChoice({
  setting,
  config,
  badge,
}: {
  setting: EnumSetting & Setting;
  config: RunConfig;
  badge?: ReactNode;
}) {
  const nameId = `${setting.key}-choice`;
  return (
    <div className="labelled wide" title={setting.hint}>
      <span>
        <span id={nameId}>{setting.label}</span>
        {badge}
      </span>
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

/** Applies from the next step, without a fresh model. */
function LiveBadge() {
  return (
    <span className="live" title="Applies at once, from the next training step">
      live
    </span>
  );
}

/** One setting's input: a number field or a segmented choice. */
function Field({
  setting,
  config,
  badge,
}: {
  setting: PersonSetting;
  config: RunConfig;
  /** Mark it live here (its section is not live as a whole). */
  badge: boolean;
}) {
  if (setting.kind === 'enum') {
    return (
      <EnumChoice
        setting={setting}
        config={config}
        badge={badge && setting.live && <LiveBadge />}
      />
    );
  }
  return (
    <NumberField
      label={setting.label}
      hint={setting.hint}
      badge={badge && setting.live && <LiveBadge />}
      value={readSetting(config, setting) as number}
      min={setting.min}
      max={setting.max}
      integer={setting.kind === 'integer'}
      onCommit={(v) => propose(setting, v)}
    />
  );
}

/** The schedule's readout at the step training is at; only it re-renders per step. */
function LiveScheduleReadout({ config }: { config: RunConfig }) {
  const step = useApp((s) => s.status.step);
  return <ScheduleReadout optimizer={liveSettingsOf(config).optimizer} step={step} />;
}

/** A field and, indented under it, the settings that matter for its current value. */
function Entry({ entry, config, badge }: { entry: PanelEntry; config: RunConfig; badge: boolean }) {
  const shown = entry.dependents.filter((d) => isShown(d, config));
  const readout =
    entry.setting.key === 'schedule' && config.train.optimizer.schedule !== 'constant';
  return (
    <>
      <Field setting={entry.setting} config={config} badge={badge} />
      {(shown.length > 0 || readout) && (
        <div
          // One dependent fits beside its setting; a schedule's several need the row below.
          className={shown.length === 1 && !readout ? 'sub beside' : 'sub wide'}
          role="group"
          aria-label={`${entry.setting.label} settings`}
        >
          {readout && <LiveScheduleReadout config={config} />}
          {shown.map((d) => (
            <Field key={d.key} setting={d} config={config} badge={badge} />
          ))}
        </div>
      )}
    </>
  );
}

/** A section of the panel; "live" once on its title when every setting in it is. */
function Section({
  id,
  title,
  entries,
  config,
}: {
  id: string;
  title: string;
  entries: PanelEntry[];
  config: RunConfig;
}) {
  const all = entries.flatMap((e) => [e.setting, ...e.dependents]);
  const allLive = all.every((s) => s.live);
  const titleId = `params-section-${id}`;
  return (
    <fieldset className="param-group" aria-labelledby={titleId}>
      <legend>
        <span id={titleId}>{title}</span>
        {allLive && <LiveBadge />}
      </legend>
      <div className="params">
        {entries.map((entry) => (
          <Entry key={entry.setting.key} entry={entry} config={config} badge={!allLive} />
        ))}
      </div>
    </fieldset>
  );
}

/** A label's last word, its symbol: "β1" of "Adam β1". */
function symbolOf(setting: Setting): string {
  return setting.label.split(' ').at(-1) ?? setting.label;
}

/**
 * Adam's β1, β2 and ε: rarely touched, so collapsed, with their values on the
 * closed summary; open from the start when a link set one away from its default.
 */
function Advanced({ config }: { config: RunConfig }) {
  const [open, setOpen] = useState(() =>
    ADVANCED_SETTINGS.some((s) => readSetting(config, s) !== s.default),
  );
  const allLive = ADVANCED_SETTINGS.every((s) => s.live);
  return (
    <details
      className="param-group advanced"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        <span>Advanced</span>
        {allLive && <LiveBadge />}
        {!open && (
          <span className="summary-values">
            {ADVANCED_SETTINGS.map((s) => `${symbolOf(s)} ${String(readSetting(config, s))}`).join(
              ' · ',
            )}
          </span>
        )}
      </summary>
      <div className="params">
        {ADVANCED_SETTINGS.map((s) => (
          <Field key={s.key} setting={s} config={config} badge={!allLive} />
        ))}
      </div>
    </details>
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
      <div className="param-groups" key={revision}>
        {SECTIONS.map((section) => (
          <Section
            key={section.id}
            id={section.id}
            title={section.title}
            entries={section.entries}
            config={config}
          />
        ))}
        <Advanced config={config} />
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
