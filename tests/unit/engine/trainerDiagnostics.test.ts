// The training loop's diagnostics on the CPU reference, read off the worker's
// wire: a gradient flow and the gate saturation with every gate snapshot, the
// gradient norm and its clipping with every step's loss, and training that
// goes on when an engine cannot measure gradient flow.
import { describe, expect, it } from 'vitest';
import type { Batch, GradientFlow } from '../../../src/engine/backend';
import { splitCorpus } from '../../../src/engine/batcher';
import type { CellType } from '../../../src/engine/cells';
import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import type { ProbeSnapshot } from '../../../src/engine/snapshot';
import { buildCorpus } from '../../../src/engine/tokenizer';
import {
  gateSaturation,
  PROBE_STREAMS,
  probeWindow,
} from '../../../src/engine/training/diagnostics';
import { Trainer } from '../../../src/engine/training/trainer';
import type { TrainingEvents } from '../../../src/engine/training/events';
import {
  transferablesOf,
  type DiagnosticsMessage,
  type EngineMessage,
  type MetricsMessage,
} from '../../../src/worker/protocol';
import { EAGER_LOOP, recordEvents } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

const TEXT = 'the cat sat on the mat.\na dog ran to the park.\n'.repeat(150);

/** A CPU engine without the probe, as the GPU engine was before it had one. */
class NoFlowBackend extends CpuBackend {
  override async gradientFlow(_batch: Batch): Promise<GradientFlow> {
    throw new Error('gradientFlow: not built yet');
  }
}

function setUp(cell: CellType, clipNorm: number, noFlow = false) {
  const corpus = buildCorpus(TEXT);
  const model: ModelConfig = {
    cell,
    vocabSize: corpus.vocab.size,
    embedSize: 8,
    hiddenSize: 16,
    layers: 2,
  };
  const train: TrainConfig = {
    seqLen: 12,
    batchSize: 10,
    seed: 5,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2, clipNorm },
  };
  const Engine = noFlow ? NoFlowBackend : CpuBackend;
  const backend = new Engine(model, initParams(model, new Rng(train.seed)), {
    batchSize: train.batchSize,
    seqLen: train.seqLen,
  });
  const { events: recorded, messages, failures } = recordEvents();
  // Sent as the worker sends them: posting a snapshot transfers (detaches) its arrays.
  const events: TrainingEvents = {
    ...recorded,
    probe: (snapshot) => {
      recorded.probe(snapshot);
      const sent = messages.at(-1)!;
      structuredClone(sent, { transfer: transferablesOf(sent) });
    },
  };
  const trainer = new Trainer(
    backend,
    corpus.vocab,
    splitCorpus(corpus.tokens, train.valFraction),
    train,
    events,
    EAGER_LOOP,
  );
  return { model, train, trainer, messages, failures };
}

const diagnosticsOf = (messages: EngineMessage[]) =>
  messages.filter((m): m is DiagnosticsMessage => m.type === 'diagnostics');
const metricsOf = (messages: EngineMessage[]) =>
  messages.filter((m): m is MetricsMessage => m.type === 'metrics');

