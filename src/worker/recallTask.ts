// Whether the corpus in use is a delayed-recall text (src/corpora/delayedRecall.ts),
// and if so which tokens the training loop scores recall at. Told by the text
// itself, not by its name, so the same text loaded from a file or resumed from
// a saved run is scored too: its characters are the task's own, and its first
// line is a task line ("K:ffff>K").
//
// Dimension legend: none (token ids).

import {
  RECALL_FILLER,
  RECALL_KEYS,
  RECALL_MARKER,
  RECALL_SEPARATOR,
} from '../corpora/delayedRecall';
import type { Corpus } from '../engine/tokenizer';
import type { RecallTask } from '../engine/training/recall';

const TASK_CHARS = new Set([
  ...RECALL_KEYS,
  ...RECALL_FILLER,
  RECALL_SEPARATOR,
  RECALL_MARKER,
  '\n',
]);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\>-]/g, '\\$&');
const LINE = new RegExp(
  `^([${esc(RECALL_KEYS)}])${esc(RECALL_SEPARATOR)}[${esc(RECALL_FILLER)}]+${esc(RECALL_MARKER)}\\1$`,
);

/** The recall task of `corpus`, or null when it is not a delayed-recall text. */
export function recallTaskOf({ text, vocab }: Pick<Corpus, 'text' | 'vocab'>): RecallTask | null {
  if (!LINE.test(text.slice(0, text.indexOf('\n')))) return null;
  if (vocab.itos.some((ch) => !TASK_CHARS.has(ch))) return null;
  const markerId = vocab.idOf(RECALL_MARKER.codePointAt(0)!);
  const newlineId = vocab.idOf('\n'.codePointAt(0)!);
  if (markerId === undefined || newlineId === undefined) return null;
  return { markerId, newlineId, chance: 1 / RECALL_KEYS.length };
}
