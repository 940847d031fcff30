// The restored probe text of a tagging model, cut into pieces for marking its
// mistakes: the model's labels (P(class 1) > 0.5 at each character of the
// derived input) rebuild the text (tasks/tagging.ts restoreTask), and each
// position where they differ from the truth (tasks/taggingMetrics.ts
// mistakes) becomes a marked piece: a missed mark (a space or capital the
// text has and the model left out) or an extra one (put in where the text has
// none). Pure, so the segmentation is tested without drawing.
//
// Dimension legend: P probe characters (the derived input, one label each).

import { restoreTask, type TaggingKind } from '../tasks/tagging';
import { mistakes, taggingScores, type TaggingScores } from '../tasks/taggingMetrics';

/** missed: the truth has the mark, the model not; extra: the model put one the truth lacks. */
export type MistakeKind = 'missed' | 'extra';

export interface TextPiece {
  /** The restored text of this piece (a missed space is '': the model wrote none). */
  text: string;
  mistake?: MistakeKind;
  /** What the mark means, for the legend's reader and a screen reader: "missing space". */
  label?: string;
}

export interface RestoredProbe {
  /** The model's label at each position (P). */
  predicted: Uint8Array;
  /** The restored text, mistakes as their own pieces; their texts joined are restoreTask's. */
  pieces: TextPiece[];
  /** The text restored from the true labels: what the model should have written. */
  truth: string;
  scores: TaggingScores;
  missed: number;
  extra: number;
}

/** What each mistake is called, per task. */
export const MISTAKE_LABELS: Readonly<Record<TaggingKind, Record<MistakeKind, string>>> = {
  spaces: { missed: 'missing space', extra: 'extra space' },
  case: { missed: 'missing capital', extra: 'wrong capital' },
};

/** The class the model picks at each position: 1 where P(class 1) > 0.5 (NaN picks 0). */
export function predictedLabels(probabilities: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < out.length; i++) out[i] = probabilities[i] > 0.5 ? 1 : 0;
  return out;
}

/** Appends `piece`, merging it into the last one when both are unmarked. */
function push(pieces: TextPiece[], piece: TextPiece): void {
  const last = pieces[pieces.length - 1];
  if (!piece.mistake && last && !last.mistake) last.text += piece.text;
  else if (piece.mistake || piece.text !== '') pieces.push(piece);
}

/**
 * The text restored from `predicted` over the input `chars`, in pieces: a
 * wrong position of a space task marks the gap after its character (the
 * extra space, or an empty piece where one is missing); of a case task, the
 * character itself (as the model wrote it).
 */
export function restoredPieces(
  kind: TaggingKind,
  chars: readonly string[],
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): TextPiece[] {
  const wrong = new Map(
    mistakes(chars.join(''), predicted, truth).map((m) => [
      m.index,
      m.kind === 'falsePositive' ? ('extra' as const) : ('missed' as const),
    ]),
  );
  const labels = MISTAKE_LABELS[kind];
  const pieces: TextPiece[] = [];
  chars.forEach((ch, i) => {
    // One character restored on its own: a space task's is the character and maybe its space.
    const restored = restoreTask(kind, ch, [predicted[i]]);
    const mistake = wrong.get(i);
    if (!mistake) push(pieces, { text: restored });
    else if (kind === 'case') push(pieces, { text: restored, mistake, label: labels[mistake] });
    else {
      push(pieces, { text: ch });
      push(pieces, { text: restored.slice(ch.length), mistake, label: labels[mistake] });
    }
  });
  return pieces;
}

/** The restored probe of a tagging snapshot: its pieces, the truth's text and the probe's scores. */
export function restoredProbe(
  kind: TaggingKind,
  chars: readonly string[],
  probabilities: ArrayLike<number>,
  truth: ArrayLike<number>,
): RestoredProbe {
  const predicted = predictedLabels(probabilities);
  const pieces = restoredPieces(kind, chars, predicted, truth);
  const scores = taggingScores(predicted, truth);
  return {
    predicted,
    pieces,
    truth: restoreTask(kind, chars.join(''), truth),
    scores,
    missed: scores.falseNegatives,
    extra: scores.falsePositives,
  };
}
