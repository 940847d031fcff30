// Recall accuracy: on a delayed-recall text (src/corpora/delayedRecall.ts),
// the share of recall positions where the model's most likely next character
// is the right one. A recall position is one whose input is the marker; the
// character after it is the key the model had to remember. A model that
// remembers nothing can at best guess, so its accuracy sits at chance,
// 1 / (number of keys).
//
// Dimension legend: P probe length (tokens), V vocabulary.

import type { Backend } from './backend';

export interface RecallScore {
  /** Recall positions whose argmax was the next character. */
  correct: number;
  /** Recall positions scored (markers with a character after them). */
  positions: number;
  /** correct / positions; NaN when there was no recall position. */
  accuracy: number;
}

/**
 * Scores next-character predictions at the recall positions of `tokens`.
 * `logits` is (P, V), row t the prediction of tokens[t + 1] (ProbeResult.logits).
 * Ties go to the lowest id, so a model that outputs the same logit everywhere
 * scores as a fixed guess, never as a hit by luck of the comparison.
 */
export function recallAccuracy(
  tokens: Int32Array,
  logits: Float32Array,
  vocabSize: number,
  markerId: number,
): RecallScore {
  const P = tokens.length;
  if (logits.length !== P * vocabSize) {
    throw new Error(`logits hold ${logits.length} values; P·V is ${P * vocabSize}`);
  }
  let correct = 0;
  let positions = 0;
  for (let t = 0; t + 1 < P; t++) {
    if (tokens[t] !== markerId) continue;
    positions++;
    if (argmax(logits, t * vocabSize, vocabSize) === tokens[t + 1]) correct++;
  }
  return { correct, positions, accuracy: positions > 0 ? correct / positions : NaN };
}

/** Index (0 … V − 1) of the largest of row[offset … offset + V − 1]. */
function argmax(row: Float32Array, offset: number, vocabSize: number): number {
  let best = 0;
  for (let v = 1; v < vocabSize; v++) if (row[offset + v] > row[offset + best]) best = v;
  return best;
}

/** Probes `tokens` from zero state on any backend and scores its recall positions. */
export async function measureRecall(
  backend: Pick<Backend, 'probe' | 'model'>,
  tokens: Int32Array,
  markerId: number,
): Promise<RecallScore> {
  const probe = await backend.probe(tokens);
  return recallAccuracy(tokens, probe.logits, backend.model.vocabSize, markerId);
}
