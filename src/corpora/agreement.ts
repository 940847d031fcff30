// Subject–verb agreement across long distractor clauses: the verb at the end
// of each sentence agrees with the subject at its start, while the clause in
// between names other nouns of either number. A model can only get "was" or
// "were" right by carrying the subject's number across the clause: the job an
// LSTM's cell state is for.

import { Rng } from '../engine/rng';

const NOUNS: [singular: string, plural: string][] = [
  ['cat', 'cats'],
  ['dog', 'dogs'],
  ['child', 'children'],
  ['teacher', 'teachers'],
  ['farmer', 'farmers'],
  ['bird', 'birds'],
  ['pilot', 'pilots'],
  ['baker', 'bakers'],
  ['king', 'kings'],
  ['sailor', 'sailors'],
];

const RELATIVE_VERBS = ['saw', 'chased', 'helped', 'followed', 'met', 'fed', 'knew', 'watched'];
const PLACES = [
  'near the old barn',
  'by the river',
  'in the market',
  'behind the school',
  'on the hill',
];
const ADVERBS = ['already', 'never', 'often', 'once', 'quietly'];
const ENDINGS: [singular: string, plural: string][] = [
  ['was tired', 'were tired'],
  ['was happy', 'were happy'],
  ['is asleep', 'are asleep'],
  ['has gone home', 'have gone home'],
  ['was full', 'were full'],
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** A noun phrase in a random number, used as a distractor. */
function distractor(rng: Rng): string {
  const [one, many] = pick(rng, NOUNS);
  return rng.next() < 0.5 ? `the ${one}` : `the ${many}`;
}

function clause(rng: Rng, depth: number): string {
  let text = `which ${pick(rng, ADVERBS)} ${pick(rng, RELATIVE_VERBS)} ${distractor(rng)}`;
  if (rng.next() < 0.6) text += ` ${pick(rng, PLACES)}`;
  if (depth > 0 && rng.next() < 0.5) text += ` ${clause(rng, depth - 1)}`;
  return text;
}

function sentence(rng: Rng): string {
  const plural = rng.next() < 0.5;
  const [one, many] = pick(rng, NOUNS);
  const [endOne, endMany] = pick(rng, ENDINGS);
  const subject = plural ? many : one;
  return `The ${subject} ${clause(rng, 2)} ${plural ? endMany : endOne}.`;
}

export function agreementCorpus(seed: number, targetChars: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  while (length < targetChars) {
    const line = sentence(rng);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n') + '\n';
}
