// Recall accuracy and gradient flow per cell on the delayed-recall corpus, the
// figures of docs/memory-tasks.md: `npx tsx scripts/measureRecall.ts D T STEPS`
// trains an RNN, a GRU and an LSTM (E16 H32 L1, B16, lr 1e-2, seed 1) on the
// CPU engine and prints, per cell, the recall accuracy on 200 held-out lines
// and the gradient-flow ratio ‖∂ℓ/∂h at k = T−1‖ / ‖… at k = 0‖ before and
// after training (CpuBackend.gradientFlow on a fixed probe window of 8 streams).
//
// Dimension legend: D delay, T window, B batch, E embedding, H hidden, L layers.

import {
  delayedRecallCorpus,
  RECALL_KEYS,
  RECALL_MARKER,
  recallLineLength,
} from '../src/corpora/delayedRecall';
import { Batcher } from '../src/engine/batcher';
import { DEFAULT_OPTIMIZER, type ModelConfig } from '../src/engine/config';
import { CpuBackend } from '../src/engine/cpu/backend';
import { initParams } from '../src/engine/params';
import { measureRecall } from '../src/engine/recallAccuracy';
import { Rng } from '../src/engine/rng';
import { buildCorpus } from '../src/engine/tokenizer';
import type { CellType } from '../src/engine/cells';

const [D, T, STEPS] = process.argv.slice(2).map(Number);
const corpus = buildCorpus(delayedRecallCorpus(11, 120_000, D));
const heldOut = corpus.vocab.encode(delayedRecallCorpus(99, 200 * recallLineLength(D), D));
const marker = corpus.vocab.idOf(RECALL_MARKER.codePointAt(0)!)!;
for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
  const model: ModelConfig = {
    cell,
    vocabSize: corpus.vocab.size,
    embedSize: 16,
    hiddenSize: 32,
    layers: 1,
  };
  const backend = new CpuBackend(model, initParams(model, new Rng(1)), {
    batchSize: 16,
    seqLen: T,
  });
  const batcher = new Batcher(corpus.tokens, 16, T, 1);
  const probe = new Batcher(corpus.tokens, 8, T, 7).next().batch;
  const ratio = async () => {
    const f = await backend.gradientFlow(probe);
    const h = f.h[0];
    return h[T - 1] / h[0];
  };
  const before = await ratio();
  for (let s = 0; s < STEPS; s++) {
    const { batch, startsEpoch } = batcher.next();
    if (startsEpoch) backend.resetState();
    backend.trainStep(batch, { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 });
  }
  await backend.drainLosses();
  const after = await ratio();
  const f = await backend.gradientFlow(probe);
  const score = await measureRecall(backend, heldOut, marker);
  const k = Math.min(D + 2, T - 1);
  console.log(
    `D=${D} T=${T} steps=${STEPS} ${cell}: recall ${score.accuracy.toFixed(2)} (chance ${1 / RECALL_KEYS.length}); flow ratio |k=T-1|/|k=0| untrained ${before.toExponential(1)} trained ${after.toExponential(1)}; |k=${k}|/|k=0| ${(f.h[0][k] / f.h[0][0]).toExponential(1)}${f.c ? `; c ratio ${(f.c[0][T - 1] / f.c[0][0]).toExponential(1)}` : ''}`,
  );
}
