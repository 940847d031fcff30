// Tagging scores on cases small enough to count by hand, the empty cases as
// documented, argmax over (T, B, 2) logits, and mistakes() positions in code
// points and UTF-16 offsets.
import { describe, expect, it } from 'vitest';
import {
  addConfusions,
  argmaxLabels,
  confusion,
  mistakes,
  scoresFromLogits,
  taggingScores,
} from '../../../src/tasks/taggingMetrics';
import { deriveSpaces, restoreSpaces } from '../../../src/tasks/tagging';

describe('scores', () => {
  it('counts a hand-made case', () => {
    //            TP FP FN TN TN TP FN TN
    const pred = [1, 1, 0, 0, 0, 1, 0, 0];
    const truth = [1, 0, 1, 0, 0, 1, 1, 0];
    const s = taggingScores(pred, truth);
    expect([s.truePositives, s.falsePositives, s.falseNegatives, s.trueNegatives]).toEqual([
      2, 1, 2, 3,
    ]);
    expect(s.count).toBe(8);
    expect(s.accuracy).toBeCloseTo(5 / 8, 12);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 4, 12);
    // 2PR/(P+R) = 2·(2/3)(1/2)/(7/6) = 4/7
    expect(s.f1).toBeCloseTo(4 / 7, 12);
  });

  it('perfect predictions score 1 everywhere', () => {
    const s = taggingScores([0, 1, 1, 0], [0, 1, 1, 0]);
    expect([s.accuracy, s.precision, s.recall, s.f1]).toEqual([1, 1, 1, 1]);
  });

  it('no positives anywhere: F1, precision and recall are 1', () => {
    const s = taggingScores([0, 0, 0], [0, 0, 0]);
    expect([s.accuracy, s.precision, s.recall, s.f1]).toEqual([1, 1, 1, 1]);
  });

  it('no true positives but false alarms: F1 0, recall 1, precision 0', () => {
    const s = taggingScores([0, 1, 0], [0, 0, 0]);
    expect(s.f1).toBe(0);
    expect(s.recall).toBe(1);
    expect(s.precision).toBe(0);
    expect(s.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('a model that never says 1: high accuracy, F1 0', () => {
    const truth = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const s = taggingScores(new Array<number>(10).fill(0), truth);
    expect(s.accuracy).toBeCloseTo(0.9, 12);
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(0);
    expect(s.f1).toBe(0);
  });

  it('no labels at all: accuracy NaN, the rest 1', () => {
    const s = taggingScores([], []);
    expect(s.accuracy).toBeNaN();
    expect(s.f1).toBe(1);
  });

  it('refuses lengths that differ', () => {
    expect(() => taggingScores([0, 1], [0])).toThrow(/2 predicted labels against 1/);
  });

  it('sums confusions of windows into the whole run', () => {
    const a = confusion([1, 0], [1, 1]);
    const b = confusion([1, 0, 0], [0, 0, 1]);
    expect(addConfusions([a, b])).toEqual(confusion([1, 0, 1, 0, 0], [1, 1, 0, 0, 1]));
  });
});

describe('logits', () => {
  it('takes class 1 where its logit is larger; a tie is 0', () => {
    // (T=2, B=2, 2): positions (t0,b0) (t0,b1) (t1,b0) (t1,b1)
    const logits = new Float32Array([0.1, 2, 3, -1, 0.5, 0.5, -2, -1]);
    expect([...argmaxLabels(logits)]).toEqual([1, 0, 0, 1]);
    const s = scoresFromLogits(logits, [1, 0, 1, 1]);
    expect([s.truePositives, s.falsePositives, s.falseNegatives, s.trueNegatives]).toEqual([
      2, 0, 1, 1,
    ]);
  });

  it('refuses an odd length', () => {
    expect(() => argmaxLabels([1, 2, 3])).toThrow(/even length/);
  });
});

describe('mistakes', () => {
  it('lists false positives and false negatives in input order', () => {
    const task = deriveSpaces('the cat sat');
    // truth: "thecatsat" with 1 after "e" (2) and "t" (5)
    const predicted = Uint8Array.from(task.labels);
    predicted[2] = 0; // missing space after "the"
    predicted[3] = 1; // extra space after "c"
    expect(restoreSpaces(task.input, predicted)).toBe('thec at sat');
    expect(mistakes(task.input, predicted, task.labels)).toEqual([
      { index: 2, char: 'e', offset: 2, kind: 'falseNegative' },
      { index: 3, char: 'c', offset: 3, kind: 'falsePositive' },
    ]);
  });

  it('counts code points for index and UTF-16 units for offset', () => {
    const input = '😀a😀b';
    expect(mistakes(input, [0, 1, 0, 1], [0, 0, 0, 1])).toEqual([
      { index: 1, char: 'a', offset: 2, kind: 'falsePositive' },
    ]);
  });

  it('refuses an input that does not match the labels', () => {
    expect(() => mistakes('abc', [0, 0], [0, 0])).toThrow(/3 characters but 2 labels/);
    expect(() => mistakes('a', [0, 0], [0, 0])).toThrow(/1 characters but 2 labels/);
  });
});
