// The tagging page's store and view helpers: "Compare left to right vs both
// ways" trains the same model uni and bi through the compare machinery, the
// compared models follow the first one's task (and stay uni where the task
// allows no other), the legend names each model's direction when the set's
// differ, the scores table merges each model's accuracy and F1 by step, and
// which panels a task shows. The worker link (store/engine.ts) is replaced by
// a recorder.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import type { TaskScoresReport } from '../../../src/engine/training/events';
import type {
  ComparedModel,
  CompareSettings,
  CorpusStats,
  RunConfig,
  UiMessage,
} from '../../../src/worker/protocol';

vi.mock('../../../src/store/engine', () => import('../../helpers/recordedEngine'));
const { sent } = await import('../../helpers/recordedEngine');

const { useApp } = await import('../../../src/store/app');
const { confirmConfig, applyConfig } = await import('../../../src/store/actions');
const { compareDirections } = await import('../../../src/store/taggingActions');
const { modelLabel } = await import('../../../src/ui/modelLabel');
const { scoreRows, latestTagging, formatScore } = await import('../../../src/ui/taggingScores');
const { cellTerms } = await import('../../../src/ui/gateTerms');
const { TaskPicker } = await import('../../../src/ui/components/TaskPicker');
const { HyperParams } = await import('../../../src/ui/components/HyperParams');
const { TASK_SENTENCES, DIRECTION_SENTENCES } = await import('../../../src/ui/taskView');
const { guessClasses, showsGradientFlow, showsSampling, showsTagging } =
  await import('../../../src/ui/taskView');

const SPACES: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  model: { ...DEFAULT_RUN_CONFIG.model, task: 'spaces', direction: 'bi' },
};

function announce(config: RunConfig, compare: CompareSettings[]): ComparedModel[] {
  return [config.model, ...compare].map((model, k) => ({
    model,
    parameters: 1000 * (k + 1),
    backend: { kind: 'cpu', device: 'cpu' },
    runId: `run-${k}`,
    name: `model ${k}`,
    regularization: config.train.regularization,
    ownRegularization: false,
  }));
}

function lastConfigure(): Extract<UiMessage, { type: 'configure' }> {
  const m = sent.filter((s) => s.type === 'configure').at(-1);
  if (!m) throw new Error('no configure sent');
  useApp.setState({ config: m.config, compareModels: announce(m.config, m.compare ?? []) });
  return m;
}

beforeEach(() => {
  sent.length = 0;
  useApp.setState({
    config: SPACES,
    active: { name: 'text', vocabSize: 30 } as CorpusStats,
    status: { ready: true, building: false, training: false, step: 0 },
    compareModels: announce(SPACES, []),
    selectedModel: 0,
    matchParams: false,
    pendingConfig: null,
  });
});

describe('compare left to right vs both ways', () => {
  test('trains the model uni and, beside it, the same model bi', () => {
    compareDirections();
    const m = lastConfigure();
    expect(m.config).toEqual({ ...SPACES, model: { ...SPACES.model, direction: 'uni' } });
    expect(m.compare).toEqual([{ ...SPACES.model, direction: 'bi' }]);
  });

  test('once the models trained, it waits for the person’s yes', () => {
    useApp.setState({ status: { ready: true, building: false, training: true, step: 40 } });
    compareDirections();
    expect(sent).toEqual([]);
    confirmConfig();
    expect(lastConfigure().compare?.[0].direction).toBe('bi');
  });

  test('is not offered on next character (no bi model there)', () => {
    useApp.setState({ config: DEFAULT_RUN_CONFIG });
    compareDirections();
    expect(sent).toEqual([]);
  });

  test('the compared models follow the first one’s task, uni where the task needs it', () => {
    compareDirections();
    lastConfigure();
    applyConfig({ ...SPACES, model: { ...SPACES.model, task: 'case', direction: 'uni' } });
    expect(lastConfigure().compare).toEqual([{ ...SPACES.model, task: 'case', direction: 'bi' }]);
    applyConfig(DEFAULT_RUN_CONFIG);
    expect(lastConfigure().compare).toEqual([{ ...DEFAULT_RUN_CONFIG.model, direction: 'uni' }]);
  });

  test('the legend names each model’s direction when the set’s differ', () => {
    compareDirections();
    lastConfigure();
    const names = useApp.getState().compareModels.map(modelLabel);
    expect(names).toEqual([
      'LSTM H128 · left to right · 1.0k params',
      'LSTM H128 · both ways · 2.0k params',
    ]);
    expect(modelLabel(useApp.getState().compareModels[0])).toBe('LSTM H128 · 1.0k params');
  });
});

