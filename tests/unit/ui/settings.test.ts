// "Adding a setting is one entry": every declaration of the settings schema
// (src/engine/configSchema.ts) round-trips through the shared link, is drawn
// by the settings panel with its label, range and live badge, and is checked
// by the worker, which names the field of a value outside its range. The tests
// iterate the schema, so a new entry is covered without a new test.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA, type Setting } from '../../../src/engine/configSchema';
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
import {
  ADVANCED_SETTINGS,
  conditionOf,
  inTaskPicker,
  isShown,
  SECTIONS,
  shownIn,
} from '../../../src/ui/settingsLayout';
import { MessageError, parseUiMessage } from '../../../src/worker/validate';
import { anotherValue, outsideValues } from '../../helpers/settings';

/** Every person setting at an allowed value other than its default. */
const settingOf = (key: string) => SETTINGS.find((s) => s.key === key)!;
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;');

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
  const LIVE_BADGE = /^<span class="live"[^>]*>live<\/span>/;
  /** The element named by the label `setting.label` (its aria-labelledby target). */
  const namedBy = (html: string, s: Setting) => {
    const label = new RegExp(`<span id="([^"]+)">${escaped(s.label)}</span>`).exec(html);
    expect(label, s.label).not.toBeNull();
    const element = new RegExp(`<[^>]*aria-labelledby="${escaped(label![1])}"[^>]*>`).exec(html);
    expect(element, s.label).not.toBeNull();
    return {
      tag: element![0],
      at: label!.index,
      after: html.slice(label!.index + label![0].length),
    };
  };
  /** The title line (legend or summary) of the section holding the markup at `at`. */
  const sectionTitle = (html: string, at: number) => {
    const start = Math.max(html.lastIndexOf('<fieldset', at), html.lastIndexOf('<details', at));
    expect(start).toBeGreaterThanOrEqual(0);
    const end = html.slice(start).search(/<\/legend>|<\/summary>/);
    return html.slice(start, start + end);
  };
  /** `config` with whatever `s` depends on set so that the panel shows `s`. */
  const showing = (config: typeof DEFAULT_RUN_CONFIG, s: Setting) => {
    const condition = conditionOf(s);
    if (!condition) return config;
    const { on } = condition;
    const candidates = on.kind === 'enum' ? on.options.map((o) => o.value) : [anotherValue(on)];
    const value = candidates.find((v) => condition.shown(v));
    expect(value, `a value of ${on.key} that shows ${s.key}`).toBeDefined();
    return writeSetting(config, on, value);
  };

  // The task and its direction are the task picker's (tagging.test.ts draws it).
  const inPanel = PERSON_SETTINGS.filter((s) => !inTaskPicker(s));
  for (const s of inPanel) {
    it(`draws ${s.key} as "${s.label}" with its value, range, hint and live mark`, () => {
      const config = showing(writeSetting(DEFAULT_RUN_CONFIG, s, anotherValue(s)), s);
      const html = draw(config);
      const { tag, at, after } = namedBy(html, s);
      expect(html).toContain(`title="${s.hint}"`);
      // Live: marked on the field, or once on its section when all of the section is live.
      const onSection = sectionTitle(html, at).includes('<span class="live"');
      const onField = LIVE_BADGE.test(after);
      expect(onSection && onField, `${s.key} marked twice`).toBe(false);
      expect(onSection || onField, `${s.key} live mark`).toBe(s.live);
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
    });
  }

  for (const s of inPanel.filter((d) => conditionOf(d))) {
    it(`draws ${s.key} only while ${conditionOf(s)!.on.key} shows it, under it`, () => {
      const { on } = conditionOf(s)!;
      const shown = showing(DEFAULT_RUN_CONFIG, s);
      expect(isShown(s, DEFAULT_RUN_CONFIG), 'hidden at the defaults').toBe(false);
      expect(draw(DEFAULT_RUN_CONFIG)).not.toContain(`>${s.label}</span>`);
      const html = draw(shown);
      // Inside the group drawn under the setting it depends on.
      const group = `<div class="sub [a-z]+" role="group" aria-label="${escaped(on.label)} settings">`;
      const opened = new RegExp(group).exec(html);
      expect(opened, `${on.key}'s group`).not.toBeNull();
      expect(opened!.index).toBeGreaterThan(html.indexOf(`>${on.label}</span>`));
      const closes = html.indexOf('</fieldset>', opened!.index);
      const at = html.indexOf(`>${s.label}</span>`);
      expect(at > opened!.index && at < closes, `${s.key} inside ${on.key}'s group`).toBe(true);
    });
  }

  // Every schedule with and without dropout: what is drawn, in which order, and nothing else.
  const schedules = SCHEMA.schedule.options.map((o) => o.value);
  for (const schedule of schedules) {
    for (const dropout of [0, 0.5]) {
      it(`draws the shown settings in section order and no other input (${schedule}, dropout ${dropout})`, () => {
        let config = writeSetting(DEFAULT_RUN_CONFIG, settingOf('schedule'), schedule);
        config = writeSetting(config, settingOf('dropout'), dropout);
        const html = draw(config);
        const expected = [
          ...SECTIONS.flatMap((section) => shownIn(section.entries, config)),
          ...ADVANCED_SETTINGS,
        ];
        const positions = expected.map((s) => html.indexOf(`>${s.label}</span>`));
        expect(positions.every((p) => p >= 0)).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        for (const s of PERSON_SETTINGS.filter((p) => !expected.includes(p))) {
          expect(html, `${s.key} hidden`).not.toContain(`>${s.label}</span>`);
        }
        const numbers = expected.filter((s) => s.kind !== 'enum').length;
        expect(html.match(/type="number"/g)).toHaveLength(numbers);
        const choices = expected.filter((s) => s.kind === 'enum').length;
        expect(html.match(/role="radiogroup"/g)).toHaveLength(choices);
        // The schedule's readout only for a schedule that moves the rate.
        expect(html.includes('aria-label="Scheduled learning rate"')).toBe(schedule !== 'constant');
      });
    }
  }

  it('draws each section under its title, and Advanced collapsed with its values', () => {
    const html = draw(DEFAULT_RUN_CONFIG);
    const titles = SECTIONS.map((section) =>
      html.search(
        new RegExp(`<legend><span id="[^"]+">${escaped(escapeHtml(section.title))}</span>`),
      ),
    );
    expect(titles.every((p) => p >= 0)).toBe(true);
    expect([...titles].sort((a, b) => a - b)).toEqual(titles);
    for (const [i, section] of SECTIONS.entries()) {
      const end = i + 1 < SECTIONS.length ? titles[i + 1] : html.indexOf('<details');
      for (const { setting } of section.entries) {
        const at = html.indexOf(`>${setting.label}</span>`);
        expect(at > titles[i] && at < end, `${setting.key} in ${section.title}`).toBe(true);
      }
    }
    const details = /<details class="param-group advanced">(.*?)<\/details>/s.exec(html);
    expect(details, 'Advanced, closed').not.toBeNull();
    for (const s of ADVANCED_SETTINGS) {
      expect(details![1]).toContain(`>${s.label}</span>`);
      expect(details![1]).toContain(`${s.label.split(' ').at(-1)} ${String(s.default)}`);
    }
    // A link that set one away from its default opens it.
    const edited = writeSetting(DEFAULT_RUN_CONFIG, ADVANCED_SETTINGS[0], 0.5);
    expect(draw(edited)).toMatch(/<details class="param-group advanced" open="">/);
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
