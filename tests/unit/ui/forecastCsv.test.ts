// The forecast chart's numbers as CSV: a line per data row the chart spans,
// per target its actual, one-step, rollout and past-the-end values (empty
// where a line has none), numbers in full, names quoted where CSV needs it;
// read back with the page's own CSV reader, every value is the report's.
//
// Dimension legend: N rows of actual/oneStep, R rows of the rollout, F past the end.

import { describe, expect, it } from 'vitest';
import type { ForecastColumn, ForecastReport } from '../../../src/engine/training/events';
import { parseCsv } from '../../../src/series/csv';
import { forecastCsv, forecastCsvName } from '../../../src/ui/forecastCsv';

function column(name: string, scale: number): ForecastColumn {
  return {
    name,
    actual: Float64Array.from([1, 2, 3, 4], (v) => v * scale), // rows 5..8
    oneStep: Float64Array.from([NaN, 2.1, 2.9, 4.2], (v) => v * scale),
    rollout: Float64Array.from([3.1, 3.9], (v) => v * scale), // rows 7..8
    future: Float64Array.from([5.2, 6.1 + 1e-13], (v) => v * scale), // rows 9..10
  };
}

const REPORT: ForecastReport = {
  step: 120,
  start: 5,
  validationStart: 7,
  seriesRows: 9,
  columns: [column('load', 1), column('temp, °C', 10)],
};

describe('forecastCsv', () => {
  const text = forecastCsv(REPORT);
  const lines = text.trimEnd().split('\n');

  it('has a header of the row and each target’s four lines, a name with a comma quoted', () => {
    expect(lines[0]).toBe(
      'row,load,load one-step,load rollout,load after the last row,' +
        '"temp, °C","temp, °C one-step","temp, °C rollout","temp, °C after the last row"',
    );
  });

  it('writes one line per data row the chart spans, empty where a line has no value', () => {
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([5, 6, 7, 8, 9, 10]);
    // Row 5: the actual value, no one-step prediction yet (NaN), no rollout, no future.
    expect(lines[1]).toBe('5,1,,,,10,,,');
    // Row 9: past the series' end, only the forecast after it.
    expect(lines[5]).toBe(`9,,,,5.2,,,,52`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('reads back with the page’s CSV reader to exactly the report’s numbers', () => {
    const parsed = parseCsv(text);
    expect(parsed.skipped).toEqual([]);
    const col = (name: string) => parsed.columns.find((c) => c.name === name)!.values;
    const rows = Array.from(col('row'));
    for (const c of REPORT.columns) {
      const at = (field: string, row: number) => col(`${c.name}${field}`)[rows.indexOf(row)];
      c.actual.forEach((v, i) => expect(at('', REPORT.start + i)).toBe(v));
      c.rollout.forEach((v, i) => expect(at(' rollout', REPORT.validationStart + i)).toBe(v));
      c.future.forEach((v, i) => expect(at(' after the last row', REPORT.seriesRows + i)).toBe(v));
      c.oneStep.forEach((v, i) => {
        if (Number.isFinite(v)) expect(at(' one-step', REPORT.start + i)).toBe(v);
      });
    }
  });

  it('names the file after the series and the step', () => {
    expect(forecastCsvName('daily.csv', 120)).toBe('daily-forecast-step120.csv');
    expect(forecastCsvName('Noisy sines', 7)).toBe('Noisy-sines-forecast-step7.csv');
    expect(forecastCsvName('///', 7)).toBe('series-forecast-step7.csv');
  });
});
