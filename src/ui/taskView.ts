// What the page shows for each task (engine/task.ts): the one sentence the
// task picker says about it, which panels mean something for it, and the
// uniform guess the loss chart draws. Pure, so it is tested without drawing.
//
// Dimension legend: V vocabulary, K classes of a tagger (TAG_CLASSES), D directions.

import { TAG_CLASSES, isTaggingTask, type Direction, type Task } from '../engine/task';

/** One sentence per task: what goes in, what comes out. */
export const TASK_SENTENCES: Readonly<Record<Task, string>> = {
  lm: 'The model reads the text and predicts each next character from the ones before it.',
  spaces:
    'The model reads the text with its spaces removed and says, at each character, whether a space followed it: the text itself is the answer key.',
  case: 'The model reads the text lower-cased and says, at each character, whether it was a capital: the text itself is the answer key.',
  forecast: 'The model reads a series and predicts its next values from the ones before them.',
};

/** One sentence per direction of a restoration task. */
export const DIRECTION_SENTENCES: Readonly<Record<Direction, string>> = {
  uni: 'Left to right: each decision sees only the characters before it.',
  bi: 'Both ways: a second direction reads each window from its end, so each decision also sees the characters after it.',
};

/** Sampling generates text: only a next-character model does. */
export function showsSampling(task: Task): boolean {
  return task === 'lm';
}

/** The tagging view (scores, restored probe text) belongs to the restoration tasks. */
export function showsTagging(task: Task): boolean {
  return isTaggingTask(task);
}

/**
 * The gradient flow measures how far back a left-to-right model's last
 * prediction reaches; a bidirectional model has no such "back" (the engine
 * measures it for uni models only).
 */
export function showsGradientFlow(direction: Direction): boolean {
  return direction === 'uni';
}

/**
 * The classes a uniform guess picks from, whose ln the loss chart draws as
 * its baseline: V for next character, K for a tagger, 0 (no baseline) for a
 * forecast, whose loss is a squared error.
 */
export function guessClasses(task: Task, vocabSize: number): number {
  if (task === 'forecast') return 0;
  return isTaggingTask(task) ? TAG_CLASSES : vocabSize;
}

/** How the loss chart names its baseline: "ln V" over the vocabulary, "ln 2" over a tagger's classes. */
export function guessName(task: Task): string {
  return isTaggingTask(task) ? `ln ${TAG_CLASSES}` : 'ln V';
}
