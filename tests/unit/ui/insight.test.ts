// How the page puts compared models together: the gradient-flow chart's lines
// per model (named and coloured as the loss legend names and colours them, at
// the layer compared, the LSTM's cell-state path beside its h), and each
// model's recall accuracy kept by model index and shown in the loss legend
// against chance.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecallReport } from '../../../src/engine/training/events';
import { useApp } from '../../../src/store/app';
import { DEFAULT_REGULARIZATION } from '../../../src/engine/config';
import { addRecall, recallUpTo } from '../../../src/store/compareSlice';
import { emptyDiagnostics, type ModelDiagnostics } from '../../../src/store/diagnosticsSlice';
import type { ComparedModel, ModelSettings } from '../../../src/worker/protocol';
import { ModelLegend, RecallNote } from '../../../src/ui/components/CompareLegend';
import { flowModelName, modelLines } from '../../../src/ui/components/GradientFlowChart';
import { modelColors } from '../../../src/ui/modelLabel';

const T = 6;

function compared(settings: ModelSettings[]): ComparedModel[] {
  return settings.map((model, k) => ({
    model,
    parameters: 1000,
    backend: { kind: 'cpu', device: 'cpu' },
    runId: `run-${k}`,
    name: `model ${k}`,
    regularization: DEFAULT_REGULARIZATION,
    ownRegularization: false,
  }));
}

/** A model's diagnostics with a flow whose layer l, k steps back, is (l + 1)·base^k. */
function withFlow(cell: 'lstm' | 'gru' | 'rnn', layers: number, base: number): ModelDiagnostics {
  const line = (l: number) => Float32Array.from({ length: T }, (_, k) => (l + 1) * base ** k);
  return {
    ...emptyDiagnostics(),
    cell,
    flow: {
      step: 4,
      cell,
      h: Array.from({ length: layers }, (_, l) => line(l)),
      c: cell === 'lstm' ? Array.from({ length: layers }, (_, l) => line(l + 10)) : null,
    },
  };
}

const SETTINGS: ModelSettings[] = [
  { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 16, hiddenSize: 32, layers: 2 },
  { task: 'lm', direction: 'uni', cell: 'gru', embedSize: 16, hiddenSize: 38, layers: 2 },
  { task: 'lm', direction: 'uni', cell: 'rnn', embedSize: 16, hiddenSize: 68, layers: 2 },
];

describe('gradient flow of compared models', () => {
  const models = compared(SETTINGS);
  const all = {
    0: withFlow('lstm', 2, 0.9),
    1: withFlow('gru', 2, 0.8),
    2: withFlow('rnn', 2, 0.3),
  };
  const colors = modelColors('light');

  it('draws one h line per model in its loss-legend colour, and the LSTM’s c dashed beside it', () => {
    const lines = modelLines(models, all, 1, colors);
    expect(lines.map((l) => [l.key, l.name, l.color, l.c, l.model])).toEqual([
      ['m0', 'LSTM H32', colors[0], false, 0],
      ['mc0', 'LSTM H32 c', colors[0], true, 0],
      ['m1', 'GRU H38', colors[1], false, 1],
      ['m2', 'RNN H68', colors[2], false, 2],
    ]);
    // At the layer compared (1, the top): its norms, not another layer's.
    expect(lines[3].norms).toBe(all[2].flow!.h[1]);
    expect(lines[1].norms).toBe(all[0].flow!.c![1]);
    expect(modelLines(models, all, 0, colors)[3].norms).toBe(all[2].flow!.h[0]);
  });

  it('leaves out a model with no flow yet, and names a model as its cell and H', () => {
    const lines = modelLines(models, { 2: all[2] }, 1, colors);
    expect(lines.map((l) => l.name)).toEqual(['RNN H68']);
    expect(flowModelName(models[1])).toBe('GRU H38');
  });
});

const report = (step: number, accuracy: number): RecallReport => ({
  step,
  accuracy,
  positions: 64,
  chance: 0.25,
});

/** A server render reads the store's initial state object (as in settings.test.ts). */
function showRecall(recall: Record<number, RecallReport>): void {
  useApp.setState({ recall });
  Object.assign(useApp.getInitialState(), { recall });
}

describe('recall accuracy on the page', () => {
  afterEach(() => showRecall({}));

  it('keeps each model’s latest recall, and drops one measured on a step rolled back', () => {
    let all = addRecall({}, { type: 'recall', model: 2, ...report(25, 0.25) });
    all = addRecall(all, { type: 'recall', ...report(25, 0.5) });
    all = addRecall(all, { type: 'recall', model: 2, ...report(50, 0.3) });
    expect(all).toEqual({ 0: report(25, 0.5), 2: report(50, 0.3) });
    expect(recallUpTo(all, 2, 50)).toBe(all);
    expect(recallUpTo(all, 2, 40)).toEqual({ 0: report(25, 0.5) });
    expect(recallUpTo(all, 1, 0)).toBe(all);
  });

  it('shows each model’s recall in the loss legend, and chance once', () => {
    showRecall({ 0: report(50, 0.984), 1: report(50, 0.61) });
    const html = renderToStaticMarkup(
      createElement(ModelLegend, {
        names: ['LSTM H32', 'GRU H38', 'RNN H68'],
        colors: modelColors('light'),
        selected: 0,
        baseline: null,
      }),
    );
    const buttons = [...html.matchAll(/<button[^>]*>(.*?)<\/button>/g)].map((m) =>
      m[1].replace(/<[^>]+>/g, ''),
    );
    expect(buttons).toEqual(['LSTM H32 · recall 0.98', 'GRU H38 · recall 0.61', 'RNN H68']);
    // Chance is said once, in the key, not per model (the models' tooltips say it too).
    const text = html.replace(/<[^>]+>/g, '');
    expect(text.match(/chance 0\.25/g)).toHaveLength(1);
    expect(text).toContain('recall: share of keys recalled · chance 0.25');
  });

  it('shows no recall on a text that is not a memory task', () => {
    const html = renderToStaticMarkup(
      createElement(ModelLegend, {
        names: ['LSTM H32'],
        colors: ['#000'],
        selected: 0,
        baseline: null,
      }),
    );
    expect(html).not.toMatch(/recall|chance/);
  });

  it('shows a single model’s recall under the tiles, and none when models are compared', () => {
    showRecall({ 0: report(75, 0.938) });
    const text = renderToStaticMarkup(createElement(RecallNote)).replace(/<[^>]+>/g, '');
    expect(text).toMatch(/^Recall 0\.94: the share of keys .* \(chance 0\.25\), at step 75$/);
    const models = compared(SETTINGS.slice(0, 2));
    useApp.setState({ compareModels: models });
    Object.assign(useApp.getInitialState(), { compareModels: models });
    try {
      expect(renderToStaticMarkup(createElement(RecallNote))).toBe('');
    } finally {
      useApp.setState({ compareModels: [] });
      Object.assign(useApp.getInitialState(), { compareModels: [] });
    }
  });
});
