// Recall accuracy for the training loop: on a memory task (a delayed-recall
// text, src/corpora/delayedRecall.ts) the share of recall positions of the
// held-out validation text where the model's most likely next character is
// the key it had to remember (recallAccuracy.ts), measured with each
// validation run. The loss mixes the recall with the filler's noise; this
// figure is the one that says whether the model remembers.
//
// Dimension legend: P length of one scored piece (tokens, at most MAX_PROBE_CHARS).

import type { Backend } from '../backend';
import { MAX_PROBE_CHARS } from '../config';
import { measureRecall } from '../recallAccuracy';

/** Which tokens mark a recall, and what guessing scores. */
export interface RecallTask {
  /** The recall marker's id: the token after it is the key. */
  markerId: number;
  /** The line end's id: pieces start after one, so no key is cut off from its recall. */
  newlineId: number;
  /** Accuracy of a model that remembers nothing: 1 / number of keys. */
  chance: number;
}

/** Recall accuracy at one step (at a validation step), for the page. */
export interface RecallReport {
  step: number;
  /** Share of recall positions predicted right (0 … 1). */
  accuracy: number;
  /** Recall positions scored. */
  positions: number;
  chance: number;
}

/** Pieces of the validation text scored per run: each is one probe from zero state. */
const PIECES = 4;

/**
 * Up to `pieces` pieces of `tokens`, each starting after a line end and at
 * most `length` long, spread over the text. Empty when no line end leaves room.
 */
export function recallPieces(
  tokens: Int32Array,
  newlineId: number,
  length = MAX_PROBE_CHARS,
  pieces = PIECES,
): Int32Array[] {
  const out: Int32Array[] = [];
  const stride = Math.max(length, Math.floor(tokens.length / pieces));
  for (let from = 0; out.length < pieces && from < tokens.length; from += stride) {
    const nl = tokens.indexOf(newlineId, from);
    if (nl < 0 || nl + 2 >= tokens.length) break;
    out.push(tokens.subarray(nl + 1, Math.min(tokens.length, nl + 1 + length)));
  }
  return out;
}

export class RecallCheck {
  private readonly pieces: Int32Array[];

  constructor(
    validation: Int32Array,
    private readonly task: RecallTask,
  ) {
    this.pieces = recallPieces(validation, task.newlineId);
  }

  /** The model's recall accuracy now; null when the validation text has no recall position. */
  async run(backend: Pick<Backend, 'probe' | 'model' | 'step'>): Promise<RecallReport | null> {
    let correct = 0;
    let positions = 0;
    for (const piece of this.pieces) {
      const score = await measureRecall(backend, piece, this.task.markerId);
      correct += score.correct;
      positions += score.positions;
    }
    if (positions === 0) return null;
    return {
      step: backend.step,
      accuracy: correct / positions,
      positions,
      chance: this.task.chance,
    };
  }
}
