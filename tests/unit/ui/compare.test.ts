// Compare runs on the page: each model's curves kept apart and the selected
// one's at the top of the metrics snapshot; snapshots routed by model; the
// compared models following the first one's E and L and, when asked, its
// parameter count; a change of the set confirmed once the models trained.
// The worker link (store/engine.ts) is replaced by a recorder: these tests
// are about the page's side of the wire.

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_REGULARIZATION } from '../../../src/engine/config';
import { countParameters } from '../../../src/engine/paramCount';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import type {
  ComparedModel,
  CorpusStats,
  MetricsMessage,
  ModelSettings,
  ProbeMessage,
} from '../../../src/worker/protocol';

vi.mock('../../../src/store/engine', () => import('../../helpers/recordedEngine'));
const { sent } = await import('../../helpers/recordedEngine');

const { useApp } = await import('../../../src/store/app');
const { metrics } = await import('../../../src/store/metrics');
const { receive } = await import('../../../src/store/receiver');
const { confirmConfig } = await import('../../../src/store/actions');
const { addCompareModel, removeCompareModel, selectModel, setMatchParams } =
  await import('../../../src/store/compareActions');

const V = 30;
const FIRST: ModelSettings = DEFAULT_RUN_CONFIG.model;

function metricsOf(model: number, step: number, train: number[]): MetricsMessage {
  return {
    type: 'metrics',
    model,
    step,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 10 * (model + 1),
    train: Float64Array.from(train),
    validation: new Float64Array(),
  };
}

function announced(settings: ModelSettings[]): ComparedModel[] {
  return settings.map((model, k) => ({
    model,
    parameters: countParameters({ vocabSize: V, ...model }),
    backend: { kind: 'cpu', device: 'cpu' },
    runId: `run-${k}-${model.cell}-${model.hiddenSize}`,
    name: `model ${k}`,
    regularization: DEFAULT_REGULARIZATION,
    ownRegularization: false,
  }));
}

beforeEach(() => {
  sent.length = 0;
  metrics.clear();
  useApp.setState({
    config: DEFAULT_RUN_CONFIG,
    active: { vocabSize: V } as CorpusStats,
    status: { ready: true, building: false, training: false, step: 0 },
    compareModels: [],
    selectedModel: 0,
    matchParams: false,
    pendingConfig: null,
    snapshot: null,
  });
});
afterEach(() => metrics.clear());

describe('the curves of compared models', () => {
  test('each model’s losses go to its own series; the top shows the selected one’s', () => {
    metrics.append(metricsOf(0, 2, [1, 3.0, 2, 2.9]));
    metrics.append(metricsOf(2, 1, [1, 3.3]));
    metrics.append(metricsOf(1, 2, [1, 3.1, 2, 3.05]));
    const s = metrics.get();
    expect(s.models.map((m) => m.train.map((p) => p.loss))).toEqual([
      [3.0, 2.9],
      [3.1, 3.05],
      [3.3],
    ]);
    expect(s.train.map((p) => p.loss)).toEqual([3.0, 2.9]);
    metrics.select(2);
    expect(metrics.get().train.map((p) => p.loss)).toEqual([3.3]);
    expect(metrics.get().tokensPerSecond).toBe(30);
    // A rollback of model 1 leaves the others' curves alone.
    metrics.truncate(1, 1);
    expect(metrics.get().models.map((m) => m.train.length)).toEqual([2, 1, 1]);
  });
});

describe('models announced by the worker', () => {
  const settings: ModelSettings[] = [FIRST, { ...FIRST, cell: 'gru' }, { ...FIRST, cell: 'rnn' }];

  test('the selected model’s snapshot is shown; picking another shows its latest at once and tells the worker', () => {
    receive({ type: 'models', models: announced(settings), selected: 0 });
    const probe = (model: number) =>
      ({ type: 'probe', model, cell: settings[model].cell, layers: [] }) as unknown as ProbeMessage;
    receive(probe(1));
    expect(useApp.getState().snapshot).toBeNull();
    receive(probe(0));
    expect(useApp.getState().snapshot?.model).toBe(0);
    selectModel(1);
    expect(sent).toEqual([{ type: 'select', model: 1 }]);
    expect(useApp.getState().selectedModel).toBe(1);
    expect(useApp.getState().snapshot?.model).toBe(1);
    expect(useApp.getState().modelRunId).toBe(announced(settings)[1].runId);
    expect(metrics.get().selected).toBe(1);
  });

  test('adding a model before training sends the set at once: the next cell, the first’s E, H and L', () => {
    receive({ type: 'models', models: announced([FIRST]), selected: 0 });
    addCompareModel();
    expect(sent).toEqual([
      {
        type: 'configure',
        config: DEFAULT_RUN_CONFIG,
        compare: [{ ...FIRST, cell: 'gru' }],
        seq: expect.any(Number),
      },
    ]);
  });

  test('matching the parameter count re-sizes each compared model’s H to the first’s count', () => {
    receive({ type: 'models', models: announced(settings), selected: 0 });
    setMatchParams(true);
    const [message] = sent;
    if (message.type !== 'configure') throw new Error(`sent ${message.type}`);
    const target = countParameters({ vocabSize: V, ...FIRST });
    for (const m of message.compare!) {
      const count = countParameters({ vocabSize: V, ...m });
      const next = countParameters({ vocabSize: V, ...m, hiddenSize: m.hiddenSize + 1 });
      expect(Math.abs(count - target)).toBeLessThan(next - count);
    }
    expect(message.compare!.map((m) => m.cell)).toEqual(['gru', 'rnn']);
    expect(message.compare![0].hiddenSize).toBeGreaterThan(FIRST.hiddenSize);
  });

  test('once the models trained, a change of the set waits for the person’s yes', () => {
    receive({ type: 'models', models: announced(settings), selected: 0 });
    useApp.setState({ status: { ready: true, building: false, training: false, step: 40 } });
    removeCompareModel(1);
    expect(sent).toEqual([]);
    expect(useApp.getState().pendingConfig?.changes).toEqual(['models compared']);
    confirmConfig();
    expect(sent).toEqual([
      {
        type: 'configure',
        config: DEFAULT_RUN_CONFIG,
        compare: [{ ...FIRST, cell: 'rnn' }],
        seq: expect.any(Number),
      },
    ]);
  });

  test('a change of the first model’s settings carries the compared models along, following its E and L', async () => {
    const { proposeConfig } = await import('../../../src/store/actions');
    receive({ type: 'models', models: announced([FIRST, { ...FIRST, cell: 'gru' }]), selected: 0 });
    const next = { ...DEFAULT_RUN_CONFIG, model: { ...FIRST, layers: 2, embedSize: 16 } };
    proposeConfig(next);
    expect(sent).toEqual([
      {
        type: 'configure',
        config: next,
        compare: [{ ...FIRST, cell: 'gru', layers: 2, embedSize: 16 }],
        seq: expect.any(Number),
      },
    ]);
  });
});
