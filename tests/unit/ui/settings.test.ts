// "Adding a setting is one entry": every declaration of the settings schema
// (src/engine/configSchema.ts) round-trips through the shared link, is drawn
// by the settings panel with its label, range and live badge, and is checked
// by the worker, which names the field of a value outside its range. The tests
// iterate the schema, so a new entry is covered without a new test.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Setting } from '../../../src/engine/configSchema';
import {
  allowedText,
  DEFAULT_RUN_CONFIG,
  PERSON_SETTINGS,
  SETTINGS,
  writeSetting,
  liveSettingsOf,
} from '../../../src/engine/settings';
import { useApp } from '../../../src/store/app';
import { encodeHash, readHash } from '../../../src/store/urlHash';
import { HyperParams } from '../../../src/ui/components/HyperParams';
import { MessageError, parseUiMessage } from '../../../src/worker/validate';
import { anotherValue, outsideValues } from '../../helpers/settings';

/** Every person setting at an allowed value other than its default. */
const EDITED = PERSON_SETTINGS.reduce(
  (c, s) => writeSetting(c, s, anotherValue(s)),
  DEFAULT_RUN_CONFIG,
);

describe('the shared link', () => {
  for (const s of PERSON_SETTINGS) {
    it(`carries ${s.key} as ${s.urlKey}=`, () => {
      const config = writeSetting(DEFAULT_RUN_CONFIG, s, anotherValue(s));
      const hash = encodeHash(config);
      expect(new URLSearchParams(hash.slice(1)).get(s.urlKey)).toBe(String(anotherValue(s)));
      expect(readHash(hash, DEFAULT_RUN_CONFIG)).toEqual({ config, ignored: [] });
    });

    it(`ignores ${s.urlKey}= outside ${allowedText(s)}, saying so`, () => {
      // A link's values are text: the ones that read as a value of the wrong kind.
      const asText = outsideValues(s).filter(
        (v) => typeof v === (s.kind === 'enum' ? 'string' : 'number'),
      );
      for (const bad of asText) {
        const raw = String(bad);
        const { config, ignored } = readHash(`#${s.urlKey}=${raw}`, DEFAULT_RUN_CONFIG);
        expect(config, raw).toEqual(DEFAULT_RUN_CONFIG);
        expect(ignored).toEqual([`${s.urlKey}=${raw}: ${allowedText(s)}`]);
      }
    });
  }

  it('carries every person setting at once and nothing else', () => {
    const hash = encodeHash(EDITED);
    expect([...new URLSearchParams(hash.slice(1)).keys()]).toEqual(
      PERSON_SETTINGS.map((s) => s.urlKey),
    );
    expect(readHash(hash, DEFAULT_RUN_CONFIG).config).toEqual(EDITED);
  });
});

describe('the settings panel', () => {
  const initial = { ...useApp.getInitialState() };
  afterEach(() => {
    Object.assign(useApp.getInitialState(), initial);
  });
  // A server render reads the store's initial state object.
  const draw = (config: typeof DEFAULT_RUN_CONFIG) => {
    Object.assign(useApp.getInitialState(), { config });
    return renderToStaticMarkup(createElement(HyperParams));
  };
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** The element named by the label `setting.label` (its aria-labelledby target). */
  const namedBy = (html: string, s: Setting) => {
    const label = new RegExp(`<span id="([^"]+)">${escaped(s.label)}</span>`).exec(html);
    expect(label, s.label).not.toBeNull();
    const element = new RegExp(`<[^>]*aria-labelledby="${escaped(label![1])}"[^>]*>`).exec(html);
    expect(element, s.label).not.toBeNull();
    return { tag: element![0], after: html.slice(label!.index) };
  };

  for (const s of PERSON_SETTINGS) {
    it(`draws ${s.key} as "${s.label}" with its value, range and hint`, () => {
      const config = writeSetting(DEFAULT_RUN_CONFIG, s, anotherValue(s));
      const html = draw(config);
      const { tag, after } = namedBy(html, s);
      expect(html).toContain(`title="${s.hint}"`);
      if (s.kind === 'enum') {
        expect(tag).toContain('role="radiogroup"');
        for (const o of s.options) {
          const radio = new RegExp(`<input type="radio" name="${s.key}"[^>]*value="${o.value}"/>`);
          const checked = radio.exec(html)?.[0].includes('checked=""');
          expect(checked, o.value).toBe(o.value === anotherValue(s));
        }
        return;
      }
      expect(tag).toContain('type="number"');
      expect(tag).toContain(`min="${s.min}" max="${s.max}"`);
      expect(tag).toContain(`value="${anotherValue(s)}"`);
      const badge = after.indexOf('<span class="live">live</span>');
      expect(badge === after.indexOf('</span>') + '</span>'.length, `${s.key} badge`).toBe(s.live);
    });
  }

  it('draws the person settings in schema order, and no other input', () => {
    const html = draw(EDITED);
    const positions = PERSON_SETTINGS.map((s) => html.indexOf(`>${s.label}</span>`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const numbers = PERSON_SETTINGS.filter((s) => s.kind !== 'enum').length;
    expect(html.match(/type="number"/g)).toHaveLength(numbers);
  });
});

describe("the worker's check", () => {
  const pathOf = (s: Setting) =>
    ({
      model: `configure.model.${s.key}`,
      train: `configure.train.${s.key}`,
      optimizer: `configure.train.optimizer.${s.key}`,
      regularization: `configure.train.regularization.${s.key}`,
      run: `configure.${s.key}`,
    })[s.group];

  it('passes every setting through as declared', () => {
    const all = SETTINGS.reduce((c, s) => writeSetting(c, s, anotherValue(s)), DEFAULT_RUN_CONFIG);
    expect(parseUiMessage({ type: 'configure', config: all })).toEqual({
      type: 'configure',
      config: all,
    });
  });

  for (const s of SETTINGS) {
    it(`refuses ${s.key} outside ${allowedText(s)}, naming ${pathOf(s)}`, () => {
      for (const bad of outsideValues(s)) {
        const config = writeSetting(DEFAULT_RUN_CONFIG, s, bad);
        const refusal = () => parseUiMessage({ type: 'configure', config });
        expect(refusal, String(bad)).toThrow(MessageError);
        expect(refusal).toThrow(`${pathOf(s)} must be ${allowedText(s)}, got `);
        if (!s.live) continue;
        const live = { type: 'setLive', ...liveSettingsOf(config) };
        expect(() => parseUiMessage(live)).toThrow(
          `setLive.${s.group}.${s.key} must be ${allowedText(s)}, got `,
        );
      }
    });
  }
});
