// Where each person setting sits in the settings panel (HyperParams.tsx), read
// from the schema (engine/configSchema.ts): its section comes from its group,
// the collapsed "Advanced" part holds the `advanced` ones, and a setting that
// only matters for some values of another (the schedule's warm-up, the
// dropout masks) is drawn under that one, and only while it matters. Kept
// apart from the component so the layout is tested without drawing.

import type { RunConfig, Setting, SettingGroup } from '../engine/configSchema';
import { PERSON_SETTINGS, readSetting, SETTINGS } from '../engine/settings';

export type PersonSetting = (typeof PERSON_SETTINGS)[number];

export interface PanelSection {
  id: 'model' | 'training' | 'optimizer' | 'regularization';
  title: string;
}

/** The sections, top to bottom. */
const SECTION_LIST: readonly PanelSection[] = [
  { id: 'model', title: 'Model' },
  { id: 'training', title: 'Training' },
  { id: 'optimizer', title: 'Optimizer & schedule' },
  { id: 'regularization', title: 'Regularisation' },
];

/** A Record, so a new group makes the compiler ask where it goes. */
const SECTION_OF_GROUP: Record<SettingGroup, PanelSection['id']> = {
  model: 'model',
  train: 'training',
  run: 'training',
  optimizer: 'optimizer',
  regularization: 'regularization',
};

/**
 * Settings the panel shows only while another (same group) is above zero:
 * the dropout masks mean nothing without dropout. The schema's `shownWhen`
 * lists values, which a range cannot, so this one rule lives here.
 */
const SHOWN_WHILE_POSITIVE: Readonly<Record<string, string>> = { dropoutMode: 'dropout' };

/** What a dependent setting's visibility is read from. */
export interface Condition {
  /** The setting it depends on; the dependent is drawn under it. */
  on: Setting;
  shown(value: unknown): boolean;
}

function sibling(s: Setting, key: string): Setting {
  const found = SETTINGS.find((o) => o.key === key && o.group === s.group);
  if (!found) throw new Error(`${s.key} depends on ${key}, not a setting of group ${s.group}`);
  return found;
}

/** The setting `s` depends on and when it is shown; undefined for an independent one. */
export function conditionOf(s: Setting): Condition | undefined {
  if (s.shownWhen) {
    const { key, values } = s.shownWhen;
    return { on: sibling(s, key), shown: (v) => values.includes(v as string | number) };
  }
  const positive = SHOWN_WHILE_POSITIVE[s.key];
  if (positive) return { on: sibling(s, positive), shown: (v) => typeof v === 'number' && v > 0 };
  return undefined;
}

/** Whether the panel draws `s` for `config` (hidden ones keep their value, in the link too). */
export function isShown(s: Setting, config: RunConfig): boolean {
  const condition = conditionOf(s);
  return condition === undefined || condition.shown(readSetting(config, condition.on));
}

/** One top-level field of a section and the settings drawn under it. */
export interface PanelEntry {
  setting: PersonSetting;
  /** The settings that depend on it, in schema order (shown or not). */
  dependents: PersonSetting[];
}

/**
 * The task and what depends on it (the direction) are the page's task picker
 * (TaskPicker.tsx), near the corpus: one place only, not also in a section.
 */
const TASK_KEY = 'task';

export function inTaskPicker(s: Setting): boolean {
  return s.key === TASK_KEY || conditionOf(s)?.on.key === TASK_KEY;
}

/** A section's fields, in schema order, each dependent under the setting it depends on. */
export function entriesOf(section: PanelSection['id']): PanelEntry[] {
  const inSection = PERSON_SETTINGS.filter(
    (s) => !s.advanced && !inTaskPicker(s) && SECTION_OF_GROUP[s.group] === section,
  );
  return inSection
    .filter((s) => conditionOf(s) === undefined)
    .map((setting) => ({
      setting,
      dependents: inSection.filter((d) => conditionOf(d)?.on.key === setting.key),
    }));
}

export const SECTIONS: readonly (PanelSection & { entries: PanelEntry[] })[] = SECTION_LIST.map(
  (section) => ({ ...section, entries: entriesOf(section.id) }),
);

/** The settings of the collapsed "Advanced" part (Adam's β1, β2, ε), in schema order. */
export const ADVANCED_SETTINGS: readonly PersonSetting[] = PERSON_SETTINGS.filter(
  (s) => s.advanced,
);

/** The task picker's setting and its dependents (the direction), in schema order. */
export const TASK_ENTRY: PanelEntry = {
  setting: PERSON_SETTINGS.find((s) => s.key === TASK_KEY)!,
  dependents: PERSON_SETTINGS.filter((s) => s.key !== TASK_KEY && inTaskPicker(s)),
};

/** Every setting `section` draws for `config`, top to bottom. */
export function shownIn(entries: readonly PanelEntry[], config: RunConfig): PersonSetting[] {
  return entries.flatMap(({ setting, dependents }) => [
    setting,
    ...dependents.filter((d) => isShown(d, config)),
  ]);
}
