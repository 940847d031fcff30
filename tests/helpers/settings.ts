// Values to try against a declaration of the settings schema
// (src/engine/configSchema.ts): ones it refuses, and an allowed one other
// than its default. Read from the declaration, so a new setting needs none.

import type { Setting } from '../../src/engine/configSchema';
import { accepts } from '../../src/engine/settings';

/** Values `setting` must refuse: past each bound, of the wrong kind, not a number at all. */
export function outsideValues(setting: Setting): unknown[] {
  if (setting.kind === 'enum') return ['nope', setting.default.toUpperCase(), 1, null];
  const { min, max } = setting;
  const values: unknown[] = [setting.minExclusive ? min : min - 1, NaN, Infinity, '1', null];
  if (Number.isFinite(max)) values.push(setting.maxExclusive ? max : max + 1);
  if (setting.kind === 'integer') values.push(min + 0.5);
  return values;
}

/** An allowed value of `setting` that is not its default. */
export function anotherValue(setting: Setting): string | number {
  if (setting.kind === 'enum')
    return setting.options.find((o) => o.value !== setting.default)!.value;
  const { min, max } = setting;
  const middle = setting.kind === 'integer' ? Math.floor((min + max) / 2) : (min + max) / 2;
  const candidates = [min, max, middle, setting.default * 2, setting.default / 2];
  const found = candidates.find((v) => v !== setting.default && accepts(setting, v));
  if (found === undefined) throw new Error(`no other value found for ${setting.key}`);
  return found;
}
