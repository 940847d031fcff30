// The forecast chart's numbers as a CSV file, for a person who wants the
// values rather than a picture of them: one line per data row the chart
// spans, and per target column its actual value, one-step prediction,
// rollout and forecast past the last row, in the column's own units. A
// pure function of the report, so the tests check it without a browser.
//
// Dimension legend: N rows of a report's actual/oneStep, R rows of its
// rollout, F rows past the series' end, Co target columns.

import type { ForecastReport } from '../engine/training/events';
import { forecastRows, type ForecastRow } from './forecastData';

/** Each target's fields, as its CSV headers end ("load one-step"). */
const FIELDS: readonly { key: Exclude<keyof ForecastRow, 'row'>; suffix: string }[] = [
  { key: 'actual', suffix: '' },
  { key: 'oneStep', suffix: ' one-step' },
  { key: 'rollout', suffix: ' rollout' },
  { key: 'future', suffix: ' after the last row' },
];

/**
 * The report as CSV text: a header (`row`, then per target its fields),
 * then one line per data row (0-based, as the chart numbers them) with an
 * empty field where a line has no value. Numbers are written in full
 * (JavaScript's shortest round-trip form), so nothing is lost to rounding.
 */
export function forecastCsv(report: ForecastReport): string {
  // (Co) per target: its chart rows, by data row.
  const byColumn = report.columns.map(
    (column) => new Map(forecastRows(report, column).map((r) => [r.row, r])),
  );
  const rows = [...new Set(byColumn.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const header = [
    'row',
    ...report.columns.flatMap((c) => FIELDS.map((f) => `${c.name}${f.suffix}`)),
  ];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const fields = byColumn.flatMap((m) => FIELDS.map((f) => m.get(row)?.[f.key]));
    lines.push([row, ...fields].map((v) => (v === undefined ? '' : String(v))).join(','));
  }
  return lines.join('\n') + '\n';
}

/** The file's name: the series' and the step's, with nothing a file system refuses. */
export function forecastCsvName(seriesName: string, step: number): string {
  const base = seriesName
    .replace(/\.(csv|tsv|txt)$/i, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'series'}-forecast-step${step}.csv`;
}

/** A header field quoted as RFC 4180 asks when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
