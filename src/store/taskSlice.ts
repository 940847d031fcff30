// What the page knows of the tasks beyond next-character prediction: each
// model's validation scores over the steps (accuracy and F1 of a tagger, MSE
// and MAE of a forecast), the latest forecast chart of each model, and the
// series in use for forecasting. Filled by the receiver from the worker's
// 'taskScores', 'forecast' and 'series' messages; the column the chart draws
// is the person's choice (seriesActions.ts).

import type { StateCreator } from 'zustand';
import type { ForecastReport, TaskScoresReport } from '../engine/training/events';
import type { EngineMessageOf, SeriesStats } from '../worker/protocol';
import type { AppState } from './app';

export interface TaskSlice {
  /** Per model (index in compareModels): its scores at each validation run, in step order. */
  taskScores: Record<number, TaskScoresReport[]>;
  /** Per model: the latest forecast chart's series. */
  forecasts: Record<number, ForecastReport>;
  /** The series in use for the forecast task; null before one is loaded. */
  series: SeriesStats | null;
  /** Why the last series (or column choice) was refused; the series in use stays. */
  seriesError: string | null;
  /**
   * The target column the forecast chart and the gates strip draw, by name;
   * null (or a name no longer a target) draws the first target.
   */
  chartColumn: string | null;
}

export const createTaskSlice: StateCreator<AppState, [], [], TaskSlice> = () => ({
  taskScores: {},
  forecasts: {},
  series: null,
  seriesError: null,
  chartColumn: null,
});

type Scores = TaskSlice['taskScores'];

/** A 'taskScores' message appended to its model's list (a repeated step replaces the last). */
export function addTaskScores(all: Scores, message: EngineMessageOf<'taskScores'>): Scores {
  const model = message.model ?? 0;
  const report: TaskScoresReport =
    message.kind === 'tagging'
      ? {
          kind: 'tagging',
          step: message.step,
          accuracy: message.accuracy,
          precision: message.precision,
          recall: message.recall,
          f1: message.f1,
        }
      : {
          kind: 'forecast',
          step: message.step,
          mse: message.mse,
          mae: message.mae,
          perTarget: message.perTarget,
        };
  const list = all[model] ?? [];
  const last = list[list.length - 1];
  const kept = last && last.step >= report.step ? list.slice(0, -1) : list;
  return { ...all, [model]: [...kept, report] };
}

/** After `model` rolled back to `step`: scores of abandoned steps go. */
export function taskScoresUpTo(all: Scores, model: number, step: number): Scores {
  const list = all[model];
  if (!list || list.length === 0 || list[list.length - 1].step <= step) return all;
  return { ...all, [model]: list.filter((r) => r.step <= step) };
}

/**
 * The chart column chosen, kept while the series stays and the column stays
 * a target: another series, or the column no longer forecast, draws the first
 * target again (a later series with a column of the same name must not open on it).
 */
export function keptChartColumn(
  chosen: string | null,
  previous: SeriesStats | null,
  next: SeriesStats,
): string | null {
  if (chosen === null || previous?.name !== next.name) return null;
  const targets = next.layout.targetColumns.map((c) => next.columns[c]?.name);
  return targets.includes(chosen) ? chosen : null;
}

/** A 'forecast' message as its model's latest chart. */
export function withForecast(
  all: TaskSlice['forecasts'],
  message: EngineMessageOf<'forecast'>,
): TaskSlice['forecasts'] {
  const { step, start, validationStart, seriesRows, columns } = message;
  const report: ForecastReport = { step, start, validationStart, seriesRows, columns };
  return { ...all, [message.model ?? 0]: report };
}
