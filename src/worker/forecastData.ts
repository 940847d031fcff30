// The series in use for the forecast task, in the engine worker: read from
// pasted CSV, a dropped file (read here, off the page's thread) or a built-in
// generator (the run's seed, BUILTIN_ROWS rows); its columns chosen (by
// default the last numeric column without problem cells is the target and
// the only input) and checked (a chosen column with a missing, non-numeric or
// misaligned cell is refused, row and column named); and described for the
// page (SeriesStats: the columns with their problems, notes, the naive
// baselines to beat).
//
// Dimension legend: N rows, Ci / Co columns read / forecast.

import { CorpusError } from '../engine/tokenizer';
import { naiveBaselines } from '../series/baselines';
import { parseCsv, skippedSummary } from '../series/csv';
import { generateSeries } from '../series/generators';
import { splitSeries } from '../series/normalize';
import type { SeriesLayout } from '../series/windows';
import type { SeriesColumnInfo, SeriesSource, SeriesStats } from './protocol';

/** Rows of a built-in series. */
export const BUILTIN_ROWS = 2000;

/** A series read and checked, before it is normalised for a split (series/trainingData.ts). */
export interface LoadedSeries {
  /** The loadSeries request that brought it: its 'series' answers carry this id. */
  id: number;
  name: string;
  /** (N) per numeric column, in its own units; NaN where a cell is missing or not a number. */
  columns: Float64Array[];
  names: string[];
  info: SeriesColumnInfo[];
  /** Columns left out as not numeric, and file-wide problems. */
  notes: string[];
  layout: SeriesLayout;
}

/** The numeric columns of a source, with what the person should know about them. */
export async function readSeries(
  source: SeriesSource,
  seed: number,
): Promise<Omit<LoadedSeries, 'id' | 'name' | 'layout'>> {
  if (source.kind === 'builtin') {
    return {
      columns: [generateSeries(source.series, BUILTIN_ROWS, seed)],
      names: [source.series],
      info: [{ name: source.series, problems: 0, messages: [] }],
      notes: [],
    };
  }
  const text = source.kind === 'text' ? source.text : await source.file.text();
  const csv = parseCsv(text);
  const notes = skippedSummary(csv);
  if (csv.unclosedQuote !== null) {
    notes.push(`row ${csv.unclosedQuote}: a quote opens here and never closes`);
  }
  notes.push(...csv.ragged.messages);
  if (csv.columns.length === 0) {
    const why = csv.rows === 0 ? 'it has no data rows' : 'no column of it holds numbers';
    throw new CorpusError(
      `the CSV cannot be forecast: ${why}${notes.length ? ` (${notes[0]})` : ''}`,
    );
  }
  return {
    columns: csv.columns.map((c) => c.values),
    names: csv.columns.map((c) => c.name),
    info: csv.columns.map((c) => ({
      name: c.name,
      problems: c.problems.count,
      messages: c.problems.messages,
    })),
    notes,
  };
}

/** First problems named when every column has some: one per column, at most this many. */
const MAX_NAMED_COLUMNS = 3;

/**
 * The last numeric column without problem cells as the target and the only
 * input: one bad cell in the last column must not keep the clean columns
 * before it from loading (the page lists the bad one with its problems).
 * Throws CorpusError, naming each column's first problem, when every column
 * has some.
 */
export function defaultLayout(info: SeriesColumnInfo[]): SeriesLayout {
  for (let c = info.length - 1; c >= 0; c--) {
    if (info[c].problems === 0) return { inputColumns: [c], targetColumns: [c] };
  }
  const named = info.slice(-MAX_NAMED_COLUMNS).reverse();
  const firsts = named.map((c) => c.messages[0] ?? `column ${JSON.stringify(c.name)}`);
  const more = info.length - named.length;
  throw new CorpusError(
    `the series cannot be forecast: every numeric column has missing or unreadable cells ` +
      `(${firsts.join('; ')}${more > 0 ? `; and ${more} more column(s)` : ''}): ` +
      'fix them, or leave those columns out of the file',
  );
}

/**
 * Throws CorpusError when `layout` names a column that does not exist or
 * one with missing or unreadable cells (the first named by row and column,
 * as the CSV report says it).
 */
