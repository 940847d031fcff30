// Scores of a binary tagger (tagging.ts): accuracy, and precision, recall and
// F1 of class 1 (a space follows; the character was upper-case). Class 1 is
// the minority (most characters end no word and are not capitals), so
// accuracy alone flatters a model that never says 1: F1 is the number that
// shows whether it learned anything.
//
// Dimension legend: T window length, B streams; N = T·B labels. Logits are
// (T, B, 2) time-major, the class innermost, as the engine's heads lay out
// (T, B, V) with V = 2.

/** Counts of the confusion matrix for class 1. */
export interface Confusion {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

export interface TaggingScores extends Confusion {
  /** Labels scored. */
  count: number;
  /** Share of labels predicted right; NaN when there are none. */
  accuracy: number;
  /** Share of predicted 1s that are 1s; 1 when nothing was predicted 1 (no false alarm). */
  precision: number;
  /** Share of true 1s predicted 1; 1 when there are no true 1s (nothing missed). */
  recall: number;
  /**
   * 2·TP / (2·TP + FP + FN); 1 when there are no 1s, true or predicted (all
   * right), and 0 when there are 1s but none matched.
   */
  f1: number;
}

/** The confusion matrix of `predicted` against `truth` (0/1 each, same length). */
export function confusion(predicted: ArrayLike<number>, truth: ArrayLike<number>): Confusion {
  checkLengths(predicted, truth);
  const c: Confusion = { truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0 };
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] === 1;
    const t = truth[i] === 1;
    if (p && t) c.truePositives++;
    else if (p) c.falsePositives++;
    else if (t) c.falseNegatives++;
    else c.trueNegatives++;
  }
  return c;
}

/**
 * Scores from a confusion matrix. The empty cases are defined, not NaN, so a
 * curve over a window with no 1s (a line of lower-case text) has a value: a
 * model that says 0 there is right, one that says 1 there is not. Only
 * accuracy over no labels at all is NaN: there is nothing to measure.
 */
export function scoresOf(c: Confusion): TaggingScores {
  const tp = c.truePositives;
  const fp = c.falsePositives;
  const fn = c.falseNegatives;
  const count = tp + fp + fn + c.trueNegatives;
  return {
    ...c,
    count,
    accuracy: count === 0 ? NaN : (tp + c.trueNegatives) / count,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    // This form equals 2PR/(P+R) whenever that is defined, and needs no special case for P = R = 0.
    f1: tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn),
  };
}

/** Scores of predicted labels against true ones (0/1 each, same length). */
export function taggingScores(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): TaggingScores {
  return scoresOf(confusion(predicted, truth));
}

/**
 * The predicted class of each position of (T, B, 2) logits: 1 where class 1's
 * logit is strictly larger. A tie says 0, so an untrained model with equal
 * logits predicts the common class.
 */
export function argmaxLabels(logits: ArrayLike<number>): Uint8Array {
  if (logits.length % 2 !== 0) {
    throw new RangeError(`(T, B, 2) logits need an even length, got ${logits.length}`);
  }
  const out = new Uint8Array(logits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
  return out;
}

/** Scores of (T, B, 2) logits against (T, B) true labels. */
export function scoresFromLogits(
  logits: ArrayLike<number>,
  truth: ArrayLike<number>,
): TaggingScores {
  return taggingScores(argmaxLabels(logits), truth);
}

/** Sums confusion matrices (one per window) into one, so scores cover a whole validation run. */
export function addConfusions(parts: Iterable<Confusion>): Confusion {
  const sum: Confusion = {
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    trueNegatives: 0,
  };
  for (const c of parts) {
    sum.truePositives += c.truePositives;
    sum.falsePositives += c.falsePositives;
    sum.falseNegatives += c.falseNegatives;
    sum.trueNegatives += c.trueNegatives;
  }
  return sum;
}

export interface TaggingMistake {
  /** Position in the input, in code points (tagging.ts counts that way). */
  index: number;
  /** The input character there. */
  char: string;
  /** Position of that character in the input as a JS string (UTF-16 units), for marking text. */
  offset: number;
  /** falsePositive: said 1 where the truth is 0 (a space or capital that should not be). */
  kind: 'falsePositive' | 'falseNegative';
}

/**
 * The positions where `predicted` differs from `truth`, in input order, for
 * marking the restored probe text: a false positive is an extra space or
 * capital, a false negative a missing one.
 */
export function mistakes(
  input: string,
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): TaggingMistake[] {
  checkLengths(predicted, truth);
  const out: TaggingMistake[] = [];
  let index = 0;
  let offset = 0;
  for (const char of input) {
    if (index >= truth.length) break;
    const p = predicted[index] === 1;
    const t = truth[index] === 1;
    if (p !== t) out.push({ index, char, offset, kind: p ? 'falsePositive' : 'falseNegative' });
    index++;
    offset += char.length;
  }
  if (index !== truth.length || offset !== input.length) {
    throw new RangeError(
      `the input has ${[...input].length} characters but ${truth.length} labels: they must match one for one`,
    );
  }
  return out;
}

function checkLengths(predicted: ArrayLike<number>, truth: ArrayLike<number>): void {
  if (predicted.length !== truth.length) {
    throw new RangeError(
      `${predicted.length} predicted labels against ${truth.length} true ones: they must match`,
    );
  }
}
