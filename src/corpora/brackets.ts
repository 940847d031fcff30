// Nested brackets and quotes: every opening ( [ { or " is closed in the right
// order, at depths up to six. Predicting the closer needs a stack of what is
// open, which a few LSTM units learn to keep as a counter.

import { Rng } from '../engine/rng';

const PAIRS: [open: string, close: string][] = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
  ['"', '"'],
];
const WORDS = ['a', 'b', 'c', 'x', 'y', 'z', 'foo', 'bar', 'id', 'n'];

function group(rng: Rng, depth: number, inQuote: boolean): string {
  const parts: string[] = [];
  const count = 1 + rng.int(3);
  for (let k = 0; k < count; k++) {
    if (depth > 0 && rng.next() < 0.55) {
      // No quotes inside quotes, so every quote closes the innermost one.
      const choices = inQuote ? PAIRS.slice(0, 3) : PAIRS;
      const [open, close] = choices[rng.int(choices.length)];
      parts.push(open + group(rng, depth - 1, inQuote || open === '"') + close);
    } else {
      parts.push(WORDS[rng.int(WORDS.length)]);
    }
  }
  return parts.join(' ');
}

export function bracketsCorpus(seed: number, targetChars: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  while (length < targetChars) {
    const line = group(rng, 2 + rng.int(5), false);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n') + '\n';
}
