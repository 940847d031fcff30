// Early stopping on the page: each model's best validation lands in the store
// (bestValidations by model, bestValidation for the selected one, following
// the selection), an early stop is said where rollbacks are (naming a
// compared model), a rollback keeps the best (as the engine does), a new
// model clears it, and an export asks for the weights the person chose.
// The worker link (store/engine.ts) is replaced by a recorder.

import { beforeEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import type { ComparedModel, ModelSettings } from '../../../src/worker/protocol';

vi.mock('../../../src/store/engine', () => import('../../helpers/recordedEngine'));
const { sent } = await import('../../helpers/recordedEngine');

const { useApp } = await import('../../../src/store/app');
const { receive } = await import('../../../src/store/receiver');
const { selectModel } = await import('../../../src/store/compareActions');
const { exportModel } = await import('../../../src/store/fileActions');

const FIRST: ModelSettings = DEFAULT_RUN_CONFIG.model;
const models: ComparedModel[] = [FIRST, { ...FIRST, cell: 'gru' } as ModelSettings].map(
  (model, k) => ({
    model,
    parameters: 1000,
    backend: { kind: 'cpu', device: 'cpu' },
    runId: `run-${k}`,
    name: k === 0 ? 'LSTM H128' : 'GRU H128',
    regularization: DEFAULT_RUN_CONFIG.train.regularization,
    ownRegularization: false,
  }),
);

beforeEach(() => {
  sent.length = 0;
  useApp.setState({
    config: DEFAULT_RUN_CONFIG,
    compareModels: [],
    selectedModel: 0,
    bestValidation: null,
    bestValidations: {},
    engineError: null,
    exporting: null,
  });
  receive({ type: 'models', models, selected: 0 });
});

describe('best validation and early stop on the page', () => {
  test('each model’s best is kept; the selected one’s follows the selection', () => {
    receive({ type: 'best', model: 0, step: 25, loss: 1.5 });
    receive({ type: 'best', model: 1, step: 50, loss: 1.4 });
    receive({ type: 'best', model: 0, step: 75, loss: 1.2 });
    expect(useApp.getState().bestValidation).toEqual({ step: 75, loss: 1.2 });
    expect(useApp.getState().bestValidations).toEqual({
      0: { step: 75, loss: 1.2 },
      1: { step: 50, loss: 1.4 },
    });
    selectModel(1);
    expect(useApp.getState().bestValidation).toEqual({ step: 50, loss: 1.4 });
    // A rollback keeps it: the engine keeps the best weights.
    receive({
      type: 'rollback',
      model: 1,
      fromStep: 60,
      toStep: 25,
      learningRate: 1e-3,
      message: 'x',
    });
    expect(useApp.getState().bestValidation).toEqual({ step: 50, loss: 1.4 });
  });

  test('an early stop is said where rollbacks are, naming a compared model', () => {
    const report = { step: 150, bestStep: 75, bestLoss: 1.2, patience: 3 };
    receive({ type: 'earlyStopped', model: 0, ...report, message: 'early stopping at step 150' });
    expect(useApp.getState().engineError).toBe('early stopping at step 150');
    expect(useApp.getState().bestValidation).toEqual({ step: 75, loss: 1.2 });
    receive({ type: 'earlyStopped', model: 1, ...report, message: 'early stopping at step 150' });
    expect(useApp.getState().engineError).toBe('GRU H128: early stopping at step 150');
  });

  test('a new model clears the bests', () => {
    receive({ type: 'best', model: 0, step: 25, loss: 1.5 });
    receive({
      type: 'model',
      backend: { kind: 'cpu', device: 'cpu' },
      parameters: 1000,
      config: DEFAULT_RUN_CONFIG,
      runId: 'run-9',
      configSeq: 0,
    });
    expect(useApp.getState().bestValidation).toBeNull();
    expect(useApp.getState().bestValidations).toEqual({});
  });

  test('exports ask for the best weights unless told latest', () => {
    exportModel('onnx');
    useApp.setState({ exporting: null });
    exportModel('safetensors', 'latest');
    expect(sent.filter((m) => m.type === 'export')).toEqual([
      { type: 'export', id: expect.any(Number), choice: 'onnx', weights: 'best' },
      { type: 'export', id: expect.any(Number), choice: 'safetensors', weights: 'latest' },
    ]);
  });
});
