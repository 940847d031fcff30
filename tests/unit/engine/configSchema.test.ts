// Every declaration of the settings schema is enforced by the engine: its
// default is allowed, and a value outside its range (or of the wrong kind) is
// refused by the engine's validation with a message naming the field and what
// it allows. Iterates the schema, so a new setting is covered by its entry.

import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_OPTIMIZER,
  validateModelConfig,
  validateTrainConfig,
} from '../../../src/engine/config';
import { VOCAB_SIZE, type Setting } from '../../../src/engine/configSchema';
import {
  accepts,
  allowedText,
  DEFAULT_RUN_CONFIG,
  freshModelChanges,
  readSetting,
  SETTINGS,
  writeSetting,
} from '../../../src/engine/settings';
import { anotherValue, outsideValues } from '../../helpers/settings';

/** The engine's validation of everything in `config` it checks (the backend is the worker's). */
function validate(config: typeof DEFAULT_RUN_CONFIG): void {
  validateModelConfig({ vocabSize: 2, ...config.model });
  validateTrainConfig(config.train);
}

const numeric = SETTINGS.filter((s) => s.kind !== 'enum');

describe('the settings schema', () => {
  it('gives one default per setting, which the engine accepts', () => {
    for (const s of SETTINGS) {
      expect(accepts(s, s.default), s.key).toBe(true);
      expect(readSetting(DEFAULT_RUN_CONFIG, s), s.key).toBe(s.default);
    }
    expect(() => validate(DEFAULT_RUN_CONFIG)).not.toThrow();
    expect(DEFAULT_OPTIMIZER).toBe(DEFAULT_RUN_CONFIG.train.optimizer);
  });

  for (const s of numeric) {
    it(`refuses ${s.key} outside ${allowedText(s)}, naming it`, () => {
      for (const bad of outsideValues(s)) {
        const config = writeSetting(DEFAULT_RUN_CONFIG, s, bad);
        expect(() => validate(config), `${s.key}=${String(bad)}`).toThrow(ConfigError);
        expect(() => validate(config)).toThrow(
          `${s.key} must be ${allowedText(s)}, got ${String(bad)}`,
        );
      }
    });
  }

  it('refuses a vocabulary outside its range, naming it', () => {
    for (const vocabSize of [1, 65537, 2.5]) {
      expect(() => validateModelConfig({ vocabSize, ...DEFAULT_RUN_CONFIG.model })).toThrow(
        `vocabSize must be ${allowedText(VOCAB_SIZE)}, got ${vocabSize}`,
      );
    }
  });

  it('says open bounds as such', () => {
    const byKey = (key: string) => SETTINGS.find((s) => s.key === key) as Setting;
    expect(allowedText(byKey('hiddenSize'))).toBe('a whole number from 1 to 2048');
    expect(allowedText(byKey('beta1'))).toBe('a number ≥ 0 and < 1');
    expect(allowedText(byKey('epsilon'))).toBe('a number > 0');
    expect(allowedText(byKey('backend'))).toBe('one of auto, webgpu, cpu');
  });

  it('applies live exactly the optimizer and regularisation settings, which setLive carries to a running model', () => {
    for (const s of SETTINGS) {
      expect(s.live, s.key).toBe(s.group === 'optimizer' || s.group === 'regularization');
    }
  });

  it('names each change that needs a fresh model, and only those', () => {
    for (const s of SETTINGS) {
      const changed = writeSetting(DEFAULT_RUN_CONFIG, s, anotherValue(s));
      expect(freshModelChanges(DEFAULT_RUN_CONFIG, changed), s.key).toEqual(s.live ? [] : [s.noun]);
    }
  });
});
