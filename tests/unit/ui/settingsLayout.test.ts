// The settings panel's layout (src/ui/settingsLayout.ts) read from the schema:
// every person setting in exactly one place, the sections named in the
// issue, sub-settings shown exactly while the schema's shownWhen (or dropout
// > 0, for the masks) says; and the schedule's readout, which must describe
// the rate the engine's scheduledRate gives.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { OptimizerConfig } from '../../../src/engine/config';
import {
  DEFAULT_RUN_CONFIG,
  PERSON_SETTINGS,
  SETTINGS,
  writeSetting,
} from '../../../src/engine/settings';
import { scheduledRate } from '../../../src/engine/training/schedule';
import { formatRate, horizonOf, ScheduleReadout } from '../../../src/ui/components/ScheduleReadout';
import {
  ADVANCED_SETTINGS,
  conditionOf,
  isShown,
  SECTIONS,
  shownIn,
  TASK_ENTRY,
} from '../../../src/ui/settingsLayout';

const settingOf = (key: string) => SETTINGS.find((s) => s.key === key)!;
const keys = (settings: readonly { key: string }[]) => settings.map((s) => s.key);

describe('the sections', () => {
  it('hold every person setting exactly once (with the task picker), advanced ones only in Advanced', () => {
    const placed = [
      ...SECTIONS.flatMap((s) => s.entries.flatMap((e) => [e.setting, ...e.dependents])),
      ...ADVANCED_SETTINGS,
      TASK_ENTRY.setting,
      ...TASK_ENTRY.dependents,
    ];
    expect(keys(placed).sort()).toEqual(keys(PERSON_SETTINGS).sort());
    expect(ADVANCED_SETTINGS.every((s) => s.advanced)).toBe(true);
  });

  it('are Model, Training, Optimizer & schedule, Regularisation, then Advanced', () => {
    const layout = SECTIONS.map((s) => ({
      title: s.title,
      entries: s.entries.map((e) => [e.setting.key, keys(e.dependents)]),
    }));
    expect(layout).toEqual([
      {
        title: 'Model',
        entries: [
          ['cell', []],
          ['embedSize', []],
          ['hiddenSize', []],
          ['layers', []],
        ],
      },
      {
        title: 'Training',
        entries: [
          ['seqLen', []],
          ['batchSize', []],
          ['seed', []],
          ['valFraction', []],
          ['backend', []],
        ],
      },
      {
        title: 'Optimizer & schedule',
        entries: [
          ['learningRate', []],
          ['weightDecay', []],
          ['clipNorm', []],
          ['schedule', ['warmupSteps', 'decaySteps', 'lrFloor', 'decayEvery', 'decayFactor']],
        ],
      },
      {
        title: 'Regularisation',
        entries: [
          ['dropout', ['dropoutMode']],
          ['patience', []],
        ],
      },
    ]);
    expect(keys(ADVANCED_SETTINGS)).toEqual(['beta1', 'beta2', 'epsilon']);
    // The task and its direction are the task picker's, near the corpus.
    expect([TASK_ENTRY.setting.key, keys(TASK_ENTRY.dependents)]).toEqual(['task', ['direction']]);
  });

  it('keep schema order inside a section (a dependent right after its setting)', () => {
    for (const section of SECTIONS) {
      const all = shownIn(
        section.entries,
        writeSetting(DEFAULT_RUN_CONFIG, settingOf('dropout'), 0.5),
      );
      const order = all.map((s) => PERSON_SETTINGS.indexOf(s));
      expect(
        [...order].sort((a, b) => a - b),
        section.title,
      ).toEqual(order);
    }
  });
});

