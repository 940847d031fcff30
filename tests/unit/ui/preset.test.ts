// A built-in corpus's preset settings (the overfitting preset's H 256 and a
// quarter held out) are written through the schema (store/configSlice.ts), so
// the panel and the link carry them, and the corpus panel says which they are.
// Picking the chip in the browser applies them: tests/e2e/settings-panel.test.ts.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_CORPORA, builtinCorpus } from '../../../src/corpora';
import { OVERFIT_SETTINGS } from '../../../src/corpora/overfit';
import {
  DEFAULT_RUN_CONFIG,
  freshModelChanges,
  SETTINGS,
  writeSetting,
} from '../../../src/engine/settings';
import { useApp } from '../../../src/store/app';
import { presetSummary, withPreset } from '../../../src/store/configSlice';
import { encodeHash, readHash } from '../../../src/store/urlHash';
import { CorpusPanel } from '../../../src/ui/components/CorpusPanel';

const settingOf = (key: string) => SETTINGS.find((s) => s.key === key)!;

describe('the overfitting preset', () => {
  const overfit = builtinCorpus('overfit')!;

  it('is the overfit corpus with its settings', () => {
    expect(overfit.settings).toBe(OVERFIT_SETTINGS);
  });

  it("writes its settings over the person's, leaving the others", () => {
    const mine = writeSetting(
      writeSetting(DEFAULT_RUN_CONFIG, settingOf('dropout'), 0.4),
      settingOf('learningRate'),
      0.02,
    );
    const next = withPreset(mine, OVERFIT_SETTINGS);
    expect(next.model.hiddenSize).toBe(256);
    expect(next.train.valFraction).toBe(0.25);
    expect(next.train.regularization).toEqual({
      ...mine.train.regularization,
      dropout: 0,
      patience: 0,
    });
    expect(next.train.optimizer).toEqual(mine.train.optimizer);
    expect(next.model).toEqual({ ...mine.model, hiddenSize: 256 });
    // It needs a fresh model (H, B, T, the split), like any such change.
    expect(freshModelChanges(mine, next).sort()).toEqual([
      'batch B',
      'hidden size',
      'validation share',
      'window T',
    ]);
    // A fresh object: the person's configuration is untouched.
    expect(mine.model.hiddenSize).toBe(DEFAULT_RUN_CONFIG.model.hiddenSize);
  });

  it('is carried by the link (the person settings among it)', () => {
    const next = withPreset(DEFAULT_RUN_CONFIG, OVERFIT_SETTINGS);
    const params = new URLSearchParams(encodeHash(next).slice(1));
    expect([params.get('H'), params.get('drop'), params.get('patience')]).toEqual([
      '256',
      '0',
      '0',
    ]);
    expect(readHash(encodeHash(next), DEFAULT_RUN_CONFIG).config.model.hiddenSize).toBe(256);
  });

  it('is named by the panel labels', () => {
    expect(presetSummary(OVERFIT_SETTINGS)).toBe(
      'Hidden H 256, Batch B 8, Window T 32, Validation share 0.25, Dropout 0, Early stop patience 0',
    );
    expect(presetSummary({ schedule: 'cosine' })).toBe('LR schedule Warm-up + cosine');
  });

  it('refuses a key that is no setting, or a value the schema refuses', () => {
    expect(() => withPreset(DEFAULT_RUN_CONFIG, { hidden: 256 })).toThrow(
      'preset setting hidden is not a setting',
    );
    expect(() => withPreset(DEFAULT_RUN_CONFIG, { hiddenSize: 0 })).toThrow(
      'preset setting hiddenSize must be a whole number from 1 to 2048, got 0',
    );
    expect(() => withPreset(DEFAULT_RUN_CONFIG, { valFraction: 0.9 })).toThrow(/valFraction/);
  });

  it("every built-in corpus's preset is valid", () => {
    for (const c of BUILTIN_CORPORA.filter((b) => b.settings)) {
      expect(() => withPreset(DEFAULT_RUN_CONFIG, c.settings!), c.id).not.toThrow();
    }
  });
});

describe('the corpus panel', () => {
  const initial = { ...useApp.getInitialState() };
  afterEach(() => {
    Object.assign(useApp.getInitialState(), initial);
  });
  const drawWith = (name: string) => {
    Object.assign(useApp.getInitialState(), {
      active: {
        name,
        chars: 8000,
        vocabSize: 30,
        trainChars: 6000,
        validationChars: 2000,
        vocabulary: 'abc',
      },
    });
    return renderToStaticMarkup(createElement(CorpusPanel));
  };

  it('says which settings the preset in use applied, and nothing for other corpora', () => {
    expect(drawWith('Overfitting preset')).toContain(
      '<p class="hint" role="note" aria-label="Corpus preset" style="margin:0 0 10px">' +
        'Preset: Hidden H 256, Batch B 8, Window T 32, Validation share 0.25, Dropout 0, Early stop patience 0</p>',
    );
    for (const c of BUILTIN_CORPORA.filter((b) => !b.settings && !b.parameter)) {
      expect(drawWith(c.title), c.id).not.toContain('Corpus preset');
    }
  });
});
