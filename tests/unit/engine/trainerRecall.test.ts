// Recall accuracy on the training loop's wire, on the CPU reference: on a
// delayed-recall text the loop scores the model's recall on pieces of the
// validation text (each from a line start) with every validation run, and
// the worker posts it as a 'recall' message tagged with the model's index;
// on any other text nothing is scored. The worker tells a delayed-recall
// text by the text itself.
import { describe, expect, it } from 'vitest';
import {
  delayedRecallCorpus,
  RECALL_KEYS,
  RECALL_MARKER,
} from '../../../src/corpora/delayedRecall';
import { splitCorpus } from '../../../src/engine/batcher';
import {
  DEFAULT_OPTIMIZER,
  type ModelConfig,
  type TrainConfig,
  DEFAULT_REGULARIZATION,
} from '../../../src/engine/config';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import { initParams } from '../../../src/engine/params';
import { recallAccuracy } from '../../../src/engine/recallAccuracy';
import { Rng } from '../../../src/engine/rng';
import { buildCorpus, type Corpus } from '../../../src/engine/tokenizer';
import { recallPieces, type RecallTask } from '../../../src/engine/training/recall';
import { Trainer } from '../../../src/engine/training/trainer';
import type { EngineMessage, EngineMessageOf } from '../../../src/worker/protocol';
import { recallTaskOf } from '../../../src/worker/recallTask';
import { trainingWire } from '../../../src/worker/trainingWire';
import { EAGER_LOOP } from '../../helpers/trainerEvents';
import { until } from '../../helpers/until';

const recallCorpus = buildCorpus(delayedRecallCorpus(3, 12_000, 10));
const TRAIN: TrainConfig = {
  seqLen: 16,
  batchSize: 4,
  seed: 2,
  valFraction: 0.1,
  regularization: DEFAULT_REGULARIZATION,
  optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
};

function setUp(corpus: Corpus, recall: RecallTask | undefined, model = 2) {
  const config: ModelConfig = {
    cell: 'gru',
    vocabSize: corpus.vocab.size,
    embedSize: 8,
    hiddenSize: 12,
    layers: 1,
  };
  const backend = new CpuBackend(config, initParams(config, new Rng(TRAIN.seed)), {
    batchSize: TRAIN.batchSize,
    seqLen: TRAIN.seqLen,
  });
  const messages: EngineMessage[] = [];
  const failures: unknown[] = [];
  const split = splitCorpus(corpus.tokens, TRAIN.valFraction);
  const trainer = new Trainer(
    backend,
    corpus.vocab,
    split,
    TRAIN,
    trainingWire(
      (m) => messages.push(m),
      (e) => failures.push(e),
      model,
    ),
    { ...EAGER_LOOP, recall },
  );
  return { trainer, messages, failures, split, backend };
}

const recallsOf = (messages: EngineMessage[]) =>
  messages.filter((m): m is EngineMessageOf<'recall'> => m.type === 'recall');

describe('recallTaskOf', () => {
  it('finds the marker and line end of a delayed-recall text, chance 1 / keys', () => {
    const task = recallTaskOf(recallCorpus);
    expect(task).toEqual({
      markerId: recallCorpus.vocab.idOf(RECALL_MARKER.codePointAt(0)!),
      newlineId: recallCorpus.vocab.idOf(10),
      chance: 1 / RECALL_KEYS.length,
    });
    expect(task!.chance).toBe(0.25);
  });

  it('is null for any other text, even one that starts like the task', () => {
    expect(recallTaskOf(buildCorpus('the cat sat on the mat.\n'.repeat(50)))).toBeNull();
    const lookalike = delayedRecallCorpus(3, 2000, 10) + 'and then some prose.\n';
    expect(recallTaskOf(buildCorpus(lookalike))).toBeNull();
    // A line whose recall is not its key is not a task line.
    expect(recallTaskOf(buildCorpus('A:stuv>B\nB:stuv>B\n'))).toBeNull();
  });
});

describe('recallPieces', () => {
  it('cuts pieces that start after a line end, spread over the text, at most `length` long', () => {
    const nl = recallCorpus.vocab.idOf(10)!;
    const tokens = recallCorpus.tokens.subarray(0, 3000);
    const pieces = recallPieces(tokens, nl, 400, 4);
    expect(pieces).toHaveLength(4);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(400);
      expect(piece.length).toBeGreaterThan(300);
      // Each piece is the text right after a line end.
      const start = (piece.byteOffset - tokens.byteOffset) / Int32Array.BYTES_PER_ELEMENT;
      expect(tokens[start - 1]).toBe(nl);
    }
    const starts = pieces.map((p) => p.byteOffset);
    expect(new Set(starts).size).toBe(4);
    expect(recallPieces(tokens.subarray(0, 5), nl)).toEqual([]);
  });
});

describe('recall accuracy on the wire', () => {
  it('comes with each validation run, tagged with the model, scored as recallAccuracy scores', async () => {
    const task = recallTaskOf(recallCorpus)!;
    const { trainer, messages, failures, split, backend } = setUp(recallCorpus, task);
    // The untrained model's, with the step-0 validation: scored here on the same pieces.
    const pieces = recallPieces(split.validation, task.newlineId);
    let correct = 0;
    let positions = 0;
    for (const piece of pieces) {
      const { logits } = await backend.probe(piece);
      const score = recallAccuracy(piece, logits, backend.model.vocabSize, task.markerId);
      correct += score.correct;
      positions += score.positions;
    }
    expect(positions).toBeGreaterThan(20);

    trainer.begin();
    await until('the step-0 recall', () => recallsOf(messages).length >= 1);
    expect(recallsOf(messages)[0]).toEqual({
      type: 'recall',
      model: 2,
      step: 0,
      accuracy: correct / positions,
      positions,
      chance: 0.25,
    });

    trainer.start();
    await until('a recall after step 20', () => recallsOf(messages).some((m) => m.step >= 20));
    trainer.pause();
    await until('!trainer.isTraining', () => !trainer.isTraining);
    const steps = recallsOf(messages).map((m) => m.step);
    // One per validation run, at the validation cadence (every 10 steps here).
    expect(steps.slice(0, 3)).toEqual([0, 10, 20]);
    for (const m of recallsOf(messages)) {
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(m.positions).toBe(positions);
    }
    expect(failures).toEqual([]);
    await trainer.dispose();
  });

  it('is not scored on a text that is not a memory task', async () => {
    const prose = buildCorpus('the cat sat on the mat.\na dog ran to the park.\n'.repeat(60));
    const { trainer, messages, failures } = setUp(prose, recallTaskOf(prose) ?? undefined);
    trainer.start();
    await until('a validation after step 10', () =>
      messages.some(
        (m) => m.type === 'metrics' && m.validation.some((v, k) => k % 2 === 0 && v >= 10),
      ),
    );
    trainer.pause();
    await until('!trainer.isTraining', () => !trainer.isTraining);
    expect(recallsOf(messages)).toEqual([]);
    expect(failures).toEqual([]);
    await trainer.dispose();
  });
});