describe('the scores table', () => {
  const tagging = (step: number, accuracy: number, f1: number): TaskScoresReport => ({
    kind: 'tagging',
    step,
    accuracy,
    precision: 0.5,
    recall: 0.5,
    f1,
  });

  test('merges each model’s accuracy and F1 by step, steps ascending', () => {
    const rows = scoreRows(
      {
        0: [tagging(10, 0.8, 0.1), tagging(20, 0.85, 0.3)],
        1: [tagging(10, 0.82, 0.2), tagging(30, 0.9, 0.6)],
        2: [tagging(5, 0.5, 0.5)], // not a model of the set: left out
      },
      2,
    );
    expect(rows).toEqual([
      { step: 10, a0: 0.8, f0: 0.1, a1: 0.82, f1: 0.2 },
      { step: 20, a0: 0.85, f0: 0.3 },
      { step: 30, a1: 0.9, f1: 0.6 },
    ]);
  });

  test('leaves forecast scores out; the latest tagging report, formatted', () => {
    const list: TaskScoresReport[] = [
      tagging(10, 0.8, 0.1),
      { kind: 'forecast', step: 20, mse: 1, mae: 1, perTarget: [{ mse: 1, mae: 1 }] },
    ];
    expect(scoreRows({ 0: list }, 1)).toEqual([{ step: 10, a0: 0.8, f0: 0.1 }]);
    expect(latestTagging(list)?.step).toBe(10);
    expect(latestTagging(undefined)).toBeNull();
    expect([formatScore(0.93449), formatScore(NaN), formatScore(undefined)]).toEqual([
      '0.934',
      '—',
      '—',
    ]);
  });
});

describe('panels per task', () => {
  test('sampling for next character only, the tagging view for restoration, the flow for uni', () => {
    expect(['lm', 'spaces', 'case', 'forecast'].map((t) => showsSampling(t as 'lm'))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(showsTagging('spaces') && showsTagging('case') && !showsTagging('lm')).toBe(true);
    expect([showsGradientFlow('uni'), showsGradientFlow('bi')]).toEqual([true, false]);
    expect([guessClasses('lm', 30), guessClasses('case', 30), guessClasses('forecast', 0)]).toEqual(
      [30, 2, 0],
    );
  });
});

describe('the task picker', () => {
  // A server render reads the store's initial state object.
  const draw = (config: RunConfig, component: () => unknown) => {
    const initial = { ...useApp.getInitialState() };
    Object.assign(useApp.getInitialState(), { config });
    try {
      return renderToStaticMarkup(createElement(component as () => null));
    } finally {
      Object.assign(useApp.getInitialState(), initial);
    }
  };
  const checked = (html: string, name: string) =>
    [...html.matchAll(new RegExp(`<input type="radio" name="${name}"[^>]*>`, 'g'))]
      .filter((m) => m[0].includes('checked=""'))
      .map((m) => /value="([^"]+)"/.exec(m[0])![1]);

  test('offers the four tasks, the chosen one checked, with its sentence', () => {
    const html = draw(DEFAULT_RUN_CONFIG, TaskPicker);
    for (const label of ['Next character', 'Restore spaces', 'Restore case', 'Forecast a series']) {
      expect(html).toContain(`/>${label}</label>`);
    }
    expect(checked(html, 'task')).toEqual(['lm']);
    expect(html).toContain(TASK_SENTENCES.lm);
    // No direction for next character: it reads left to right only.
    expect(html).not.toContain('name="direction"');
  });

  test('offers the direction on a restoration task, with its sentence', () => {
    const html = draw(SPACES, TaskPicker);
    expect(checked(html, 'task')).toEqual(['spaces']);
    expect(checked(html, 'direction')).toEqual(['bi']);
    expect(html).toContain(TASK_SENTENCES.spaces);
    expect(html).toContain(DIRECTION_SENTENCES.bi);
  });

  test('is the one place: the settings panel has neither setting', () => {
    const html = draw(SPACES, HyperParams);
    expect(html).not.toContain('name="task"');
    expect(html).not.toContain('name="direction"');
  });
});

describe('the hover card’s terms of a reverse direction', () => {
  // An RNN layer of H = 1 over P = 3 positions: h = 0.1, 0.2, 0.3.
  const layer = { h: Float32Array.from([0.1, 0.2, 0.3]) };

  test('take the previous state from t + 1 (0 at the end), named so', () => {
    const middle = cellTerms('rnn', layer, 1, 1, 0, true);
    expect(middle.values.hPrev).toBeCloseTo(0.3, 6);
    expect(middle.lines[0].text).toBe('h₍t+1₎ = 0.30');
    expect(cellTerms('rnn', layer, 1, 2, 0, true).values.hPrev).toBe(0);
    // Forward, as before: t − 1, 0 at the start.
    expect(cellTerms('rnn', layer, 1, 1, 0).values.hPrev).toBeCloseTo(0.1, 6);
    expect(cellTerms('rnn', layer, 1, 0, 0).lines[0].text).toBe('h₍t−1₎ = 0.00');
  });
});