export function checkLayout(layout: SeriesLayout, info: SeriesColumnInfo[]): void {
  if (layout.inputColumns.length === 0 || layout.targetColumns.length === 0) {
    throw new CorpusError('choose at least one input column and one target column');
  }
  for (const c of new Set([...layout.inputColumns, ...layout.targetColumns])) {
    const column = info[c];
    if (!column) {
      throw new CorpusError(`column ${c + 1} does not exist: the series has ${info.length}`);
    }
    if (column.problems > 0) {
      const first = column.messages[0] ?? `column ${JSON.stringify(column.name)}`;
      throw new CorpusError(
        `${first}; column ${JSON.stringify(column.name)} has ${column.problems} missing or ` +
          'unreadable cell(s): fix them, or leave the column out',
      );
    }
  }
}

/** What the page shows of the series in use (the 'series' message). */
export function seriesStats(
  series: LoadedSeries,
  valFraction: number,
  horizon: number,
): SeriesStats {
  const rows = series.columns[0].length;
  const { trainRows, validationRows } = splitSeries(rows, valFraction);
  // Averaged over the target columns, as the model's scores are (forecastScorer).
  const perTarget = series.layout.targetColumns.map((c) =>
    naiveBaselines(series.columns[c], { valFraction }),
  );
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const seasonal = perTarget.every((b) => b.seasonal !== null)
    ? perTarget.map((b) => b.seasonal!)
    : null;
  return {
    name: series.name,
    rows,
    trainRows,
    validationRows,
    columns: series.info,
    layout: series.layout,
    notes: series.notes,
    baselines: {
      lastValue: {
        mse: mean(perTarget.map((b) => b.lastValue.mseNormalized)),
        mae: mean(perTarget.map((b) => b.lastValue.maeNormalized)),
      },
      seasonal: seasonal && {
        mse: mean(seasonal.map((s) => s.mseNormalized)),
        mae: mean(seasonal.map((s) => s.maeNormalized)),
        periods: seasonal.map((s) => s.period),
      },
      perTarget: perTarget.map((b) => ({
        lastValue: { mse: b.lastValue.mseNormalized, mae: b.lastValue.maeNormalized },
        seasonal: b.seasonal && {
          mse: b.seasonal.mseNormalized,
          mae: b.seasonal.maeNormalized,
          period: b.seasonal.period,
        },
      })),
    },
    horizon,
  };
}

/**
 * The used columns of a series as CSV text (a header of quoted names, values
 * written exactly: String(x) reads back as the same double), with the layout
 * renumbered into them. Saved runs keep a forecast's series as this text, and
 * its checkpoints name it by the text's hash, as a text model's name its corpus.
 */
export function seriesText(series: LoadedSeries): { text: string; layout: SeriesLayout } {
  const { inputColumns, targetColumns } = series.layout;
  const used = [...new Set([...inputColumns, ...targetColumns])];
  const at = new Map(used.map((c, k) => [c, k]));
  const header = used.map((c) => `"${series.names[c].replace(/"/g, '""')}"`).join(',');
  const rows = series.columns[0].length;
  const lines = [header];
  for (let r = 0; r < rows; r++)
    lines.push(used.map((c) => String(series.columns[c][r])).join(','));
  return {
    text: lines.join('\n') + '\n',
    layout: {
      inputColumns: inputColumns.map((c) => at.get(c)!),
      targetColumns: targetColumns.map((c) => at.get(c)!),
    },
  };
}

/**
 * A series saved as seriesText, its columns chosen as a checkpoint's series
 * record names them; throws CorpusError when a named column is not there.
 */
export async function seriesFromText(
  id: number,
  name: string,
  text: string,
  record: { columns: string[]; inputColumns: number[]; targetColumns: number[] },
): Promise<LoadedSeries> {
  const read = await readSeries({ kind: 'text', text }, 0);
  const indexOf = (k: number) => {
    const c = read.names.indexOf(record.columns[k]);
    if (c < 0) {
      throw new CorpusError(
        `the saved series lacks the column ${JSON.stringify(record.columns[k])}`,
      );
    }
    return c;
  };
  const layout = {
    inputColumns: record.inputColumns.map(indexOf),
    targetColumns: record.targetColumns.map(indexOf),
  };
  checkLayout(layout, read.info);
  return { id, name, ...read, layout };
}
