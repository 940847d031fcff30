// The tagging derivations give one label per code point and restore the text
// they came from: exactly for case, and up to the documented normalisation
// (leading spaces dropped, runs of spaces made one) for spaces. Checked on
// every built-in corpus and on strings chosen to break the rules.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CORPORA, builtinText } from '../../../src/corpora';
import {
  deriveCase,
  deriveSpaces,
  deriveTask,
  normalizeForSpaces,
  normalizeForTask,
  restoreCase,
  restoreSpaces,
  restoreTask,
  type TaggingKind,
} from '../../../src/tasks/tagging';

const TRICKY = [
  '',
  ' ',
  '   ',
  'a',
  ' leading',
  '   three leading',
  'trailing ',
  'trailing three   ',
  'two  inside',
  'line one\nline two',
  'indented\n  line',
  'space before newline \nnext',
  '\n\nblank lines\n\n',
  'tab\tstays',
  'Straße STRASSE ẞ',
  'İstanbul and ıi',
  'Dž Ǆ ǆ',
  'K kelvin K',
  'ΣΊΣΥΦΟΣ σοφός',
  'Numbers 123 and 4.5e6',
  'Emoji 😀 mid 👍🏽 and 🇫🇷 flag',
  'CRLF\r\nand CR\rline',
  'cafe\u0301 decomposed',
  'H\u0331 J\u030c Y\u030a W\u030a\u0301 marks',
  'e \u0301 standalone mark, e  \u0301 after two, \u0301 leading',
  ' \u0301 leading mark',
  '\u1100 \u1161 jamo, \u1100  \u1161 twice',
  '𝐀𝐁 math bold',
];

const KINDS: TaggingKind[] = ['spaces', 'case'];

describe('round trips', () => {
  for (const kind of KINDS) {
    it(`${kind}: tricky strings restore under the documented normalisation`, () => {
      for (const text of TRICKY) {
        const task = deriveTask(kind, text);
        expect(task.labels.length, JSON.stringify(text)).toBe([...task.input].length);
        expect(restoreTask(kind, task.input, task.labels), JSON.stringify(text)).toBe(
          normalizeForTask(kind, text),
        );
      }
    });

    it(`${kind}: every built-in corpus restores`, () => {
      for (const corpus of BUILTIN_CORPORA) {
        const { text } = builtinText(corpus);
        const task = deriveTask(kind, text);
        expect(task.labels.length, corpus.id).toBe([...task.input].length);
        expect(restoreTask(kind, task.input, task.labels) === normalizeForTask(kind, text)).toBe(
          true,
        );
      }
    });
  }

  it('the case input stays NFC, so the tokenizer leaves its length as it is', () => {
    const texts = [...TRICKY, ...BUILTIN_CORPORA.map((c) => builtinText(c).text)];
    for (const text of texts) {
      const { input } = deriveCase(text);
      expect(input.normalize('NFC') === input, JSON.stringify(text.slice(0, 40))).toBe(true);
    }
  });

  it('the space input stays NFC and has spaces only before joining characters', () => {
    const texts = [...TRICKY, ...BUILTIN_CORPORA.map((c) => builtinText(c).text)];
    for (const text of texts) {
      const { input } = deriveSpaces(text);
      expect(input.normalize('NFC') === input, JSON.stringify(text.slice(0, 40))).toBe(true);
      expect(/ (?![\p{M}\u1160-\u11ff])/u.test(input), JSON.stringify(text.slice(0, 40))).toBe(
        false,
      );
    }
  });

  it('case restoration is exact: no normalisation beyond NFC and LF', () => {
    for (const text of TRICKY) {
      const nfc = text.normalize('NFC').replace(/\r\n?/g, '\n');
      expect(normalizeForTask('case', text)).toBe(nfc);
    }
  });
});

