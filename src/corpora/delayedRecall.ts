// Delayed recall: a task where memory alone decides. Every line is
//
//   K:ffff…f>K
//
// a key K (one of RECALL_KEYS), a colon, D filler characters drawn uniformly
// from another alphabet, the recall marker '>', the key again, and a newline.
// The filler carries no information about K, so the only way to predict the
// character after '>' better than chance (1 / number of keys) is to have held
// K in the recurrent state across the D + 2 characters since it was read.
// Everything else is either pure noise (the filler, the next key) or trivial
// (':' after a key, '\n' after the recalled key, '>' after D fillers).

import { MAX_PROBE_CHARS } from '../engine/config';
import { Rng } from '../engine/rng';

/** The keys to remember: few, so chance level (1/4) sits far below a model that remembers. */
export const RECALL_KEYS = 'ABCD';
/**
 * The filler between key and recall: an alphabet disjoint from the keys, small
 * so its noise (ln 8 nats a character) does not drown the one recall per line
 * in the loss (with all 26 letters an LSTM was still below 0.6 recall accuracy
 * after 1500 steps that reach 1.0 with these 8 by step 800: docs/memory-tasks.md).
 */
export const RECALL_FILLER = 'stuvwxyz';
/** Follows the key, so a line reads as "key: filler". */
export const RECALL_SEPARATOR = ':';
/** Announces the recall position: the character after it is the key. */
export const RECALL_MARKER = '>';

/** The delay D (filler characters per line): the range the page offers and its default. */
export const RECALL_DELAY = {
  min: 5,
  max: 200,
  /**
   * At the page's default window T = 48 a whole line (D + 5 characters) fits
   * in a window most of the time, so truncated BPTT can learn it, and D = 20
   * is already beyond what a plain RNN learns (docs/memory-tasks.md).
   */
  default: 20,
} as const;

/** Why `delay` is not a usable D, or null when it is. */
export function delayProblem(delay: number): string | null {
  if (!Number.isInteger(delay) || delay < RECALL_DELAY.min || delay > RECALL_DELAY.max) {
    return `the delay D must be a whole number from ${RECALL_DELAY.min} to ${RECALL_DELAY.max}`;
  }
  return null;
}

/** Characters of one line at delay D: key, ':', D fillers, '>', key, '\n'. */
export function recallLineLength(delay: number): number {
  return delay + 5;
}

/** One line with key `key` and delay D, its filler drawn from `rng`. */
function recallLine(rng: Rng, key: string, delay: number): string {
  let filler = '';
  for (let k = 0; k < delay; k++) filler += RECALL_FILLER[rng.int(RECALL_FILLER.length)];
  return key + RECALL_SEPARATOR + filler + RECALL_MARKER + key + '\n';
}

/** Whole lines of delay D, at least `targetChars` characters, the same for the same seed. */
export function delayedRecallCorpus(seed: number, targetChars: number, delay: number): string {
  const problem = delayProblem(delay);
  if (problem) throw new RangeError(problem);
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  while (length < targetChars) {
    const line = recallLine(rng, RECALL_KEYS[rng.int(RECALL_KEYS.length)], delay);
    lines.push(line);
    length += line.length;
  }
  return lines.join('');
}

/**
 * A probe text of up to three lines at delay D (as many as the probe shows,
 * at least one), so the gate heatmaps show a key being held and recalled.
 */
export function recallProbe(delay: number): string {
  const lines = Math.max(1, Math.min(3, Math.floor(MAX_PROBE_CHARS / recallLineLength(delay))));
  return delayedRecallCorpus(7, lines * recallLineLength(delay), delay);
}
