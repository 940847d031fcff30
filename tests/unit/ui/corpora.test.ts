// The built-in corpora are deterministic and say what they promise: verbs agree
// with subjects, brackets balance, lines wrap at the stated width.
import { OVERFIT_SIZE } from '../../../src/corpora/overfit';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CORPORA } from '../../../src/corpora';
import { agreementCorpus } from '../../../src/corpora/agreement';
import { bracketsCorpus } from '../../../src/corpora/brackets';
import { LINE_WIDTH, lineLengthCorpus } from '../../../src/corpora/lineLength';
import { buildCorpus } from '../../../src/engine/tokenizer';

const PLURAL_SUBJECTS = new Set([
  'cats',
  'dogs',
  'children',
  'teachers',
  'farmers',
  'birds',
  'pilots',
  'bakers',
  'kings',
  'sailors',
]);

describe('built-in corpora', () => {
  it('are the same for the same seed and valid corpora of the promised size', () => {
    for (const c of BUILTIN_CORPORA) {
      const text = c.generate();
      expect(c.generate()).toBe(text);
      // The overfitting preset is small on purpose: a large model memorises it.
      expect(text.length).toBeGreaterThanOrEqual(c.id === 'overfit' ? OVERFIT_SIZE : 200_000);
      const corpus = buildCorpus(text);
      // The suggested probe only uses characters the corpus has.
      expect(corpus.vocab.unknownChars(c.probe)).toEqual([]);
    }
  });

  it('agreement: the verb agrees with the subject across the clause', () => {
    const lines = agreementCorpus(5, 20_000).trim().split('\n');
    for (const line of lines) {
      const subject = line.split(' ')[1];
      const verb = line.match(/ (was|were|is|are|has|have) [a-z ]+\.$/)![1];
      expect(['were', 'are', 'have'].includes(verb), line).toBe(PLURAL_SUBJECTS.has(subject));
    }
  });

  it('brackets: every line balances and quotes never nest', () => {
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (const line of bracketsCorpus(5, 20_000).trim().split('\n')) {
      const stack: string[] = [];
      for (const ch of line) {
        if ('([{'.includes(ch)) stack.push(ch);
        else if (ch in pairs) expect(stack.pop(), line).toBe(pairs[ch]);
        else if (ch === '"') {
          if (stack.at(-1) === '"') stack.pop();
          else {
            expect(stack.includes('"'), line).toBe(false);
            stack.push('"');
          }
        }
      }
      expect(stack, line).toEqual([]);
    }
  });

  it('line lengths: greedy wrapping at the stated width', () => {
    const lines = lineLengthCorpus(5, 20_000).trim().split('\n');
    for (let k = 0; k + 1 < lines.length; k++) {
      expect(lines[k].length).toBeLessThanOrEqual(LINE_WIDTH);
      // The next line's first word would not have fitted.
      expect(lines[k].length + 1 + lines[k + 1].split(' ')[0].length).toBeGreaterThan(LINE_WIDTH);
    }
  });
});
