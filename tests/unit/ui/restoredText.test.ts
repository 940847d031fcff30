// The restored probe text's segmentation (src/ui/restoredText.ts): pieces
// that join to exactly what restoreTask rebuilds, each wrong position a piece
// of its own (missed or extra, named per task), and the probe's scores.

import { describe, expect, it } from 'vitest';
import { deriveCase, deriveSpaces, restoreTask } from '../../../src/tasks/tagging';
import {
  predictedLabels,
  restoredPieces,
  restoredProbe,
  type TextPiece,
} from '../../../src/ui/restoredText';

const joined = (pieces: TextPiece[]) => pieces.map((p) => p.text).join('');
const marks = (pieces: TextPiece[]) =>
  pieces.filter((p) => p.mistake).map((p) => [p.mistake, p.text, p.label]);

describe('predictedLabels', () => {
  it('is 1 where P(class 1) is above one half, 0 at or below it and at NaN', () => {
    expect([...predictedLabels([0.2, 0.5, 0.51, 0.99, NaN])]).toEqual([0, 0, 1, 1, 0]);
  });
});

describe('restoredPieces, spaces', () => {
  const { input, labels } = deriveSpaces('the cat sat');
  const chars = [...input];

  it('is one unmarked piece, the text itself, when the model is right', () => {
    expect(restoredPieces('spaces', chars, labels, labels)).toEqual([{ text: 'the cat sat' }]);
  });

  it('marks a missing space as an empty piece after its character, an extra one as the space', () => {
    const predicted = Uint8Array.from(labels);
    predicted[2] = 0; // "the" runs into "cat"
    predicted[0] = 1; // "t he"
    const pieces = restoredPieces('spaces', chars, predicted, labels);
    expect(joined(pieces)).toBe(restoreTask('spaces', input, predicted));
    expect(joined(pieces)).toBe('t hecat sat');
    expect(marks(pieces)).toEqual([
      ['extra', ' ', 'extra space'],
      ['missed', '', 'missing space'],
    ]);
    // The mark sits where the gap is: after "t" (extra), after "the" (missed).
    expect(pieces.map((p) => p.text)).toEqual(['t', ' ', 'he', '', 'cat sat']);
  });
});

describe('restoredPieces, case', () => {
  const { input, labels } = deriveCase('Hello World, ßig Émile');
  const chars = [...input];

  it('marks the character itself, as the model wrote it', () => {
    const predicted = Uint8Array.from(labels);
    predicted[0] = 0; // "hello": a capital missed
    predicted[2] = 1; // "heLlo": a wrong capital
    const pieces = restoredPieces('case', chars, predicted, labels);
    expect(joined(pieces)).toBe(restoreTask('case', input, predicted));
    expect(marks(pieces)).toEqual([
      ['missed', 'h', 'missing capital'],
      ['extra', 'L', 'wrong capital'],
    ]);
  });

  it('keeps the input length where a label 1 has no one-character capital (ß)', () => {
    const predicted = Uint8Array.from(labels);
    const sharp = chars.indexOf('ß');
    predicted[sharp] = 1;
    const pieces = restoredPieces('case', chars, predicted, labels);
    expect([...joined(pieces)]).toHaveLength(chars.length);
    expect(marks(pieces)).toEqual([['extra', 'ß', 'wrong capital']]);
  });
});

describe('restoredProbe', () => {
  it('gives the truth’s text, the mistakes counted and the probe’s accuracy', () => {
    const { input, labels } = deriveSpaces('a b c d');
    // P(space after): right at a and b, a missed one at c, an extra one at d.
    const probe = restoredProbe('spaces', [...input], [0.9, 0.8, 0.1, 0.7], labels);
    expect(probe.truth).toBe('a b c d');
    expect(joined(probe.pieces)).toBe('a b cd ');
    expect([probe.missed, probe.extra]).toEqual([1, 1]);
    expect(probe.scores.accuracy).toBe(0.5);
    expect(probe.scores.f1).toBeCloseTo((2 * 2) / (2 * 2 + 1 + 1), 12);
  });

  it('refuses labels that do not match the characters one for one', () => {
    expect(() => restoredProbe('case', ['a', 'b'], [0.1], [0, 0])).toThrow(RangeError);
  });
});
