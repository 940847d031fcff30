// Text wrapped at a fixed width of 40 columns: whether the next character is
// a newline depends only on how far along the line we are, so the model has to
// count characters: the "line length" cell Karpathy found in char-RNNs.

import { Rng } from '../engine/rng';

export const LINE_WIDTH = 40;

const WORDS = (
  'the of and to in is was that for on are with as his they at be this from have or by one ' +
  'had not but what all were when we there can an your which their said if do will each about ' +
  'how up out them then she many some so these would other into has more her two like him see ' +
  'time could no make than first been its who now people my made over did down only way find'
).split(' ');

export function lineLengthCorpus(seed: number, targetChars: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  let line = '';
  while (length < targetChars) {
    const word = WORDS[rng.int(WORDS.length)];
    if (line.length === 0) {
      line = word;
    } else if (line.length + 1 + word.length <= LINE_WIDTH) {
      line += ' ' + word;
    } else {
      lines.push(line);
      length += line.length + 1;
      line = word;
    }
  }
  return lines.join('\n') + '\n';
}
