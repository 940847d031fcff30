// The tagging scores as the page draws them (TaggingPanel.tsx): each model's
// validation accuracy and F1 merged into one table by step for the chart (one
// data prop for recharts), and each model's latest scores for the tiles and
// the legend. Pure, so it is tested without drawing.

import type { TaskScoresReport } from '../engine/training/events';

export type TaggingReport = Extract<TaskScoresReport, { kind: 'tagging' }>;

/** A step and, per model k, its accuracy `a${k}` and F1 `f${k}` measured then. */
export type ScoreRow = { step: number } & Partial<Record<string, number>>;

/** The tagging reports of one model's list (a forecast's are not drawn here). */
export function taggingReports(list: readonly TaskScoresReport[] | undefined): TaggingReport[] {
  return (list ?? []).filter((r): r is TaggingReport => r.kind === 'tagging');
}

/** Every model's accuracy and F1 as one table by step, steps ascending. */
export function scoreRows(
  scores: Readonly<Record<number, readonly TaskScoresReport[]>>,
  models: number,
): ScoreRow[] {
  const byStep = new Map<number, ScoreRow>();
  for (let k = 0; k < models; k++) {
    for (const r of taggingReports(scores[k])) {
      const row = byStep.get(r.step) ?? { step: r.step };
      row[`a${k}`] = r.accuracy;
      row[`f${k}`] = r.f1;
      byStep.set(r.step, row);
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** A model's latest tagging scores, or null before its first validation. */
export function latestTagging(list: readonly TaskScoresReport[] | undefined): TaggingReport | null {
  return taggingReports(list).at(-1) ?? null;
}

/** A score as the page writes it: "0.934", "—" when there is none or it is not a number. */
export function formatScore(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);
}