describe('shown only while it matters', () => {
  it("follows the schema's shownWhen for every value of the setting it names", () => {
    const dependents = SETTINGS.filter((s) => s.shownWhen);
    expect(keys(dependents)).toEqual([
      'direction',
      'warmupSteps',
      'decaySteps',
      'lrFloor',
      'decayEvery',
      'decayFactor',
    ]);
    for (const s of dependents) {
      const on = settingOf(s.shownWhen!.key);
      expect(conditionOf(s)?.on).toBe(on);
      expect(on.kind).toBe('enum');
      for (const { value } of on.kind === 'enum' ? on.options : []) {
        const config = writeSetting(DEFAULT_RUN_CONFIG, on, value);
        expect(isShown(s, config), `${s.key} at ${on.key}=${value}`).toBe(
          s.shownWhen!.values.includes(value),
        );
      }
    }
  });

  it('shows the schedule its own sub-settings: none, warm-up + cosine, warm-up + steps', () => {
    const shownAt = (schedule: string) =>
      keys(
        shownIn(
          SECTIONS.find((s) => s.id === 'optimizer')!.entries,
          writeSetting(DEFAULT_RUN_CONFIG, settingOf('schedule'), schedule),
        ),
      );
    const always = ['learningRate', 'weightDecay', 'clipNorm', 'schedule'];
    expect(shownAt('constant')).toEqual(always);
    expect(shownAt('cosine')).toEqual([...always, 'warmupSteps', 'decaySteps', 'lrFloor']);
    expect(shownAt('step')).toEqual([...always, 'warmupSteps', 'decayEvery', 'decayFactor']);
  });

  it('shows the dropout masks only with dropout above zero', () => {
    const masks = settingOf('dropoutMode');
    expect(conditionOf(masks)?.on.key).toBe('dropout');
    for (const [dropout, shown] of [
      [0, false],
      [0.01, true],
      [0.5, true],
      [0.9, true],
    ] as const) {
      const config = writeSetting(DEFAULT_RUN_CONFIG, settingOf('dropout'), dropout);
      expect(isShown(masks, config), `dropout ${dropout}`).toBe(shown);
    }
  });

  it('shows every other setting always', () => {
    for (const s of PERSON_SETTINGS.filter((p) => !conditionOf(p))) {
      expect(isShown(s, DEFAULT_RUN_CONFIG), s.key).toBe(true);
    }
  });
});

describe("the schedule's readout", () => {
  const base = DEFAULT_RUN_CONFIG.train.optimizer;
  const draw = (optimizer: OptimizerConfig, step: number) =>
    renderToStaticMarkup(createElement(ScheduleReadout, { optimizer, step }));
  const readout = (html: string) =>
    /<output aria-label="Scheduled learning rate">(.*?)<\/output>/
      .exec(html)?.[1]
      .replace(/<[^>]+>/g, '')
      .replace(/<!-- -->/g, '');

  it('draws nothing for a constant rate', () => {
    expect(draw({ ...base, schedule: 'constant' }, 50)).toBe('');
  });

  it('says the rate of the step training is at, as scheduledRate gives it', () => {
    const cosine: OptimizerConfig = {
      ...base,
      schedule: 'cosine',
      learningRate: 0.01,
      warmupSteps: 100,
      decaySteps: 1000,
      lrFloor: 0.1,
    };
    for (const step of [0, 1, 50, 100, 600, 1100, 5000]) {
      const at = Math.max(1, step);
      expect(readout(draw(cosine, step)), `step ${step}`).toBe(
        `lr now ${formatRate(scheduledRate(cosine, at))} (step ${at.toLocaleString('en-US')})`,
      );
    }
    // Halfway down the cosine: halfway between the peak and the floor.
    expect(readout(draw(cosine, 600))).toBe('lr now 5.5e-3 (step 600)');
    const stepped: OptimizerConfig = {
      ...base,
      schedule: 'step',
      learningRate: 0.004,
      warmupSteps: 0,
      decayEvery: 100,
      decayFactor: 0.5,
    };
    expect(readout(draw(stepped, 250))).toBe('lr now 1.0e-3 (step 250)');
  });

  it("draws the curve to the schedule's end, or past the current step", () => {
    const cosine: OptimizerConfig = {
      ...base,
      schedule: 'cosine',
      warmupSteps: 10,
      decaySteps: 90,
    };
    expect(horizonOf(cosine, 1)).toBe(100);
    expect(horizonOf(cosine, 1000)).toBe(1100);
    const stepped: OptimizerConfig = { ...base, schedule: 'step', warmupSteps: 0, decayEvery: 50 };
    expect(horizonOf(stepped, 1)).toBe(200);
    const html = draw(cosine, 1);
    expect(html).toContain(
      `aria-label="Learning rate over steps 1 to 100: peak ${formatRate(cosine.learningRate)}, ` +
        `${formatRate(scheduledRate(cosine, 100))} at step 100"`,
    );
    // The polyline starts at the warm-up's first rate (bottom left) and peaks at the top.
    const points = /<polyline points="([^"]+)"/
      .exec(html)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(61);
    const ys = points.map(([, y]) => y);
    expect(Math.min(...ys)).toBeCloseTo(2, 1);
    expect(ys[0]).toBeGreaterThan(ys[6]);
  });
});
