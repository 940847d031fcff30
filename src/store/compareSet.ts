// The compared models' settings on the page, read from what the worker
// trains: the models beside the first (with their own regularisation, when
// they have one), and how they follow the first one's task, E and L (a
// comparison varies the cell, H, regularisation and, on a restoration task,
// the direction) and, when asked, its parameter count.
//
// Dimension legend: V vocabulary, E embedding, H hidden, L layers.

import { countParameters, matchHiddenSize } from '../engine/paramCount';
import { isTaggingTask } from '../engine/task';
import type { ComparedModel, CompareSettings, ModelSettings } from '../worker/protocol';
import { useApp } from './app';

/** The models beside the first, as the worker trains them now. */
export function comparedSettings(): CompareSettings[] {
  return useApp.getState().compareModels.slice(1).map(settingsOf);
}

/** What the worker is asked to train for a model it announced: its own regularisation kept. */
export function settingsOf(m: ComparedModel): CompareSettings {
  return m.ownRegularization ? { ...m.model, regularization: m.regularization } : m.model;
}

/**
 * `others` made to follow `first`: the same E and L (a comparison varies the
 * cell and H), and with matchParams each H sized to the first's count.
 */
export function followFirst(first: ModelSettings, others: CompareSettings[]): CompareSettings[] {
  const { matchParams, active } = useApp.getState();
  return others.map((m) => {
    // One task for the set (one corpus, one score); a direction of its own only where the task allows both.
    const direction = isTaggingTask(first.task) ? m.direction : 'uni';
    const next = {
      ...m,
      task: first.task,
      direction,
      embedSize: first.embedSize,
      layers: first.layers,
    };
    return matchParams && active ? matched(first, next, active.vocabSize) : next;
  });
}

/** `m` with the H whose parameter count is nearest `first`'s (V from the corpus). */
function matched(first: ModelSettings, m: CompareSettings, V: number): CompareSettings {
  const target = countParameters({ vocabSize: V, ...first });
  const { cell, embedSize, hiddenSize, layers } = m;
  const own = { vocabSize: V, cell, embedSize, hiddenSize, layers };
  return { ...m, hiddenSize: matchHiddenSize(own, target) };
}

/** Parameters of `m` on the corpus in use (0 before one is loaded). */
export function parametersOf(m: ModelSettings): number {
  const V = useApp.getState().active?.vocabSize;
  return V ? countParameters({ vocabSize: V, ...m }) : 0;
}
