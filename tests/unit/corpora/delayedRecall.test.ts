// The delayed-recall corpus says what it promises: every line is a key, D
// filler characters from another alphabet, the marker and the key again; the
// same seed gives the same text; D outside 5–200 is refused with the reason;
// the page's name for a chosen D reads back as that D.
import { describe, expect, it } from 'vitest';
import { builtinCorpus, builtinOfName, builtinText } from '../../../src/corpora';
import {
  delayedRecallCorpus,
  delayProblem,
  RECALL_DELAY,
  RECALL_FILLER,
  RECALL_KEYS,
  RECALL_MARKER,
  recallLineLength,
  recallProbe,
} from '../../../src/corpora/delayedRecall';
import { MAX_PROBE_CHARS } from '../../../src/engine/config';
import { buildCorpus } from '../../../src/engine/tokenizer';

function lineShape(delay: number): RegExp {
  const keys = `[${RECALL_KEYS}]`;
  return new RegExp(`^(${keys}):[${RECALL_FILLER}]{${delay}}${RECALL_MARKER}\\1$`);
}

describe('delayed-recall corpus', () => {
  it('is whole lines of key, D fillers, marker, the same key, for every D tried', () => {
    for (const delay of [5, 10, 40, 200]) {
      const text = delayedRecallCorpus(3, 20_000, delay);
      expect(text.length).toBeGreaterThanOrEqual(20_000);
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      for (const line of lines) {
        expect(line, line).toMatch(lineShape(delay));
        expect(line.length + 1).toBe(recallLineLength(delay));
      }
      // The filler alphabet and the keys do not overlap: only memory tells the key.
      for (const k of RECALL_KEYS) expect(RECALL_FILLER.includes(k)).toBe(false);
    }
  });

  it('draws keys about evenly, so chance level is 1 / (number of keys)', () => {
    const text = delayedRecallCorpus(5, 100_000, 10);
    const keys = text
      .slice(0, -1)
      .split('\n')
      .map((line) => line[0]);
    for (const k of RECALL_KEYS) {
      const share = keys.filter((x) => x === k).length / keys.length;
      expect(Math.abs(share - 1 / RECALL_KEYS.length), k).toBeLessThan(0.03);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    expect(delayedRecallCorpus(9, 5000, 20)).toBe(delayedRecallCorpus(9, 5000, 20));
    expect(delayedRecallCorpus(9, 5000, 20)).not.toBe(delayedRecallCorpus(10, 5000, 20));
  });

  it('refuses a delay outside 5–200 or not whole, saying the range', () => {
    for (const bad of [4, 201, 0, -3, 12.5, NaN]) {
      expect(delayProblem(bad)).toBe('the delay D must be a whole number from 5 to 200');
      expect(() => delayedRecallCorpus(1, 100, bad)).toThrow(/from 5 to 200/);
    }
    for (const good of [RECALL_DELAY.min, RECALL_DELAY.default, RECALL_DELAY.max]) {
      expect(delayProblem(good)).toBeNull();
    }
  });

  it('suggests a probe of whole lines that fits the probe and uses only corpus characters', () => {
    for (const delay of [5, 20, 200]) {
      const probe = recallProbe(delay);
      const lines = probe.slice(0, -1).split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(1);
      for (const line of lines) expect(line).toMatch(lineShape(delay));
      if (lines.length > 1) expect(probe.length).toBeLessThanOrEqual(MAX_PROBE_CHARS);
      const vocab = buildCorpus(delayedRecallCorpus(4, 20_000, delay)).vocab;
      expect(vocab.unknownChars(probe)).toEqual([]);
    }
  });

  it('is a built-in corpus whose name carries D and reads back as D', () => {
    const corpus = builtinCorpus('recall')!;
    expect(corpus.parameter).toMatchObject({ min: 5, max: 200, default: RECALL_DELAY.default });
    const at40 = builtinText(corpus, 40);
    expect(at40.name).toBe('Delayed recall (D = 40)');
    expect(at40.text).toBe(corpus.generate(40));
    expect(at40.text.split('\n')[0]).toMatch(lineShape(40));
    expect(builtinOfName(at40.name)).toEqual({ corpus, value: 40 });
    // Without a value: the default D, as generate() with no argument.
    expect(builtinText(corpus).text).toBe(corpus.generate());
    expect(builtinText(corpus).name).toBe(`Delayed recall (D = ${RECALL_DELAY.default})`);
    expect(() => builtinText(corpus, 300)).toThrow(/from 5 to 200/);
    // Corpora without a parameter keep their plain title as their name.
    const brackets = builtinCorpus('brackets')!;
    expect(builtinText(brackets).name).toBe(brackets.title);
    expect(builtinOfName(brackets.title)).toEqual({ corpus: brackets, value: null });
    for (const other of ['Delayed recall (D = 300)', 'Delayed recall', 'Pasted text']) {
      expect(builtinOfName(other), other).toBeUndefined();
    }
  });
});
