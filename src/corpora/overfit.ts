// A corpus made to overfit within a minute: a few kilobytes of sentences
// whose words are drawn at random from small lists. The grammar (article,
// adjective, noun, verb, ...) is learnable and holds in the held-out part too;
// which word comes next is not, so a model that drives its training loss far
// below the text's entropy has memorised the training part, and its
// validation loss turns up. A large H on so little text does exactly that,
// visibly; dropout and early stopping are the cures to try next.

import { Rng } from '../engine/rng';

const ADJECTIVES = [
  'old',
  'quiet',
  'red',
  'tall',
  'small',
  'bright',
  'cold',
  'lazy',
  'brave',
  'soft',
];
const NOUNS = [
  'fox',
  'miller',
  'river',
  'lamp',
  'garden',
  'sailor',
  'horse',
  'window',
  'baker',
  'hill',
];
const VERBS = ['watched', 'found', 'carried', 'followed', 'painted', 'met', 'heard', 'passed'];
const PLACES = ['near', 'under', 'behind', 'beside', 'across', 'above'];

function pick(rng: Rng, words: readonly string[]): string {
  return words[rng.nextU32() % words.length];
}

/** One sentence: "the brave fox watched a cold lamp near the hill." */
function sentence(rng: Rng): string {
  const subject = `the ${pick(rng, ADJECTIVES)} ${pick(rng, NOUNS)}`;
  const object = `${rng.nextU32() % 2 ? 'a' : 'the'} ${pick(rng, ADJECTIVES)} ${pick(rng, NOUNS)}`;
  return `${subject} ${pick(rng, VERBS)} ${object} ${pick(rng, PLACES)} the ${pick(rng, NOUNS)}.`;
}

/** About `size` characters of such sentences, a few to a line, from `seed`. */
export function overfitCorpus(seed: number, size: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  while (length < size) {
    const count = 2 + (rng.nextU32() % 2);
    const line = Array.from({ length: count }, () => sentence(rng)).join(' ');
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/**
 * The preset's text size: 4 KB, so a large model memorises it within a
 * minute (docs/regularization.md: at 8 KB the turn came later and weaker).
 */
export const OVERFIT_SIZE = 4000;

/**
 * The settings the preset applies (keys of configSchema.ts), on top of the
 * person's: a large H for so little text; B 8 and T 32 so the quarter held
 * out (1000 characters) still gives validation three windows per stream and
 * a step is cheap (many updates per epoch memorise sooner); and no
 * regularisation (the person adds it).
 */
export const OVERFIT_SETTINGS = {
  hiddenSize: 256,
  batchSize: 8,
  seqLen: 32,
  valFraction: 0.25,
  dropout: 0,
  patience: 0,
} as const;
