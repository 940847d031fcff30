// Regularisation compared on the page: "Compare: cures for overfitting"
// trains the first model without regularisation and the same model with
// dropout beside it; a compared model's own dropout or patience is kept
// through other changes of the set and dropped on "as model 1"; the legend
// names each model's regularisation when the set's differ. The worker link
// (store/engine.ts) is replaced by a recorder.

import { beforeEach, describe, expect, test, vi } from 'vitest';
import { BUILTIN_CORPORA, builtinText } from '../../../src/corpora';
import { DEFAULT_REGULARIZATION, type RegularizationConfig } from '../../../src/engine/config';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
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
const { confirmConfig } = await import('../../../src/store/actions');
const { addCompareModel, changeCompareModel, compareCures, onOverfitPreset, CURE_DROPOUT } =
  await import('../../../src/store/compareActions');
const { setCompareRegularization } = await import('../../../src/store/compareActions');
const { modelLabel } = await import('../../../src/ui/modelLabel');

const PRESET = builtinText(BUILTIN_CORPORA.find((c) => c.id === 'overfit')!).name;
/** The run as a person left it: some dropout and patience already on. */
const RUN: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  train: {
    ...DEFAULT_RUN_CONFIG.train,
    regularization: { dropout: 0.1, dropoutMode: 'variational', patience: 3 },
  },
};

/** The worker's 'models' answer to a configure: what each model trains with. */
function announce(config: RunConfig, compare: CompareSettings[]): ComparedModel[] {
  return [config.model, ...compare].map((m, k) => {
    const { regularization, ...model } = m as CompareSettings;
    return {
      model,
      parameters: 1000,
      backend: { kind: 'cpu', device: 'cpu' },
      runId: `run-${k}`,
      name: `model ${k}`,
      regularization: regularization ?? config.train.regularization,
      ownRegularization: regularization !== undefined,
    };
  });
}

/** The last configure sent, answered as the worker would. */
function lastConfigure(): Extract<UiMessage, { type: 'configure' }> {
  const m = sent.filter((s) => s.type === 'configure').at(-1);
  if (!m) throw new Error('no configure sent');
  useApp.setState({ config: m.config, compareModels: announce(m.config, m.compare ?? []) });
  return m;
}

beforeEach(() => {
  sent.length = 0;
  useApp.setState({
    config: RUN,
    active: { name: PRESET, vocabSize: 30 } as CorpusStats,
    status: { ready: true, building: false, training: false, step: 0 },
    compareModels: announce(RUN, []),
    selectedModel: 0,
    matchParams: false,
    pendingConfig: null,
  });
});

describe('compare: cures for overfitting', () => {
  test('is offered on the overfitting preset only', () => {
    expect(onOverfitPreset(PRESET)).toBe(true);
    expect(onOverfitPreset(builtinText(BUILTIN_CORPORA[0]).name)).toBe(false);
    expect(onOverfitPreset('my notes.txt')).toBe(false);
    expect(onOverfitPreset(undefined)).toBe(false);
  });

  test('trains the model without regularisation and, beside it, the same model with dropout', () => {
    compareCures();
    const m = lastConfigure();
    const none: RegularizationConfig = { ...RUN.train.regularization, dropout: 0, patience: 0 };
    expect(m.config.train.regularization).toEqual(none);
    expect(m.config.model).toEqual(RUN.model);
    expect(m.compare).toEqual([
      { ...RUN.model, regularization: { ...none, dropout: CURE_DROPOUT } },
    ]);
    // Everything else about the run is as it was: the same text, seed and training settings.
    expect({ ...m.config, train: { ...m.config.train, regularization: null } }).toEqual({
      ...RUN,
      train: { ...RUN.train, regularization: null },
    });
  });

  test('once the models trained, it waits for the person’s yes', () => {
    useApp.setState({ status: { ready: true, building: false, training: true, step: 40 } });
    compareCures();
    expect(sent).toEqual([]);
    expect(useApp.getState().pendingConfig?.config.train.regularization.dropout).toBe(0);
    confirmConfig();
    expect(lastConfigure().compare?.[0].regularization?.dropout).toBe(CURE_DROPOUT);
  });
});

describe('a compared model’s own regularisation', () => {
  test('is set in its row, kept through other changes of the set, and dropped by “as model 1”', () => {
    addCompareModel();
    expect(lastConfigure().compare).toEqual([{ ...RUN.model, cell: 'gru' }]);
    setCompareRegularization(1, { dropout: 0.5 });
    // Over what it trained with (the run's): its mode and patience kept.
    const own = { ...RUN.train.regularization, dropout: 0.5 };
    expect(lastConfigure().compare).toEqual([{ ...RUN.model, cell: 'gru', regularization: own }]);
    changeCompareModel(1, { hiddenSize: 64 });
    expect(lastConfigure().compare).toEqual([
      { ...RUN.model, cell: 'gru', hiddenSize: 64, regularization: own },
    ]);
    setCompareRegularization(1, { patience: 7 });
    expect(lastConfigure().compare?.[0].regularization).toEqual({ ...own, patience: 7 });
    setCompareRegularization(1, null);
    expect(lastConfigure().compare).toEqual([{ ...RUN.model, cell: 'gru', hiddenSize: 64 }]);
    // Model 1's is the settings panel's: not set here.
    setCompareRegularization(0, { dropout: 0.2 });
    expect(sent.filter((s) => s.type === 'configure')).toHaveLength(5);
  });

  test('the legend names each model’s regularisation when the set’s differ, and only then', () => {
    compareCures();
    const models = lastConfigure() && useApp.getState().compareModels;
    expect(models.map(modelLabel)).toEqual([
      'LSTM H128 · no dropout · 1.0k params',
      // The run's masks (variational) kept.
      'LSTM H128 · dropout 0.3 variational · 1.0k params',
    ]);
    const same = models.map((m) => ({ ...m, regularization: DEFAULT_REGULARIZATION }));
    expect(same.map(modelLabel)).toEqual(['LSTM H128 · 1.0k params', 'LSTM H128 · 1.0k params']);
    const variational = {
      ...models[1],
      regularization: { dropout: 0.25, dropoutMode: 'variational', patience: 5 } as const,
    };
    expect(modelLabel(variational, 1, [models[0], variational])).toBe(
      'LSTM H128 · dropout 0.25 variational · early stop 5 · 1.0k params',
    );
  });
});
