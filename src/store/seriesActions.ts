// Choosing the series of the forecast task, as corpusActions.ts chooses a
// corpus: a built-in series, pasted CSV text or a dropped/picked .csv file
// goes to the worker (loadSeries), which parses and checks it and answers
// with 'series' or 'seriesError' (receiver.ts puts them in taskSlice). The
// columns (setSeriesLayout) and the rollout's rows (setHorizon) go the same
// way; which target the chart draws (setChartColumn) stays on the page. A
// new series or other columns need a fresh model, so once a model has
// trained they ask first (the same dialog as a new corpus); the horizon only
// changes what the chart draws, so it never asks.
//
// What only the series panel needs (the CSV box's text, the series being
// checked) lives in a small store of its own here, not in AppState.

import { create } from 'zustand';
import type { BuiltinSeries } from '../series/generators';
import type { SeriesLayout } from '../series/windows';
import { MAX_HORIZON, type SeriesSource } from '../worker/protocol';
import { setProbeFromRow } from './actions';
import { useApp } from './app';
import { askBeforeReplacingModel } from './corpusActions';
import { newCorpusId, send } from './engine';

/** The built-in series as the panel names them (src/series/generators.ts has what they are). */
export const BUILTIN_SERIES_INFO: Record<BuiltinSeries, { title: string; description: string }> = {
  sines: {
    title: 'Noisy sines',
    description: 'Three sines of periods between 8 and 64 rows, plus noise: no single period',
  },
  'trend-seasonal': {
    title: 'Trend + season',
    description: 'A slow upward trend and a 24-row season with noise: seasonal naive does well',
  },
  'mackey-glass': {
    title: 'Mackey-Glass',
    description: 'A chaotic delay equation: quasi-periodic (about 50 rows), never repeats',
  },
};

/** The name a pasted CSV series carries. */
export const PASTED_CSV_NAME = 'Pasted CSV';

export interface SeriesUi {
  /** What the CSV box holds. */
  csv: string;
  /** The series the worker is checking (its name), until it answers. */
  checking: string | null;
  /** A problem found before anything was sent (an empty box, a horizon out of range). */
  inputError: string | null;
}

export const useSeriesUi = create<SeriesUi>()(() => ({
  csv: '',
  checking: null,
  inputError: null,
}));

/** The worker answered (a series, or why not): nothing is being checked any more. */
useApp.subscribe((state, previous) => {
  if (state.series !== previous.series || state.seriesError !== previous.seriesError) {
    if (useSeriesUi.getState().checking !== null) useSeriesUi.setState({ checking: null });
  }
});

/** The series last sent, and the last one the worker accepted: what a restarted worker gets back. */
let sent: { name: string; source: SeriesSource } | null = null;
let accepted: { name: string; source: SeriesSource } | null = null;

useApp.subscribe((state, previous) => {
  if (state.series !== previous.series && state.series && sent?.name === state.series.name) {
    accepted = sent;
  }
});

function sendSeries(name: string, source: SeriesSource, layout?: SeriesLayout): void {
  // Another series: its gates start where its validation rows do, not at a row of the last one.
  setProbeFromRow(null);
  // Cleared first, so the answer (even the same refusal again) is seen as new.
  useApp.setState({ seriesError: null });
  useSeriesUi.setState({ checking: name, inputError: null });
  sent = { name, source };
  send({ type: 'loadSeries', id: newCorpusId(), name, source, ...(layout ? { layout } : {}) });
}

/**
 * After the engine worker restarted without a save to resume: the series in
 * use again, with its columns and horizon (a fresh model on it), then
 * training if it was training. The worker runs messages in order, so the
 * train command finds the model built. Returns the series' name, or null
 * when there was none (the text corpus goes back instead).
 */
export function resendLastSeries(train: boolean): string | null {
  const series = useApp.getState().series;
  if (!accepted || !series) return null;
  sendSeries(accepted.name, accepted.source, series.layout);
  send({ type: 'setHorizon', rows: series.horizon });
  if (train) send({ type: 'train' });
  return accepted.name;
}

/** A built-in series (a fresh model on it, asking first once one has trained). */
export function loadBuiltinSeries(series: BuiltinSeries): void {
  const { title } = BUILTIN_SERIES_INFO[series];
  askBeforeReplacingModel(`the series ${title}`, () =>
    sendSeries(title, { kind: 'builtin', series }),
  );
}

export function setCsvText(csv: string): void {
  useSeriesUi.setState({ csv, inputError: null });
}

/** "Use CSV": the box's text as the series. */
export function submitCsv(): void {
  const { csv } = useSeriesUi.getState();
  if (csv.trim().length === 0) {
    useSeriesUi.setState({ inputError: 'the CSV box is empty: paste rows of numbers first' });
    return;
  }
  askBeforeReplacingModel('the pasted CSV', () =>
    sendSeries(PASTED_CSV_NAME, { kind: 'text', text: csv }),
  );
}

/** A dropped or picked file, read and parsed in the worker. */
export function loadSeriesFile(file: File): void {
  askBeforeReplacingModel(file.name, () => sendSeries(file.name, { kind: 'file', file }));
}

/** Other input and target columns of the series in use (a fresh model: Ci and Co change). */
export function setSeriesLayout(layout: SeriesLayout): void {
  const series = useApp.getState().series;
  if (!series) return;
  askBeforeReplacingModel(`other columns of ${series.name}`, () => {
    useApp.setState({ seriesError: null });
    useSeriesUi.setState({ checking: series.name, inputError: null });
    send({ type: 'setSeriesLayout', layout });
  });
}

/** Rows of the chart's autoregressive rollout. */
export function setHorizon(rows: number): void {
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_HORIZON) {
    useSeriesUi.setState({
      inputError: `the horizon is a whole number of rows, 1 to ${MAX_HORIZON}`,
    });
    return;
  }
  useSeriesUi.setState({ inputError: null });
  send({ type: 'setHorizon', rows });
}

/** The target column the forecast chart and the gates strip draw (a view: nothing is sent). */
export function setChartColumn(name: string): void {
  useApp.setState({ chartColumn: name });
}

/**
 * The forecast task needs a series before a model can be built: the first
 * built-in one, unless one is in use or on its way. The series panel calls
 * this when it appears (the task became 'forecast').
 */
export function ensureSeries(): void {
  if (useApp.getState().series || useSeriesUi.getState().checking !== null) return;
  sendSeries(BUILTIN_SERIES_INFO.sines.title, { kind: 'builtin', series: 'sines' });
}

/**
 * The input choice for column `index` turned on or off: at least one input
 * stays (the model reads something at every row).
 */
export function toggledInputs(layout: SeriesLayout, index: number, on: boolean): SeriesLayout {
  const inputs = new Set(layout.inputColumns);
  if (on) inputs.add(index);
  else inputs.delete(index);
  if (inputs.size === 0) return layout;
  return { ...layout, inputColumns: [...inputs].sort((a, b) => a - b) };
}

/**
 * The target choice for column `index` turned on or off. A new target is an
 * input too (its past values are what the model reads), as the default layout
 * has it; at least one target stays.
 */
export function toggledTargets(layout: SeriesLayout, index: number, on: boolean): SeriesLayout {
  const targets = new Set(layout.targetColumns);
  const inputs = new Set(layout.inputColumns);
  if (on) {
    targets.add(index);
    inputs.add(index);
  } else targets.delete(index);
  if (targets.size === 0) return layout;
  return {
    inputColumns: [...inputs].sort((a, b) => a - b),
    targetColumns: [...targets].sort((a, b) => a - b),
  };
}
