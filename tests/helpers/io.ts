// Shared by the io tests: a small corpus and model with seeded weights, a CPU
// backend to hold exports to, a max-difference helper that reports where, the
// code a reader's FormatError carries, and an empty training state for
// checkpoints written by hand.
//
// Dimension legend: T steps, B batch, E embedding, H hidden, V vocabulary, L layers.

import type { ProbeInput } from '../../src/engine/backend';
import type { ModelConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { initParams } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { buildCorpus, type Corpus } from '../../src/engine/tokenizer';
import type { AdamMoments, RecurrentState } from '../../src/engine/state';
import { FormatError, type FormatErrorCode } from '../../src/io/errors';

export const TEXT =
  'the cat sat on the mat. the dog ate the hat! ' +
  'a bird in the hand is worth two in the bush; (nested [brackets] {here}).\n' +
  'Ünïcödé ✓ and an emoji 🐈 outside the BMP.\n';

export function tinyCorpus(text = TEXT): Corpus {
  return buildCorpus(text);
}

export function tinyModel(layers: number, corpus = tinyCorpus()): ModelConfig {
  return { cell: 'lstm', vocabSize: corpus.vocab.size, embedSize: 6, hiddenSize: 7, layers };
}

/** Seeded weights; initParams draws every tensor, biases included, so no gate is trivially zero. */
export function seededParams(model: ModelConfig, seed = 7): Float32Array {
  return initParams(model, new Rng(seed));
}

export function cpuBackend(model: ModelConfig, params: Float32Array, batchSize = 1, seqLen = 8) {
  return new CpuBackend(model, params, { batchSize, seqLen });
}

/** (T, O) outputs of the CPU reference for token ids (T) or a forecast's values (T·Ci), from zero state. */
export async function cpuLogits(model: ModelConfig, params: Float32Array, input: ProbeInput) {
  const backend = cpuBackend(model, params);
  const probe = await backend.probe(input);
  backend.dispose();
  return probe.logits;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The code of the FormatError `read` throws, or 'no error'; anything else is rethrown. */
export function codeOf(read: () => unknown): FormatErrorCode | 'no error' {
  try {
    read();
    return 'no error';
  } catch (e) {
    if (e instanceof FormatError) return e.code;
    throw e;
  }
}

/** Zero Adam moments at `step` and a zero carried (h, c) for B streams: a checkpoint's state, empty. */
export function emptyTrainingState(
  model: ModelConfig,
  params: Float32Array,
  B: number,
  step = 3,
): { optimizer: AdamMoments; state: RecurrentState } {
  const n = model.layers * B * model.hiddenSize; // (L, B, H)
  return {
    optimizer: { m: new Float32Array(params.length), v: new Float32Array(params.length), step },
    state: { h: new Float32Array(n), c: new Float32Array(n) },
  };
}