describe('Trainer diagnostics', () => {
  it.each(['lstm', 'gru', 'rnn'] as const)(
    '%s: a gradient flow and the gate saturation come with the gate snapshots',
    async (cell) => {
      const { model, train, trainer, messages, failures } = setUp(cell, 1);
      trainer.setProbe('the cat sat on the mat.');
      trainer.start();
      await until('two diagnostics after step 5', () =>
        diagnosticsOf(messages).some((m) => m.step >= 5),
      );
      trainer.pause();
      await until('!trainer.isTraining', () => !trainer.isTraining);
      const reports = diagnosticsOf(messages);
      const probeSteps = messages.filter((m) => m.type === 'probe').map((m) => m.step);
      // One report per snapshot, at the snapshot's step.
      expect(reports.map((r) => r.step)).toEqual(probeSteps.slice(0, reports.length));
      for (const r of reports) {
        expect(r.cell).toBe(cell);
        expect(r.seqLen).toBe(train.seqLen);
        expect(r.flowProblem).toBeNull();
        const flow = r.flow!;
        expect(flow.h).toHaveLength(model.layers);
        for (const layer of flow.h) {
          expect(layer).toHaveLength(train.seqLen);
          for (const v of layer) expect(v > 0 && Number.isFinite(v)).toBe(true);
        }
        expect(flow.c === null).toBe(cell !== 'lstm');
        if (flow.c) for (const layer of flow.c) expect(layer).toHaveLength(train.seqLen);
        expect(flow.groupNorms).toHaveLength(model.layers + 2);
        for (const g of flow.groupNorms) expect(g).toBeGreaterThan(0);
        const expected = { lstm: ['i', 'f', 'g', 'o', 'h'], gru: ['r', 'z', 'n', 'h'], rnn: ['h'] };
        expect(r.saturation).toHaveLength(model.layers);
        for (const layer of r.saturation!) {
          expect(layer.map((s) => s.signal)).toEqual(expected[cell]);
          for (const s of layer) {
            expect(s.low >= 0 && s.high >= 0 && s.low + s.high <= 1).toBe(true);
          }
        }
      }
      // The model moved between two reports at different steps: so did its gradient flow.
      const [first, last] = [reports[0], reports.at(-1)!];
      expect(last.step).toBeGreaterThan(first.step);
      expect(last.flow!.h[0]).not.toEqual(first.flow!.h[0]);
      expect(failures).toEqual([]);
      await trainer.dispose();
    },
  );

  it('reports every step’s gradient norm and whether clipping scaled it', async () => {
    for (const clipNorm of [0.3, 0]) {
      const { trainer, messages } = setUp('lstm', clipNorm);
      trainer.start();
      await until('trainer.step >= 12', () => trainer.step >= 12);
      trainer.pause();
      await until(
        'metricsOf(messages).at(-1)?.step === trainer.step',
        () => metricsOf(messages).at(-1)?.step === trainer.step,
      );
      const trainSteps: number[] = [];
      const triples: [number, number, number][] = [];
      for (const m of metricsOf(messages)) {
        for (let k = 0; k < m.train.length; k += 2) trainSteps.push(m.train[k]);
        const g = m.gradNorms!;
        for (let k = 0; k < g.length; k += 3) triples.push([g[k], g[k + 1], g[k + 2]]);
      }
      expect(triples.map(([s]) => s)).toEqual(trainSteps);
      for (const [, norm, clipped] of triples) {
        expect(norm > 0 && Number.isFinite(norm)).toBe(true);
        expect(clipped).toBe(clipNorm > 0 && norm > clipNorm ? 1 : 0);
      }
      if (clipNorm > 0) expect(triples.some(([, , c]) => c === 1)).toBe(true);
      await trainer.dispose();
    }
  });

  it('trains on when the engine cannot measure gradient flow, and says why once', async () => {
    const { trainer, messages, failures } = setUp('lstm', 1, true);
    trainer.setProbe('the cat');
    trainer.start();
    await until('a diagnostics report after step 3', () =>
      diagnosticsOf(messages).some((m) => m.step >= 3),
    );
    trainer.pause();
    await until('!trainer.isTraining', () => !trainer.isTraining);
    for (const r of diagnosticsOf(messages)) {
      expect(r.flow).toBeNull();
      expect(r.flowProblem).toBe('gradientFlow: not built yet');
      expect(r.saturation).not.toBeNull();
    }
    expect(failures).toEqual([]);
    await trainer.dispose();
  });
});

describe('probe window and gate saturation', () => {
  it('takes at most PROBE_STREAMS streams of T from the training text', () => {
    const tokens = Int32Array.from({ length: 1000 }, (_, k) => k % 97);
    const w = probeWindow(tokens, 16, 10);
    expect(w.batchSize).toBe(PROBE_STREAMS);
    expect(w.seqLen).toBe(10);
    expect(w.inputs[0]).toBe(tokens[0]);
    expect(w.targets[0]).toBe(tokens[1]);
    expect(probeWindow(tokens, 3, 10).batchSize).toBe(3);
  });

  it('counts the share of activations at each rail', () => {
    const f32 = (xs: number[]) => Float32Array.from(xs);
    const snapshot: ProbeSnapshot = {
      step: 3,
      cell: 'gru',
      chars: ['a', 'b'],
      hidden: 2,
      layers: [
        {
          r: f32([0.05, 0.5, 0.95, 0.99]),
          z: f32([0.5, 0.5, 0.5, 0.01]),
          n: f32([-0.95, 0.2, 0.3, 0.91]),
          h: f32([0, 0, 0, 0]),
        },
      ],
      nextCharProb: f32([0.5, NaN]),
      unknown: [],
    };
    expect(gateSaturation(snapshot)).toEqual([
      [
        { signal: 'r', low: 0.25, high: 0.5 },
        { signal: 'z', low: 0.25, high: 0 },
        { signal: 'n', low: 0.25, high: 0.25 },
        { signal: 'h', low: 0, high: 0 },
      ],
    ]);
  });
});