describe('space restoration', () => {
  it('labels the character a space followed', () => {
    const t = deriveSpaces('ab c');
    expect(t.input).toBe('abc');
    expect([...t.labels]).toEqual([0, 1, 0]);
  });

  it('makes a run one label, drops leading spaces, keeps trailing ones as a label', () => {
    const t = deriveSpaces('  a   b ');
    expect(t.input).toBe('ab');
    expect([...t.labels]).toEqual([1, 1]);
    expect(restoreSpaces(t.input, t.labels)).toBe('a b ');
    expect(normalizeForSpaces('  a   b ')).toBe('a b ');
  });

  it('keeps newlines and tabs as input characters; a newline carries a following space', () => {
    const t = deriveSpaces('a\n b\tc');
    expect(t.input).toBe('a\nb\tc');
    expect([...t.labels]).toEqual([0, 1, 0, 0, 0]);
  });

  it('counts an emoji as one character with one label', () => {
    const t = deriveSpaces('😀 x');
    expect(t.input).toBe('😀x');
    expect([...t.labels]).toEqual([1, 0]);
  });

  it('keeps a space that would let the next character join the one before it', () => {
    const one = deriveSpaces('e \u0301x');
    expect(one.input).toBe('e \u0301x');
    expect([...one.labels]).toEqual([0, 0, 0, 0]);
    const two = deriveSpaces('e  \u0301x');
    expect(two.input).toBe('e \u0301x');
    expect([...two.labels]).toEqual([1, 0, 0, 0]);
    expect(restoreSpaces(two.input, two.labels)).toBe('e  \u0301x');
    const jamo = deriveSpaces('\u1100 \u1161');
    expect(jamo.input).toBe('\u1100 \u1161');
    expect(normalizeForSpaces('   \u0301')).toBe(' \u0301');
  });

  it('only spaces gives an empty task', () => {
    const t = deriveSpaces('    ');
    expect(t.input).toBe('');
    expect(t.labels.length).toBe(0);
  });
});

describe('case restoration', () => {
  it('lower-cases capitals and labels them', () => {
    const t = deriveCase('Hello World');
    expect(t.input).toBe('hello world');
    expect([...t.labels]).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(restoreCase(t.input, t.labels)).toBe('Hello World');
  });

  it('leaves characters whose case mapping is not one-to-one as they are, label 0', () => {
    for (const ch of ['İ', 'ẞ', 'ß', 'ǅ', '1', '😀', 'ı']) {
      const t = deriveCase(ch);
      expect(t.input, ch).toBe(ch);
      expect([...t.labels], ch).toEqual([0]);
    }
  });

  it('leaves a capital whose lower case would compose with its marks (H + ̱ → ẖ)', () => {
    for (const text of ['H\u0331', 'J\u030c', 'T\u0308x']) {
      const t = deriveCase(text);
      expect(t.input, text).toBe(text[0] + text.slice(1).toLowerCase());
      expect(t.labels[0], text).toBe(0);
      expect(restoreCase(t.input, t.labels)).toBe(text);
    }
    expect(deriveCase('A\u0331').input).toBe('a\u0331'); // a + ̱ has no precomposed form
  });

  it('sees the Kelvin sign as K: NFC comes first', () => {
    const t = deriveCase('\u212a');
    expect(t.input).toBe('k');
    expect(restoreCase(t.input, t.labels)).toBe('K');
  });

  it('maps Σ to σ without the final-sigma context, so the round trip is exact', () => {
    const t = deriveCase('ΟΔΟΣ');
    expect(t.input).toBe('οδοσ');
    expect([...t.labels]).toEqual([1, 1, 1, 1]);
    expect(restoreCase(t.input, t.labels)).toBe('ΟΔΟΣ');
  });

  it('handles capitals outside the BMP as one code point', () => {
    const t = deriveCase('𐐀x'); // Deseret capital long I
    expect(t.input).toBe('𐐨x');
    expect([...t.labels]).toEqual([1, 0]);
  });

  it('a label 1 on a character without a one-character capital keeps it (length is kept)', () => {
    expect(restoreCase('ß1a', [1, 1, 1])).toBe('ß1A');
  });
});

describe('restore refuses labels that do not match the input', () => {
  it('spaces and case', () => {
    expect(() => restoreSpaces('ab', [0])).toThrow(/2 characters but 1 labels/);
    expect(() => restoreCase('😀', [0, 0])).toThrow(/1 characters but 2 labels/);
  });
});
