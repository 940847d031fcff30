// What a model reads, what it predicts and how it is scored: the task. Every
// engine, export and view that depends on it reads it from here, never from
// field names of its own.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, D directions (1 or 2), Ci values read per timestep (forecast),
// Co values predicted per timestep (forecast), K classes a tagger picks from.
//
//   lm        next character: tokens in, V logits out, cross-entropy; state
//             carried from window to window of a stream
//   spaces    space restoration: the text without spaces in, K = 2 logits per
//             character (was a space after it?), cross-entropy
//   case      case restoration: the lower-cased text in, K = 2 logits per
//             character (was it upper-case?), cross-entropy
//   forecast  a multivariate series: Ci normalised values in per timestep (no
//             embedding: layer 0 reads them as its input), Co values out (the
//             target columns one step ahead), mean squared error; state
//             carried as for text
//
// A bidirectional model (D = 2) reads every window both ways: layer l runs a
// forward and a reverse direction over the same input, and its output at t is
// [h_fwd_t, h_rev_t] (D·H), which the layer above and the head read. The
// reverse direction sees the future, so only the tagging tasks, whose labels
// are known for the whole window, allow it; a tagging window is independent of
// the one before (zero state, nothing carried), uni or bi.

import type { ModelConfig } from './config';

export const TASKS = ['lm', 'spaces', 'case', 'forecast'] as const;
export type Task = (typeof TASKS)[number];

export const DIRECTIONS = ['uni', 'bi'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** K: the classes of a tagging task (0: no mark, 1: the mark: a space after, upper case). */
export const TAG_CLASSES = 2;

/** The tagging tasks: labels per character of a text derived from any corpus (src/tasks/). */
export type TaggingTask = Extract<Task, 'spaces' | 'case'>;

export function isTaggingTask(task: Task): task is TaggingTask {
  return task === 'spaces' || task === 'case';
}

/** The model's task; configs from before tasks existed are language models. */
export function taskOf(m: ModelConfig): Task {
  return m.task ?? 'lm';
}

/** D: 1 for a left-to-right model, 2 for a bidirectional one. */
export function directionCount(m: ModelConfig): 1 | 2 {
  return m.direction === 'bi' ? 2 : 1;
}

/** Whether layer 0 reads token ids through the embedding (else Ci values per timestep). */
export function readsTokens(m: ModelConfig): boolean {
  return taskOf(m) !== 'forecast';
}

/** Columns of the head's output: V (lm), K (tagging) or Co (forecast). */
export function outputSize(m: ModelConfig): number {
  const task = taskOf(m);
  if (task === 'lm') return m.vocabSize;
  if (task === 'forecast') return m.seriesOutputs ?? 0;
  return TAG_CLASSES;
}

/** The loss the head computes: mean cross-entropy over T·B positions, or mean squared error over T·B·Co values. */
export type LossKind = 'crossEntropy' | 'meanSquaredError';

export function lossKind(m: ModelConfig): LossKind {
  return taskOf(m) === 'forecast' ? 'meanSquaredError' : 'crossEntropy';
}

/**
 * Whether a stream's state is carried from one window into the next (text and
 * series), or every window starts from zero (tagging, and anything
 * bidirectional: a reverse direction has no "previous window").
 */
export function carriesState(m: ModelConfig): boolean {
  return directionCount(m) === 1 && !isTaggingTask(taskOf(m));
}

/** Why a task and a direction cannot go together, or null when they can. */
export function directionProblem(task: Task, direction: Direction): string | null {
  if (direction === 'uni' || isTaggingTask(task)) return null;
  return task === 'lm'
    ? 'a bidirectional model reads the next character before predicting it: next-character prediction needs a left-to-right model'
    : 'a bidirectional model reads the next value before predicting it: forecasting needs a left-to-right model';
}
